/** Every differentiable op: forward vs a float64 reference, gradient vs float64 finite differences. */
import { suite } from 'uvu';
import * as wg from '../bindings/index.js';
import { Tensor } from '../bindings/index.js';
import { checkOp, OpCase } from './helpers/check.js';
import { opOfCase, registerCheck } from './helpers/coverage.js';
import {
  Nd, broadcastBinary, reduceAxes, softmaxRef, matmulRef, permuteRef, conv2dRef, poolRef, forEachIndex, strides,
} from './helpers/ref.js';

const F = wg.nn.functional;
const test = suite('gradient checks');
test.before(async () => { await wg.init(); });

const add = (c: OpCase) => {
  registerCheck(opOfCase(c.name), 'fd');
  test(`${c.name} ${JSON.stringify(c.shapes)}`, () => checkOp(c));
};

// ---- binary ops over broadcasting cases ----
const broadcastCases: number[][][] = [
  [[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 5]], [[2, 3, 4], [3, 1]], [[5], []], [[], [2, 3]],
  [[2, 1, 3, 1, 2], [1, 4, 1, 5, 1]], [[1], [7]], [[4, 5], [4, 1]], [[0, 3], [3]], [[1, 1], [1, 1]], [[9], [9]],
];
const binaries: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, [number, number]?][] = [
  ['add', (a, b) => a.add(b), (x, y) => x + y],
  ['sub', (a, b) => a.sub(b), (x, y) => x - y],
  ['mul', (a, b) => a.mul(b), (x, y) => x * y],
  ['div', (a, b) => a.div(b), (x, y) => x / y, [0.5, 2]],
  ['maximum', (a, b) => a.maximum(b), Math.max],
  ['minimum', (a, b) => a.minimum(b), Math.min],
  ['pow', (a, b) => a.pow(b), Math.pow, [0.5, 2]],
];
for (const [name, e, r, range] of binaries) {
  for (const shapes of broadcastCases) {
    add({ name, shapes, range, engine: ([a, b]) => e(a, b), ref: ([a, b]) => broadcastBinary(a, b, r) });
  }
}
add({ name: 'add scalar', shapes: [[3, 5]], engine: ([a]) => a.add(2.5), ref: ([a]) => a.map((v) => v + 2.5) });
add({ name: 'rsub via scalar', shapes: [[7]], engine: ([a]) => wg.sub(1, a), ref: ([a]) => a.map((v) => 1 - v) });
add({ name: 'div scalar', shapes: [[6]], engine: ([a]) => a.div(3), ref: ([a]) => a.map((v) => v / 3) });
add({ name: 'fan-out (x*x + x)', shapes: [[5]], engine: ([a]) => a.mul(a).add(a), ref: ([a]) => a.map((v) => v * v + v) });

// ---- unary ops and activations, sizes around the SIMD width ----
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const unaries: [string, (a: Tensor) => Tensor, (v: number) => number, [number, number]?][] = [
  ['neg', (a) => a.neg(), (v) => -v],
  ['square', (a) => a.square(), (v) => v * v],
  ['sqrt', (a) => a.sqrt(), Math.sqrt, [0.3, 3]],
  ['exp', (a) => a.exp(), Math.exp],
  ['log', (a) => a.log(), Math.log, [0.3, 3]],
  ['abs', (a) => a.abs(), Math.abs],
  ['reciprocal', (a) => a.reciprocal(), (v) => 1 / v, [0.5, 2]],
  ['sigmoid', (a) => a.sigmoid(), sig, [-8, 8]],
  ['relu', (a) => a.relu(), (v) => Math.max(v, 0)],
  ['leakyRelu', (a) => a.leakyRelu(0.1), (v) => (v > 0 ? v : 0.1 * v)],
  ['tanh', (a) => a.tanh(), Math.tanh],
  ['softplus', (a) => a.softplus(), (v) => Math.log1p(Math.exp(v)), [-5, 5]],
  ['clamp', (a) => a.clamp(-0.5, 0.7), (v) => Math.min(Math.max(v, -0.5), 0.7)],
  ['pow 3', (a) => a.pow(3), (v) => v ** 3],
  ['pow 2', (a) => a.pow(2), (v) => v ** 2],
  ['pow -0.5', (a) => a.pow(-0.5), (v) => v ** -0.5, [0.5, 2]],
];
for (const [name, e, r, range] of unaries) {
  for (const shape of [[1], [3], [4], [7], [2, 9], [33]]) {
    add({ name, shapes: [shape], range, engine: ([a]) => e(a), ref: ([a]) => a.map(r) });
  }
}

