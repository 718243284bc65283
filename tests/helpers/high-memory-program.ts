// Child process of tests/memory-limits.test.ts: pushes the heap past 2 GiB, then checks that
// tensors living above the 2^31 line round-trip and compute correctly (pointers are unsigned
// 32-bit numbers everywhere), and prints what it saw as JSON. Run in its own process because
// wasm memory never shrinks. `threads` as argv[2] runs the kernels on two threads.
import * as wg from '../../bindings/index.js';

const threads = process.argv[2] === 'threads' ? 2 : 1;
await wg.init({ threads });
const F = wg.nn.functional;
const LINE = 2 ** 31;

// 2.1 GB of filler below the line (zeros: one fill kernel, no JS copy)
const filler = wg.zeros([540_000_000]);
const out: Record<string, unknown> = { threads, wasmBytes: 0 };

const above = (t: wg.Tensor) => (t as unknown as { ptr: number }).ptr >= LINE;
const ones = wg.ones([3]);
out.onesAbove = above(ones);
out.onesToArray = ones.toArray();
out.sumItem = ones.sum().item();
const t = wg.tensor([[1, 2, 3], [4, 5, 6]]);
out.tensorAbove = above(t);
out.tensorRoundTrip = t.toArray();
out.dataRoundTrip = Array.from(t.data());

// a small MLP step entirely above the line: forward, backward, values vs a JS reference
wg.manualSeed(3);
const x = wg.randn([4, 5]);
const w = wg.randn([3, 5], { requiresGrad: true });
const b = wg.zeros([3], { requiresGrad: true });
const y = wg.tensor([0, 2, 1, 2]);
const loss = F.crossEntropy(F.linear(x, w, b).relu(), y);
loss.backward();
out.mlpAbove = [x, w, b, w.grad!, b.grad!].every(above);
out.loss = loss.item();
// the same in float64 JS
const X = x.toArray() as number[][], W = w.toArray() as number[][], Y = [0, 2, 1, 2];
let ref = 0;
const gW = W.map((r) => r.map(() => 0));
for (let i = 0; i < 4; i++) {
  const z = W.map((r) => Math.max(0, r.reduce((s, wj, j) => s + wj * X[i][j], 0)));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  ref += -(z[Y[i]] - m - Math.log(s)) / 4;
  for (let c = 0; c < 3; c++) {
    const pre = W[c].reduce((acc, wj, j) => acc + wj * X[i][j], 0);
    if (pre <= 0) continue;
    const d = (e[c] / s - (c === Y[i] ? 1 : 0)) / 4;
    for (let j = 0; j < 5; j++) gW[c][j] += d * X[i][j];
  }
}
out.lossRef = ref;
const G = w.grad!.toArray() as number[][];
out.gradMaxErr = Math.max(...G.flatMap((r, c) => r.map((v, j) => Math.abs(v - gW[c][j]))));
// a GEMM big enough to be split across threads, above the line, vs a small reference check
const A = wg.randn([256, 256]);
const B = wg.randn([256, 256]);
const C = A.matmul(B);
const a = A.data(), bb = B.data(), c = C.data();
let worst = 0;
for (const [i, j] of [[0, 0], [17, 200], [255, 255], [128, 3]]) {
  let s = 0;
  for (let k = 0; k < 256; k++) s += a[i * 256 + k] * bb[k * 256 + j];
  worst = Math.max(worst, Math.abs(s - c[i * 256 + j]));
}
out.gemmAbove = above(C);
out.gemmMaxErr = worst;
out.fillerStillThere = filler.size;
out.wasmBytes = wg.memoryInfo().wasmBytes;
console.log(JSON.stringify(out));
