// `npm run bench`: wasmgrad's kernels against @tensorflow/tfjs-backend-wasm (one thread each),
// timed alternately in the same process. Prints a table and writes bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { loadKernels, WasmHeap, type Kernels } from './wasmgrad.js';
import { loadTfjsWasm, tidied, type Tf } from './tfjs.js';
import { timeOne, timePair } from './timing.js';
import { epochRows, printEpochTable, trainingStepCases } from './epochs.js';
import { printThreadRows, threadRows } from './threads.js';
import { layerCases } from './layers.js';
import { speedrunRow, printSpeedrun } from './speedrun-row.js';
import { coldStart, printColdStart } from './cold-start.js';
import { init, matmul, randn, tidy } from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { runTimedProbe } from '../bindings/gemm-tile.js';

interface Row {
  name: string;
  gflop: number; // work per call, 1e9 FLOPs
  wasmgradMs: number;
  tfjsMs: number;
  note?: string;
}

interface Case {
  name: string;
  flops: number;
  wasmgrad: () => void;
  tfjs: () => void;
  note?: string;
  /** samples per engine; the multi-second cases take fewer to keep the run under ~5 minutes */
  repeats?: number;
}

function measurePeak(k: Kernels): number {
  const iters = 2_000_000;
  const t = timeOne(() => k.simdPeak(iters), 9, 50);
  return (iters * 96) / (t.ms * 1e6);
}

/** C = A·B for square n, the classic GEMM figure. */
function squareGemm(k: Kernels, heap: WasmHeap, tf: Tf, n: number): Case {
  const a = heap.randomF32(n * n), b = heap.randomF32(n * n), c = heap.alloc(n * n * 4);
  const ta = tf.randomUniform([n, n], -1, 1), tb = tf.randomUniform([n, n], -1, 1);
  return {
    name: `gemm ${n}³`,
    flops: 2 * n * n * n,
    repeats: n >= 2048 ? 3 : undefined,
    wasmgrad: () => k.gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n),
    tfjs: tidied(tf, () => tf.matMul(ta, tb)),
  };
}

/**
 * A dense layer Y[M,N] = X[M,K]·W[K,N]; with `train` also dX = dY·Wᵀ and dW = Xᵀ·dY, the three
 * products of one training step (the transposed operands exercise the other GEMM variants).
 */
function denseGemm(k: Kernels, heap: WasmHeap, tf: Tf, M: number, K: number, N: number, train: boolean): Case {
  const x = heap.randomF32(M * K), w = heap.randomF32(K * N), dy = heap.randomF32(M * N);
  const y = heap.alloc(M * N * 4), dx = heap.alloc(M * K * 4), dw = heap.alloc(K * N * 4);
  const tx = tf.randomUniform([M, K], -1, 1), tw = tf.randomUniform([K, N], -1, 1), tdy = tf.randomUniform([M, N], -1, 1);
  const shape = `[${M}×${K}]·[${K}×${N}]`;
  const repeats = M * N * K >= 1e9 ? 3 : undefined;
  if (!train) {
    return {
      name: `dense ${shape} fwd`,
      flops: 2 * M * N * K,
      repeats,
      wasmgrad: () => k.gemm(0, 0, M, N, K, 1, x, K, w, N, 0, y, N),
      tfjs: tidied(tf, () => tf.matMul(tx, tw)),
    };
  }
  return {
    name: `dense ${shape} fwd+dX+dW`,
    flops: 3 * 2 * M * N * K,
    repeats,
    wasmgrad: () => {
      k.gemm(0, 0, M, N, K, 1, x, K, w, N, 0, y, N);
      k.gemm(0, 1, M, K, N, 1, dy, N, w, N, 0, dx, K);
      k.gemm(1, 0, K, N, M, 1, x, K, dy, N, 0, dw, N);
    },
    tfjs: tidied(tf, () => [tf.matMul(tx, tw), tf.matMul(tdy, tw, false, true), tf.matMul(tx, tdy, true, false)]),
  };
}