// ---- reductions ----
const sumRef = (x: Nd, axes: number[], keep: boolean) => reduceAxes(x, axes, keep, 0, (a, v) => a + v);
const reduceCases: [number[], number | number[] | undefined, boolean][] = [
  [[5], undefined, false], [[3, 4], 0, false], [[3, 4], 1, true], [[2, 3, 5], 1, false], [[2, 3, 5], [0, 2], true],
  [[2, 3, 5], -1, false], [[4, 1, 3], 1, true], [[1037], 0, false], [[6, 7], undefined, true],
];
for (const [shape, dim, keep] of reduceCases) {
  const axes = (x: Nd) => (dim === undefined ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => (d < 0 ? d + x.shape.length : d)));
  add({ name: `sum dim=${JSON.stringify(dim)} keepdim=${keep}`, shapes: [shape], engine: ([a]) => a.sum(dim, keep), ref: ([a]) => sumRef(a, axes(a), keep) });
  add({
    name: `mean dim=${JSON.stringify(dim)} keepdim=${keep}`, shapes: [shape], engine: ([a]) => a.mean(dim, keep),
    ref: ([a]) => { const ax = axes(a); const n = ax.reduce((p, d) => p * a.shape[d], 1); return sumRef(a, ax, keep).map((v) => v / n); },
  });
}
for (const [shape, dim] of [[[7], undefined], [[3, 4], 0], [[3, 4], 1], [[2, 3, 5], 1]] as [number[], number | undefined][]) {
  const ax = (x: Nd) => (dim === undefined ? x.shape.map((_, i) => i) : [dim]);
  add({ name: `max dim=${dim}`, shapes: [shape], engine: ([a]) => a.max(dim), ref: ([a]) => reduceAxes(a, ax(a), false, -Infinity, Math.max) });
  add({ name: `min dim=${dim}`, shapes: [shape], engine: ([a]) => a.min(dim, true), ref: ([a]) => reduceAxes(a, ax(a), true, Infinity, Math.min) });
}
for (const [shape, dim] of [[[3, 5], 1], [[3, 5], 0], [[2, 3, 4], 1], [[6], 0], [[2, 1, 3], -1]] as [number[], number][]) {
  const ax = (x: Nd) => (dim < 0 ? dim + x.shape.length : dim);
  add({ name: `softmax dim=${dim}`, shapes: [shape], engine: ([a]) => a.softmax(dim), ref: ([a]) => softmaxRef(a, ax(a), false) });
  add({ name: `logSoftmax dim=${dim}`, shapes: [shape], engine: ([a]) => a.logSoftmax(dim), ref: ([a]) => softmaxRef(a, ax(a), true) });
}

