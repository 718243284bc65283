// `wasmgrad bench`: what WebAssembly SIMD does on this machine and runtime, for users who come to
// measure it. No dev dependencies (it runs from an installed package): the host's Wasm SIMD peak,
// every GEMM register tile and the one chosen, each kernel family's GFLOP/s and % of that peak on
// one thread and on all, relaxed SIMD where the runtime has it, and one CNN training step.
// `--json` prints one JSON object instead of the table.
import { cpus, arch, platform } from 'node:os';
import type { Command } from 'commander';
import { parsePositiveInt } from '../args.js';
import { init, info, randn, randint, matmul, tidy, noGrad, nn, optim, setNumThreads, getNumThreads, manualSeed } from '../../bindings/index.js';
import { K, relaxedSimdUnavailable } from '../../bindings/wasm.js';
import { isX86Family, probeTiles, runTimedProbe, tileNames } from '../../bindings/gemm-tile.js';
import { onCallingThread } from '../../bindings/threads.js';

const F = nn.functional;

export interface BenchOptions {
  json?: boolean;
  quick?: boolean;
  threads?: number;
  /** Where it runs, for the header (the web app's Benchmark tab names the browser); default: Node's. */
  host?: { cpu: string; runtime: string; cores: number };
  /** The relaxed-SIMD build's bytes; default: read next to the bindings (Node). */
  relaxedWasm?: () => Promise<BufferSource>;
}

interface Row { family: string; case: string; gflops1: number; gflopsN: number; percentOfPeak: number; speedup: number }

/** Median ms per call of `body`, each sample lasting >= targetMs (after a warm-up). */
function timeMs(body: () => void, targetMs: number, samples: number): number {
  body();
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) body();
    const dt = performance.now() - t0;
    if (dt >= targetMs || inner >= 1 << 16) break;
    inner = Math.max(inner * 2, Math.ceil((inner * targetMs) / Math.max(dt, 0.05)));
  }
  const ts: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) body();
    ts.push((performance.now() - t0) / inner);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

/** The 12-chain f32x4 mul+add loop of gemm.ts: this runtime's Wasm SIMD peak on one thread. */
function peakGflops(simdPeak: (iters: number) => number, quick: boolean): number {
  const iters = quick ? 200_000 : 2_000_000;
  const ms = timeMs(() => simdPeak(iters), quick ? 5 : 40, quick ? 3 : 7);
  return (iters * 96) / (ms * 1e6);
}

/** Peak and GEMM of the relaxed-SIMD (FMA) build, instantiated on its own, or why not. */
async function relaxedFigures(quick: boolean, load?: () => Promise<BufferSource>): Promise<{ peak: number; gemm512: number } | string> {
  const why = relaxedSimdUnavailable();
  if (why) return why;
  try {
    // node:fs only when it is needed: the web app's bundle has no file system and passes `load`
    const bytes = load ? await load() : await (await import('node:fs/promises')).readFile(new URL('../../bindings/wasmgrad-relaxed.wasm', import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes, { env: { abort() { throw new Error('abort'); } } });
    const k = instance.exports as unknown as ReturnType<typeof K>;
    k.gemmSetTile(K().gemmTile());
    const n = quick ? 128 : 512;
    const base = (k.heapBase() + 63) & ~63, bytesNeeded = base + 3 * n * n * 4;
    if (bytesNeeded > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((bytesNeeded - k.memory.buffer.byteLength) / 65536));
    const a = base, b = a + n * n * 4, c = b + n * n * 4;
    new Float32Array(k.memory.buffer, a, 2 * n * n).fill(0.5);
    const ms = timeMs(() => k.gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n), quick ? 5 : 40, quick ? 3 : 7);
    return { peak: peakGflops((i) => k.simdPeak(i), quick), gemm512: (2 * n ** 3) / (ms * 1e6) };
  } catch (err) {
    return `the relaxed build could not run: ${(err as Error).message}`;
  }
}