/**
 * Stride-1 conv2d with `pad` zeros on every side (0 = 'valid', (K-1)/2 = 'same'), NCHW on wasmgrad
 * and NHWC on tfjs (its native layout).
 */
function conv(k: Kernels, heap: WasmHeap, tf: Tf, N: number, C: number, H: number, W: number,
              OC: number, KH: number, KW: number, train: boolean, pad = 0): Case {
  const OH = H + 2 * pad - KH + 1, OW = W + 2 * pad - KW + 1;
  if (pad !== 0 && (OH !== H || OW !== W)) throw new Error('bench conv: padding must be 0 or "same"');
  const shape = [N, C, H, W, OC, KH, KW, 1, 1, pad, pad, 1, 1, OH, OW] as const;
  const tfPad = pad === 0 ? 'valid' : 'same';
  const explicit: [[number, number], [number, number], [number, number], [number, number]] =
    [[0, 0], [pad, pad], [pad, pad], [0, 0]];
  const x = heap.randomF32(N * C * H * W), w = heap.randomF32(OC * C * KH * KW), bias = heap.randomF32(OC);
  const dy = heap.randomF32(N * OC * OH * OW);
  const y = heap.alloc(N * OC * OH * OW * 4), dx = heap.alloc(N * C * H * W * 4);
  const dw = heap.alloc(OC * C * KH * KW * 4), db = heap.alloc(OC * 4);
  const ws = heap.alloc(k.conv2dWorkspaceBytes(N, C, H, W, OC, KH, KW, OH, OW));
  const tx = tf.randomUniform([N, H, W, C], -1, 1) as import('@tensorflow/tfjs').Tensor4D;
  const tw = tf.randomUniform([KH, KW, C, OC], -1, 1) as import('@tensorflow/tfjs').Tensor4D;
  const tb = tf.randomUniform([OC], -1, 1);
  const tdy = tf.randomUniform([N, OH, OW, OC], -1, 1) as import('@tensorflow/tfjs').Tensor4D;
  const fwd = () => tf.add(tf.conv2d(tx, tw, 1, tfPad), tb);
  const flops1 = 2 * N * OC * OH * OW * C * KH * KW;
  const name = `conv [${N},${C},${H},${W}]*[${OC},${C},${KH},${KW}]${pad ? ` pad ${pad}` : ''}`;
  if (!train) {
    return {
      name: `${name} fwd`,
      flops: flops1,
      wasmgrad: () => k.conv2dForward(x, w, bias, y, ws, ...shape, 0, 0, 1),
      tfjs: tidied(tf, fwd),
    };
  }
  return {
    name: `${name} fwd+bwd`,
    flops: 3 * flops1,
    note: 'tfjs dW: conv2d over transposed x/dy (no Conv2DBackpropFilter kernel in tfjs-wasm 4.22); conv GFLOP/s and % peak ' +
      'count the direct convolution\'s FLOPs: 3×3 layers with ≥ 16 channels each way run by Winograd F(2×2, 3×3) (up to 2.25× fewer multiplies)',
    wasmgrad: () => {
      k.conv2dForward(x, w, bias, y, ws, ...shape, 0, 0, 1);
      k.conv2dBackwardInput(dy, w, dx, ws, ...shape, 0, 1);
      k.conv2dBackwardWeight(x, dy, dw, ws, ...shape, 0, 1);
      k.conv2dBackwardBias(dy, db, N, OC, OH * OW, 0, OC);
    },
    tfjs: tidied(tf, () => {
      fwd();
      tf.conv2dTranspose(tdy, tw, [N, H, W, C], 1, tfPad);
      // dW[kh,kw,c,oc] = Σ_{n,oh,ow} x[n,oh+kh,ow+kw,c]·dy[n,oh,ow,oc]: a conv2d of x with C as its
      // batch and N as its channels, filtered by dy laid out [OH,OW,N,OC]
      const xT = tf.transpose(tx, [3, 1, 2, 0]) as import('@tensorflow/tfjs').Tensor4D;
      const dyT = tf.transpose(tdy, [1, 2, 0, 3]) as import('@tensorflow/tfjs').Tensor4D;
      tf.transpose(tf.conv2d(xT, dyT, 1, explicit), [1, 2, 0, 3]);
      tf.sum(tdy, [0, 1, 2]);
    }),
  };
}