// ---- matmul and linear ----
const matmulCases: number[][][] = [[[3, 4], [4, 5]], [[1, 1], [1, 1]], [[7, 9], [9, 13]], [[17, 33], [33, 5]], [[4], [4, 3]], [[3, 4], [4]], [[5], [5]]];
for (const shapes of matmulCases) {
  add({
    name: 'matmul', shapes, engine: ([a, b]) => a.matmul(b),
    ref: ([a, b]) => {
      const A = a.shape.length === 1 ? new Nd([1, a.size], a.data) : a;
      const B = b.shape.length === 1 ? new Nd([b.size, 1], b.data) : b;
      const out = matmulRef(A, B);
      const shape = a.shape.length === 1 && b.shape.length === 1 ? [] : a.shape.length === 1 ? [B.shape[1]] : b.shape.length === 1 ? [A.shape[0]] : out.shape;
      return new Nd(shape, out.data);
    },
  });
}
const batchedRef = (a: Nd, b: Nd): Nd => {
  const batch = a.shape.length === 3 ? a.shape[0] : b.shape[0];
  const [M, K] = a.shape.slice(-2), N = b.shape[b.shape.length - 1];
  const out: number[] = [];
  for (let i = 0; i < batch; i++) {
    const A = a.shape.length === 3 ? new Nd([M, K], a.data.slice(i * M * K, (i + 1) * M * K)) : a;
    const B = b.shape.length === 3 ? new Nd([K, N], b.data.slice(i * K * N, (i + 1) * K * N)) : b;
    out.push(...matmulRef(A, B).data);
  }
  return Nd.from([batch, M, N], out);
};
for (const shapes of [[[2, 3, 4], [2, 4, 5]], [[3, 2, 4], [4, 6]], [[3, 4], [2, 4, 5]]]) {
  add({ name: 'matmul batched', shapes, engine: ([a, b]) => a.matmul(b), ref: ([a, b]) => batchedRef(a, b) });
}
for (const [n, i, o] of [[4, 3, 5], [1, 7, 2], [10, 13, 6]]) {
  add({
    name: 'linear', shapes: [[n, i], [o, i], [o]], engine: ([x, w, b]) => F.linear(x, w, b),
    ref: ([x, w, b]) => broadcastBinary(matmulRef(x, permuteRef(w, [1, 0])), b, (p, q) => p + q),
  });
}

// ---- movement ----
add({ name: 'reshape', shapes: [[2, 6]], engine: ([a]) => a.reshape([3, -1]).mul(a.reshape(3, 4)), ref: ([a]) => a.map((v) => v * v).map((v) => v) && new Nd([3, 4], a.data.map((v) => v * v)) });
for (const [shape, p] of [[[3, 4], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 1, 3, 2], [3, 1, 0, 2]]] as [number[], number[]][]) {
  add({ name: `permute ${p}`, shapes: [shape], engine: ([a]) => a.permute(p), ref: ([a]) => permuteRef(a, p) });
}
add({ name: 'transpose', shapes: [[3, 5]], engine: ([a]) => a.transpose(), ref: ([a]) => permuteRef(a, [1, 0]) });
add({ name: 'flatten', shapes: [[2, 3, 4]], engine: ([a]) => a.flatten(1).mul(2), ref: ([a]) => new Nd([2, 12], a.data.map((v) => 2 * v)) });
const sliceRef = (x: Nd, dim: number, s: number, e: number, step: number): Nd => {
  const shape = x.shape.slice();
  shape[dim] = Math.ceil((e - s) / step);
  const out = Nd.zeros(shape);
  const sx = strides(x.shape);
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    idx.forEach((v, d) => { o += (d === dim ? s + v * step : v) * sx[d]; });
    out.data[flat] = x.data[o];
  });
  return out;
};
add({ name: 'slice', shapes: [[5, 4]], engine: ([a]) => a.slice(0, 1, 4), ref: ([a]) => sliceRef(a, 0, 1, 4, 1) });
add({ name: 'slice step', shapes: [[3, 9]], engine: ([a]) => a.slice(1, 1, 8, 3), ref: ([a]) => sliceRef(a, 1, 1, 8, 3) });
add({ name: 'slice negative', shapes: [[2, 3, 6]], engine: ([a]) => a.slice(-1, -4), ref: ([a]) => sliceRef(a, 2, 2, 6, 1) });
// One contiguous block: 1-d, inner dims after leading ones, the whole extent of an inner dim.
add({ name: 'slice 1-d', shapes: [[5]], engine: ([a]) => a.slice(0, 1, 3).mul(a.slice(0, 3, 5)), ref: ([a]) => Nd.from([2], [a.data[1] * a.data[3], a.data[2] * a.data[4]]) });
add({ name: 'slice after leading ones', shapes: [[1, 1, 6, 2]], engine: ([a]) => a.slice(2, 2, 5), ref: ([a]) => sliceRef(a, 2, 2, 5, 1) });
add({ name: 'slice whole dim', shapes: [[3, 4]], engine: ([a]) => a.slice(1, 0, 4), ref: ([a]) => sliceRef(a, 1, 0, 4, 1) });
add({
  name: 'cat', shapes: [[2, 3], [2, 5], [2, 1]], engine: (xs) => wg.cat(xs, 1),
  ref: (xs) => {
    const out: number[] = [];
    for (let r = 0; r < 2; r++) for (const x of xs) out.push(...x.data.slice(r * x.shape[1], (r + 1) * x.shape[1]));
    return Nd.from([2, 9], out);
  },
});
add({
  name: 'indexSelect (repeated rows)', shapes: [[5, 3]], engine: ([a]) => a.indexSelect(0, [4, 0, 4, 2]),
  ref: ([a]) => Nd.from([4, 3], [4, 0, 4, 2].flatMap((r) => Array.from(a.data.slice(r * 3, r * 3 + 3)))),
});