export async function runBench(options: BenchOptions, write: (s: string) => void): Promise<Record<string, unknown>> {
  await init(options.threads ? { threads: options.threads } : {});
  const quick = options.quick === true;
  const target = quick ? 3 : 30, samples = quick ? 3 : 7;
  const k = K();
  const cores = options.threads ?? options.host?.cores ?? Math.max(1, (await import('node:os')).availableParallelism?.() ?? cpus().length);
  const cpu = options.host?.cpu ?? cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const runtime = options.host?.runtime ?? `Node ${process.versions.node} (V8 ${process.versions.v8}), ${platform()} ${arch()}`;
  const peak = peakGflops((i) => k.simdPeak(i), quick);

  // GEMM work first, so that the engine has compiled the kernels with its optimising tier; then
  // every tile, timed over L1-resident slivers, and the engine's own choice among its family's
  const n0 = quick ? 128 : 512;
  const warmA = randn([n0, n0]);
  for (let i = 0; i < (quick ? 5 : 20); i++) tidy(() => { matmul(warmA, warmA); });
  const allTiles = probeTiles(k, tileNames(k), quick ? 10 : 60) ?? [];
  const choice = runTimedProbe(20);

  const rows: Row[] = [];
  // One thread = every kernel kept on the calling thread while the pool stays up: restarting
  // workers between the two columns would time their start-up too.
  await setNumThreads(cores);
  const onThreads = <T>(threads: number, body: () => T): T => (threads === 1 ? onCallingThread(body) : body());
  const measure = (family: string, name: string, flops: number, body: () => void) => {
    const timeAt = async (threads: number) => onThreads(threads, () => timeMs(body, target, samples));
    return { family, name, flops, timeAt };
  };
  const cases: ReturnType<typeof measure>[] = [];
  for (const n of quick ? [128] : [256, 512, 1024]) {
    const a = randn([n, n]), b = randn([n, n]);
    cases.push(measure('gemm', `gemm ${n}³`, 2 * n ** 3, () => tidy(() => { matmul(a, b); })));
  }
  {
    const [M, Kd, N] = quick ? [32, 196, 32] : [128, 784, 128];
    const x = randn([M, Kd]), w = randn([Kd, N], { requiresGrad: true }), dyw = randn([M, N]);
    cases.push(measure('gemm', `dense [${M}×${Kd}]·[${Kd}×${N}] fwd+bwd`, 3 * 2 * M * Kd * N, () => tidy(() => {
      matmul(x, w).mul(dyw).sum().backward();
    })));
  }
  {
    const [Nb, C, H, OC] = quick ? [8, 8, 13, 16] : [64, 32, 13, 64];
    const x = randn([Nb, C, H, H], { requiresGrad: true }), w = randn([OC, C, 3, 3], { requiresGrad: true });
    const b = randn([OC], { requiresGrad: true }), dy = randn([Nb, OC, H - 2, H - 2]);
    const flops = 2 * Nb * OC * (H - 2) ** 2 * C * 9;
    cases.push(measure('conv2d', `conv [${Nb},${C},${H},${H}]*[${OC},${C},3,3] fwd`, flops, () => noGrad(() => { F.conv2d(x, w, b); })));
    cases.push(measure('conv2d', `conv [${Nb},${C},${H},${H}]*[${OC},${C},3,3] fwd+bwd`, 3 * flops, () => tidy(() => {
      F.conv2d(x, w, b).mul(dy).sum().backward();
    })));
  }
  {
    const [Nb, C, H] = quick ? [8, 8, 26] : [64, 32, 26];
    const x = randn([Nb, C, H, H]);
    cases.push(measure('pool', `maxpool [${Nb},${C},${H},${H}] k2 (window elements)`, Nb * C * H * H, () => noGrad(() => { F.maxPool2d(x, { kernelSize: 2 }); })));
  }
  {
    const n = quick ? 1 << 16 : 1 << 22;
    const x = randn([n]);
    cases.push(measure('elementwise', `relu + tanh on ${n} floats (elements)`, 2 * n, () => noGrad(() => { x.relu(); x.tanh(); })));
  }
  for (const c of cases) {
    const ms1 = await c.timeAt(1);
    const msN = cores > 1 ? await c.timeAt(cores) : ms1;
    const g1 = c.flops / (ms1 * 1e6), gN = c.flops / (msN * 1e6);
    rows.push({ family: c.family, case: c.name, gflops1: g1, gflopsN: gN, percentOfPeak: (100 * g1) / peak, speedup: ms1 / msN });
  }

  // one training step of a small CNN (T2 of npm run bench: 34,826 parameters, batch 128, Adam)
  manualSeed(0);
  const batch = quick ? 16 : 128;
  const model = new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1600, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const xb = randn([batch, 1, 28, 28]), yb = randint(0, 10, [batch]);
  const step = () => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(xb), yb).backward();
    opt.step();
  };
  const step1 = onThreads(1, () => timeMs(step, quick ? 3 : 100, samples));
  const stepN = cores > 1 ? onThreads(cores, () => timeMs(step, quick ? 3 : 100, samples)) : step1;

  const relaxed = await relaxedFigures(quick, options.relaxedWasm);
  const result = {
    cpu, cores, runtime, hostFamily: isX86Family(k) ? 'x86 (inf − inf gives a negative NaN)' : 'non-x86 (inf − inf gives a positive NaN)',
    peakGflops: peak,
    gemmTile: { chosen: choice.tile, reason: choice.reason, all: allTiles },
    rows,
    trainingStep: { name: `CNN 34,826 params, batch ${batch}, Adam`, ms1: step1, msN: stepN, threads: cores },
    relaxedSimd: typeof relaxed === 'string' ? { available: false, why: relaxed } : { available: true, ...relaxed },
    build: info().build,
    quick,
  };
  if (options.json) {
    write(JSON.stringify(result, null, 2) + '\n');
    return result;
  }
  const f1 = (x: number) => x.toFixed(1);
  write(`wasmgrad bench on ${cpu} (${cores} thread${cores > 1 ? 's' : ''}), ${runtime}\n`);
  write(`Wasm SIMD peak (12 independent f32x4 mul+add chains, one thread): ${f1(peak)} GFLOP/s\n`);
  write(`GEMM register tiles (L1-resident, one thread, best burst): ${allTiles.map((t) => `${t.tile} ${f1(t.gflops)}`).join(', ')} GFLOP/s\n`);
  write(`tile in use: ${choice.tile} — ${choice.reason}\n\n`);
  const head = ['kernel', '1 thread GFLOP/s', '% of peak', `${cores} threads GFLOP/s`, 'speed-up'];
  const table = rows.map((r) => [r.case, f1(r.gflops1), `${r.percentOfPeak.toFixed(0)}%`, f1(r.gflopsN), `${r.speedup.toFixed(2)}×`]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + '\n';
  write(line(head));
  write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const t of table) write(line(t));
  write('(pool and elementwise rows count elements, not FLOPs: compare them with each other, not with the peak;\n' +
    ' conv rows count the direct convolution\'s 2·N·OC·OH·OW·C·9 FLOPs, but 3×3 layers with 16 or more channels\n' +
    ' each way run by Winograd F(2×2, 3×3), which does up to 2.25× fewer: their % of peak can pass 100)\n\n');
  write(`training step, ${result.trainingStep.name}: ${step1.toFixed(1)} ms on 1 thread, ${stepN.toFixed(1)} ms on ${cores} (${(step1 / stepN).toFixed(2)}×)\n`);
  write(typeof relaxed === 'string' ? `relaxed SIMD: not measured: ${relaxed}\n`
    : `relaxed SIMD (FMA build): peak ${f1(relaxed.peak)} GFLOP/s, GEMM ${quick ? 128 : 512}³ ${f1(relaxed.gemm512)} GFLOP/s (opt-in: results then differ in the last bits)\n`);
  return result;
}

/** Adds `wasmgrad bench` to the program (cli/main.ts). */
export function addBenchCommand(program: Command, configure: (c: Command) => Command, write: (s: string) => void): void {
  configure(program.command('bench'))
    .description("measure this machine's WebAssembly SIMD: peak, GEMM tiles, each kernel family on 1 and n threads, a training step")
    .option('--json', 'print one JSON object instead of the table')
    .option('--quick', 'small sizes and short timings (seconds, for a smoke test)')
    .option('--threads <n>', 'threads for the n-thread column (default: all cores)', parsePositiveInt)
    .action(async (flags: BenchOptions) => {
      await runBench(flags, write);
    });
}