/**
 * Max pool k×k stride k, no padding, on P = N·C planes; with `train` also the backward pass (tfjs:
 * tf.grad, which reruns the forward pass, as a training step would). Work counted as one op per
 * window element visited, so "% peak" only compares rows of this kind with each other.
 */
function maxPool(k: Kernels, heap: WasmHeap, tf: Tf, N: number, C: number, H: number, W: number, K: number,
                 train: boolean): Case {
  const OH = Math.floor(H / K), OW = Math.floor(W / K), P = N * C;
  const x = heap.randomF32(P * H * W), dy = heap.randomF32(P * OH * OW);
  const y = heap.alloc(P * OH * OW * 4), am = heap.alloc(P * OH * OW * 4), dx = heap.alloc(P * H * W * 4);
  const tx = tf.randomUniform([N, H, W, C], -1, 1) as import('@tensorflow/tfjs').Tensor4D;
  const tdy = tf.randomUniform([N, OH, OW, C], -1, 1) as import('@tensorflow/tfjs').Tensor4D;
  const fwd = () => k.maxPool2dForward(x, y, am, P, H, W, K, K, K, K, 0, 0, OH, OW, 0);
  const name = `maxpool [${N},${C},${H},${W}] k${K}`;
  const ops = P * OH * OW * K * K;
  if (!train) {
    return { name: `${name} fwd`, flops: ops, wasmgrad: fwd, tfjs: tidied(tf, () => tf.maxPool(tx, K, K, 'valid')),
             note: 'maxpool: "GFLOP/s" counts window elements visited' };
  }
  const grad = tf.grad((t) => tf.maxPool(t as import('@tensorflow/tfjs').Tensor4D, K, K, 'valid'));
  return {
    name: `${name} fwd+bwd`,
    flops: 2 * ops,
    note: 'maxpool: "GFLOP/s" counts window elements visited',
    wasmgrad: () => {
      fwd();
      k.maxPool2dBackward(dy, am, dx, P, H, W, OH, OW);
    },
    tfjs: tidied(tf, () => grad(tx, tdy)),
  };
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

async function main(): Promise<void> {
  const k = await loadKernels();
  // the engine chooses the GEMM tile (family, then a timed probe once its kernels are warm); the
  // bench's own instance of the same kernels runs with that tile
  await init({ threads: 1 });
  const warm = randn([512, 512]);
  for (let i = 0; i < 20; i++) tidy(() => { matmul(warm, warm); });
  const tile = runTimedProbe();
  k.gemmSetTile(K().gemmTile());
  const heap = new WasmHeap(k);
  const tf = await loadTfjsWasm();
  const peak = measurePeak(k);

  const cases: Case[] = [
    squareGemm(k, heap, tf, 256),
    squareGemm(k, heap, tf, 512),
    squareGemm(k, heap, tf, 1024),
    squareGemm(k, heap, tf, 2048),
    denseGemm(k, heap, tf, 10, 784, 30, false),
    denseGemm(k, heap, tf, 10, 784, 30, true),
    denseGemm(k, heap, tf, 128, 784, 128, false),
    denseGemm(k, heap, tf, 128, 784, 128, true),
    denseGemm(k, heap, tf, 4000, 784, 800, false),
    denseGemm(k, heap, tf, 4000, 784, 800, true),
    conv(k, heap, tf, 64, 1, 28, 28, 32, 3, 3, false),
    conv(k, heap, tf, 64, 1, 28, 28, 32, 3, 3, true),
    conv(k, heap, tf, 64, 32, 13, 13, 64, 3, 3, false),
    conv(k, heap, tf, 64, 32, 13, 13, 64, 3, 3, true),
    conv(k, heap, tf, 200, 16, 14, 14, 16, 3, 3, false, 1),
    conv(k, heap, tf, 200, 16, 14, 14, 16, 3, 3, true, 1),
    maxPool(k, heap, tf, 64, 32, 26, 26, 2, false),
    maxPool(k, heap, tf, 64, 32, 26, 26, 2, true),
    ...(await trainingStepCases(tf)), // bench/epochs.ts: one training step of T1–T4
    ...(await layerCases(tf)), // bench/layers.ts: attention, layer norm, transposed convolution
  ];
  // BENCH_FILTER=substring runs only the matching rows (and leaves latest.json alone)
  const filter = process.env.BENCH_FILTER;
  const selected = filter ? cases.filter((c) => c.name.includes(filter)) : cases;

  const rows: Row[] = [];
  for (const c of selected) {
    const [wg, tj] = timePair(c.wasmgrad, c.tfjs, c.repeats);
    rows.push({ name: c.name, gflop: c.flops / 1e9, wasmgradMs: wg.ms, tfjsMs: tj.ms, note: c.note });
  }
  const epochs = await epochRows(tf, filter); // bench/epochs.ts: one epoch of T1–T4
  const threads = await threadRows(undefined, filter ?? ''); // bench/threads.ts: 1 vs n threads
  const speedrun = !filter || 'speedrun'.includes(filter) || filter.includes('MNIST') ? await speedrunRow() : null;
  const cold = !filter || 'cold start'.includes(filter) ? coldStart() : null;

  const gf = (r: Row, ms: number) => r.gflop / (ms / 1e3);
  const header = ['case', 'wasmgrad ms', 'GFLOP/s', '% peak', 'tfjs ms', 'tfjs GFLOP/s', 'ratio wg/tfjs'];
  const table = rows.map((r) => [
    r.name, fmt(r.wasmgradMs, 3), fmt(gf(r, r.wasmgradMs)), fmt((100 * gf(r, r.wasmgradMs)) / peak, 0) + '%',
    fmt(r.tfjsMs, 3), fmt(gf(r, r.tfjsMs)), fmt(r.tfjsMs / r.wasmgradMs, 2) + '×',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`Wasm SIMD peak (12-chain f32x4 mul+add, one thread): ${fmt(peak)} GFLOP/s on ${cpus()[0]?.model ?? '?'}, Node ${process.versions.node}`);
  console.log(`GEMM tile: ${tile.tile} (${tile.reason})`);
  if (table.length) {
    console.log('ratio = wasmgrad speed / tfjs-wasm speed (tfjs ms / wasmgrad ms): > 1 means wasmgrad is faster\n');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const t of table) console.log(line(t));
  }
  const notes = [...new Set(rows.map((r) => r.note).filter((n): n is string => !!n))];
  for (const n of notes) console.log(`\nnote: ${n}`);
  printEpochTable(epochs);
  if (threads.length) {
    console.log(`\nthreads: the same work on 1 and ${threads[0].threads} threads (wasmgrad's API, alternating)\n`);
    printThreadRows(threads);
  }

  if (speedrun) printSpeedrun(speedrun);
  if (cold) printColdStart(cold);

  if (filter) return;
  const out = new URL('../../bench/results/', import.meta.url);
  await mkdir(out, { recursive: true });
  await writeFile(new URL('latest.json', out), JSON.stringify({
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    peakGflops: peak,
    gemmTile: tile,
    speedrun,
    coldStart: cold,
    rows: rows.map((r) => ({
      ...r,
      wasmgradGflops: gf(r, r.wasmgradMs),
      tfjsGflops: gf(r, r.tfjsMs),
      percentOfPeak: (100 * gf(r, r.wasmgradMs)) / peak,
      ratio: r.tfjsMs / r.wasmgradMs,
    })),
    epochs,
    threads,
  }, null, 2) + '\n');
  console.log('\nwrote bench/results/latest.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