// ---- conv2d and pooling ----
const convCases: { x: number[]; w: number[]; o: wg.nn.functional.Conv2dOptions; bias: boolean; fwdTol?: [number, number] }[] = [
  { x: [2, 3, 6, 5], w: [4, 3, 3, 3], o: {}, bias: true },
  { x: [1, 1, 7, 7], w: [2, 1, 3, 3], o: { padding: 1 }, bias: false },
  { x: [2, 2, 9, 8], w: [3, 2, 3, 2], o: { stride: 2, padding: [1, 0] }, bias: true },
  { x: [1, 2, 9, 9], w: [2, 2, 3, 3], o: { dilation: 2, padding: 2 }, bias: true },
  { x: [2, 2, 6, 7], w: [3, 2, 4, 2], o: { padding: 'same' }, bias: true },
  { x: [1, 3, 5, 5], w: [5, 3, 1, 1], o: { stride: [1, 2] }, bias: true },
  // 3×3 stride 1 with 16 channels each way: the Winograd path, with an odd output width. Its
  // rounding follows the sum of |terms| (144 products of up to 4), not the result: atol 1e-5
  { x: [1, 16, 4, 5], w: [16, 16, 3, 3], o: { padding: 1 }, bias: true, fwdTol: [1e-5, 1e-5] },
];
for (const c of convCases) {
  add({
    name: `conv2d ${JSON.stringify(c.o)}`, shapes: c.bias ? [c.x, c.w, [c.w[0]]] : [c.x, c.w],
    engine: ([x, w, b]) => F.conv2d(x, w, b, c.o), fwdTol: c.fwdTol,
    ref: ([x, w, b]) => {
      const [, , H, W] = x.shape, [, , KH, KW] = w.shape;
      const st = (typeof c.o.stride === 'number' ? [c.o.stride, c.o.stride] : c.o.stride ?? [1, 1]) as [number, number];
      const dil = (typeof c.o.dilation === 'number' ? [c.o.dilation, c.o.dilation] : c.o.dilation ?? [1, 1]) as [number, number];
      let pt: number, pl: number, pb: number, pr: number;
      if (c.o.padding === 'same') {
        const th = dil[0] * (KH - 1), tw = dil[1] * (KW - 1);
        pt = Math.floor(th / 2); pb = th - pt; pl = Math.floor(tw / 2); pr = tw - pl;
      } else {
        const p = (typeof c.o.padding === 'number' ? [c.o.padding, c.o.padding] : c.o.padding ?? [0, 0]) as number[];
        pt = pb = p[0]; pl = pr = p[1];
      }
      const OH = Math.floor((H + pt + pb - dil[0] * (KH - 1) - 1) / st[0]) + 1;
      const OW = Math.floor((W + pl + pr - dil[1] * (KW - 1) - 1) / st[1]) + 1;
      return conv2dRef(x, w, b ?? null, { stride: st, padTop: pt, padLeft: pl, dil, OH, OW });
    },
  });
}
const poolCases: [number[], [number, number], [number, number], [number, number]][] = [
  [[2, 3, 6, 6], [2, 2], [2, 2], [0, 0]], [[1, 2, 7, 5], [3, 2], [2, 1], [1, 1]], [[2, 5, 5], [3, 3], [1, 1], [0, 0]],
];
for (const [shape, k, s, p] of poolCases) {
  add({ name: `maxPool2d k${k} s${s} p${p}`, shapes: [shape], engine: ([x]) => F.maxPool2d(x, { kernelSize: k, stride: s, padding: p }), ref: ([x]) => poolRef(x, k, s, p, 'max') });
  add({ name: `avgPool2d k${k} s${s} p${p}`, shapes: [shape], engine: ([x]) => F.avgPool2d(x, { kernelSize: k, stride: s, padding: p }), ref: ([x]) => poolRef(x, k, s, p, 'avg') });
}

// ---- losses ----
const labels = [2, 0, 3, 3, 1];
const ceRef = (x: Nd, red: 'mean' | 'sum' | 'none'): Nd => {
  const lp = softmaxRef(x, 1, true);
  const per = labels.map((l, i) => -lp.data[i * x.shape[1] + l]);
  const s = per.reduce((a, b) => a + b, 0);
  return red === 'none' ? Nd.from([per.length], per) : Nd.from([], [red === 'sum' ? s : s / per.length]);
};
for (const reduction of ['mean', 'sum', 'none'] as const) {
  add({ name: `crossEntropy ${reduction}`, shapes: [[5, 4]], engine: ([x]) => F.crossEntropy(x, labels, { reduction }), ref: ([x]) => ceRef(x, reduction) });
  add({
    name: `mseLoss ${reduction}`, shapes: [[3, 4], [3, 4]], engine: ([p, t]) => F.mseLoss(p, t, { reduction }),
    ref: ([p, t]) => {
      const d = broadcastBinary(p, t, (a, b) => (a - b) ** 2);
      return reduction === 'none' ? d : Nd.from([], [d.data.reduce((a, b) => a + b, 0) / (reduction === 'sum' ? 1 : d.size)]);
    },
  });
}
add({
  name: 'nllLoss', shapes: [[5, 4]], engine: ([x]) => F.nllLoss(x.logSoftmax(1), wg.tensor(labels)),
  ref: ([x]) => ceRef(x, 'mean'),
});
add({
  name: 'binaryCrossEntropy', shapes: [[6], [6]], range: [0.05, 0.95], engine: ([p, t]) => F.binaryCrossEntropy(p, t),
  ref: ([p, t]) => Nd.from([], [-p.data.reduce((acc, v, i) => acc + t.data[i] * Math.log(v) + (1 - t.data[i]) * Math.log(1 - v), 0) / p.size]),
});
add({
  name: 'binaryCrossEntropyWithLogits', shapes: [[7], [7]], range: [-3, 3], grad: [true, false],
  engine: ([x, t]) => F.binaryCrossEntropyWithLogits(x, t.sigmoid()),
  ref: ([x, t]) => Nd.from([], [x.data.reduce((acc, v, i) => {
    const tt = 1 / (1 + Math.exp(-t.data[i]));
    return acc + Math.max(v, 0) - v * tt + Math.log1p(Math.exp(-Math.abs(v)));
  }, 0) / x.size]),
  fwdTol: [1e-5, 1e-6],
});

// ---- a small network end to end (composition of many rules) ----
add({
  name: 'two-layer net', shapes: [[4, 3], [5, 3], [5], [2, 5]],
  engine: ([x, w1, b1, w2]) => F.linear(F.linear(x, w1, b1).tanh(), w2).softmax(1),
  ref: ([x, w1, b1, w2]) => softmaxRef(matmulRef(broadcastBinary(matmulRef(x, permuteRef(w1, [1, 0])), b1, (a, b) => Math.tanh(a + b)), permuteRef(w2, [1, 0])), 1, false),
});

test('dropout: gradient is the kept mask scaled by 1/(1-p); eval is the identity', () => {
  wg.manualSeed(3);
  const x = wg.randn([1000], { requiresGrad: true });
  const y = F.dropout(x, 0.25, true);
  y.sum().backward();
  const g = x.grad!.data(), yv = y.data(), xv = x.data();
  let kept = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] !== 0) {
      kept++;
      if (Math.abs(g[i] - 1 / 0.75) > 1e-6 || Math.abs(yv[i] - xv[i] / 0.75) > 1e-5) throw new Error(`dropout element ${i}`);
    } else if (yv[i] !== 0) throw new Error(`dropout: dropped element ${i} is not zero`);
  }
  if (kept < 700 || kept > 800) throw new Error(`dropout kept ${kept} of 1000 at p=0.25`);
  if (F.dropout(x, 0.25, false) !== x) throw new Error('dropout in eval mode should return its input');
});

test.run();
