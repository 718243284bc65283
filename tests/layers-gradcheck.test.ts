/**
 * The layers family (issue 13): each op's forward against a float64 reference and its gradient
 * against float64 finite differences (checkOp), plus the accuracy of the float64-lane kernels.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { checkOp, OpCase, jsRandom } from './helpers/check.js';
import { opOfCase, registerCheck } from './helpers/coverage.js';
import { Nd } from './helpers/ref.js';
import { attention } from '../bindings/ops/attention.js';
import { erfRef, geluRef, geluTanhRef, siluRef, convTranspose2dRef, layerNormRef, batchNormRef, attentionRef, attentionProbsRef,
  bilinearRef, nearestRef, adaptiveAvgPoolRef, broadcastTo } from './helpers/ref-layers.js';

const F = wg.nn.functional;
const test = suite('layers: gradient checks');
test.before(async () => { await wg.init(); });

const add = (c: OpCase) => {
  registerCheck(opOfCase(c.name), 'fd');
  test(`${c.name} ${JSON.stringify(c.shapes)}`, () => checkOp(c));
};

// ---- erf, GELU, SiLU ----
const activations: [string, (a: wg.Tensor) => wg.Tensor, (v: number) => number, [number, number]][] = [
  ['erf', (a) => a.erf(), erfRef, [-3, 3]],
  ['gelu', (a) => F.gelu(a), geluRef, [-4, 4]],
  ["gelu approximate='tanh'", (a) => F.gelu(a, { approximate: 'tanh' }), geluTanhRef, [-4, 4]],
  ['silu', (a) => F.silu(a), siluRef, [-6, 6]],
];
for (const [name, e, r, range] of activations) {
  for (const shape of [[1], [3], [4], [7], [2, 9], [33]]) {
    add({ name, shapes: [shape], range, engine: ([a]) => e(a), ref: ([a]) => a.map(r) });
  }
}

test('erf, gelu, silu: within one float32 ulp of float64 over [-12, 12], including the tails', () => {
  const n = 24001;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.fround(-12 + (24 * i) / (n - 1));
  const x = wg.tensor(xs);
  for (const [name, e, r] of activations) {
    const y = e(x).data();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = r(xs[i]);
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
    }
    assert.ok(worst <= 1, `${name}: worst error ${worst.toFixed(2)} ulp`);
  }
});

test('activations: the tail of a length that is not a multiple of 4 gives the same bits as the body', () => {
  const rnd = jsRandom(5);
  const v = Float32Array.from({ length: 8 }, () => 4 * rnd() - 2);
  const whole = wg.tensor(v);
  for (const [name, e] of activations) {
    const all = e(whole).data();
    for (let m = 1; m <= 7; m++) {
      const part = e(wg.tensor(v.slice(8 - m))).data();
      for (let i = 0; i < m; i++) assert.is(part[i], all[8 - m + i], `${name}: element ${i} of a length-${m} tensor`);
    }
  }
});

test('gelu: approximate must be none or tanh', () => {
  assert.throws(() => F.gelu(wg.ones([2]), { approximate: 'erf' as 'none' }), /gelu: approximate must be "none" or "tanh", got "erf"/);
  assert.throws(() => new wg.nn.GELU({ approximate: 'fast' as 'none' }), /GELU: approximate/);
});

// ---- convTranspose2d: the GEMM paths, the direct path (its dX is a stride-1 conv with few taps), threads ----
const p2 = (v: number | [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
const convTCases: { x: number[]; w: number[]; o: wg.nn.functional.ConvTranspose2dOptions; bias: boolean }[] = [
  { x: [2, 3, 4, 5], w: [3, 2, 3, 3], o: {}, bias: true },
  { x: [1, 2, 4, 4], w: [2, 3, 4, 4], o: { stride: 2, padding: 1 }, bias: true },
  { x: [2, 2, 3, 4], w: [2, 2, 3, 2], o: { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] }, bias: false },
  { x: [1, 2, 5, 4], w: [2, 3, 3, 3], o: { dilation: 2, padding: 2 }, bias: true },
  { x: [1, 1, 3, 3], w: [1, 2, 2, 2], o: { stride: 1, dilation: 3, outputPadding: 2 }, bias: true },
  { x: [3, 4, 2, 2], w: [4, 1, 5, 5], o: { stride: 3, padding: 2, outputPadding: 1 }, bias: true },
  { x: [2, 1, 1, 1], w: [1, 4, 4, 4], o: {}, bias: true },
];
for (const c of convTCases) {
  add({
    name: `convTranspose2d ${JSON.stringify(c.o)}`, shapes: c.bias ? [c.x, c.w, [c.w[1]]] : [c.x, c.w],
    engine: ([x, w, b]) => F.convTranspose2d(x, w, b, c.o),
    ref: ([x, w, b]) => convTranspose2dRef(x, w, b ?? null, {
      stride: p2(c.o.stride, 1), padding: p2(c.o.padding, 0), dilation: p2(c.o.dilation, 1), outputPadding: p2(c.o.outputPadding, 0),
    }),
  });
}

test('convTranspose2d: bad input names the op and the shapes', () => {
  const x = wg.zeros([1, 2, 3, 3]);
  assert.throws(() => F.convTranspose2d(x, wg.zeros([2, 1, 3, 3]), null, { padding: 4 }), /convTranspose2d: the output size -3x-3 is not positive: input \[1, 2, 3, 3\], weight \[2, 1, 3, 3\]/);
  assert.throws(() => F.convTranspose2d(x, wg.zeros([3, 1, 3, 3])), /convTranspose2d: input \[1, 2, 3, 3\] has 2 channels but weight \[3, 1, 3, 3\] expects 3/);
  assert.throws(() => F.convTranspose2d(x, wg.zeros([2, 1, 3, 3]), null, { stride: 2, outputPadding: 2 }), /outputPadding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)/);
  assert.throws(() => F.convTranspose2d(x, wg.zeros([2, 1, 3, 3]), wg.zeros([2])), /bias must have shape \[1\]/);
  assert.throws(() => F.convTranspose2d(x, wg.zeros([2, 1, 3, 3]), null, { groups: 2 }), /^convTranspose2d: groups=2 is not supported \(only 1\)/);
});

test('ConvTranspose2d: PyTorch layout and init bounds, outputSize picks the output padding', () => {
  wg.manualSeed(0);
  const m = new wg.nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1 });
  assert.equal(m.weight.shape, [4, 6, 3, 3]);
  const bound = 1 / Math.sqrt(6 * 9); // kaiming_uniform(a=√5) and the bias share 1/√fanIn, fanIn = out·k·k
  for (const v of m.weight.data()) assert.ok(Math.abs(v) <= bound + 1e-7);
  for (const v of m.bias!.data()) assert.ok(Math.abs(v) <= bound + 1e-7);
  const x = wg.randn([2, 4, 5, 5]);
  assert.equal(m.forward(x).shape, [2, 6, 9, 9]);
  assert.equal(m.forward(x, [10, 10]).shape, [2, 6, 10, 10]);
  assert.throws(() => m.forward(x, [2, 6, 11, 11]), /requested output size \[11, 11\] is not reachable from input \[2, 4, 5, 5\]: dim 0 can be 9 to 10/);
});

test('convTranspose2d: the same bits on 1 and 2 threads (images split across threads)', async () => {
  wg.manualSeed(1);
  const x = wg.randn([6, 8, 7, 7], { requiresGrad: true }), w = wg.randn([8, 5, 4, 4], { requiresGrad: true });
  const run = () => {
    x.grad = null; w.grad = null;
    const y = F.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
    y.square().sum().backward();
    return [y.data(), x.grad!.data(), w.grad!.data()];
  };
  await wg.setNumThreads(1);
  const one = run();
  await wg.setNumThreads(2);
  const { setParallelMinFlops } = await import('../bindings/threads.js');
  setParallelMinFlops(0);
  const two = run();
  setParallelMinFlops(1 << 21);
  for (let i = 0; i < 3; i++) assert.equal(Array.from(two[i]), Array.from(one[i]), `output ${i}`);
});

// ---- layerNorm ----
const lnCases: [number[], number[], boolean, boolean][] = [
  [[3, 5], [5], true, true], [[2, 3, 8], [8], true, false], [[4, 2, 3], [2, 3], true, true], [[2, 7], [7], false, false],
  [[1, 13], [13], true, true], [[3, 1], [1], true, true],
];
for (const [shape, ns, affine, withBias] of lnCases) {
  const n = ns.reduce((a, b) => a * b, 1);
  const shapes = [shape, ...(affine ? [ns] : []), ...(affine && withBias ? [ns] : [])];
  add({
    name: `layerNorm ${JSON.stringify(ns)} affine=${affine} bias=${withBias}`, shapes,
    engine: ([x, w, b]) => F.layerNorm(x, ns, w, b),
    ref: ([x, w, b]) => layerNormRef(x, n, w ?? null, b ?? null, 1e-5),
    gradTol: [5e-3, 5e-4],
  });
}

/**
 * A normalisation layer on data of mean ~1000 (x, weight, bias with gradients): its forward within
 * 1e-3 of the float64 reference on one thread, and the same bytes of output and gradients on two.
 */
async function largeMeanAndThreads(name: string, shape: number[], paramShape: number[], seed: number,
  op: (x: wg.Tensor, w: wg.Tensor, b: wg.Tensor) => wg.Tensor, ref: (x: Nd, w: Nd, b: Nd) => Nd): Promise<void> {
  const rnd = jsRandom(seed);
  const size = shape.reduce((p, q) => p * q, 1);
  const v = Float32Array.from({ length: size }, () => 1000 + rnd());
  const x = wg.tensor(v, { shape, requiresGrad: true });
  const w = wg.randn(paramShape, { requiresGrad: true }), b = wg.randn(paramShape, { requiresGrad: true });
  const want = ref(new Nd(shape, Float64Array.from(v)), new Nd(paramShape, Float64Array.from(w.data())), new Nd(paramShape, Float64Array.from(b.data())));
  const run = () => {
    x.grad = null; w.grad = null; b.grad = null;
    const y = op(x, w, b);
    y.mul(y).sum().backward();
    return [y.data(), x.grad!.data(), w.grad!.data(), b.grad!.data()];
  };
  await wg.setNumThreads(1);
  const one = run();
  let worst = 0;
  for (let i = 0; i < one[0].length; i++) worst = Math.max(worst, Math.abs(one[0][i] - want.data[i]));
  assert.ok(worst < 1e-3, `${name} forward error ${worst} with mean 1000`);
  await wg.setNumThreads(2);
  const { setParallelMinFlops } = await import('../bindings/threads.js');
  setParallelMinFlops(0);
  const two = run();
  setParallelMinFlops(1 << 21);
  for (let i = 0; i < 4; i++) assert.equal(Array.from(two[i]), Array.from(one[i]), `${name} output ${i}`);
}

test('layerNorm: accurate variance with a large mean; the same bits on 1 and 2 threads', () =>
  largeMeanAndThreads('layerNorm', [300, 1000], [1000], 9, (x, w, b) => F.layerNorm(x, [1000], w, b),
    (x, w, b) => layerNormRef(x, 1000, w, b, 1e-5)));

// ---- batchNorm (training: the batch's statistics) ----
const bnCases: [number[], boolean][] = [[[4, 3], true], [[3, 2, 5], true], [[2, 3, 3, 3], true], [[2, 2, 2, 4], false], [[5, 1, 1, 7], true]];
for (const [shape, affine] of bnCases) {
  const C = shape[1];
  add({
    name: `batchNorm training affine=${affine}`, shapes: [shape, ...(affine ? [[C], [C]] : [])],
    engine: ([x, w, b]) => F.batchNorm(x, null, null, w ?? null, b ?? null, true),
    ref: ([x, w, b]) => batchNormRef(x, w ?? null, b ?? null, 1e-5),
    gradTol: [5e-3, 5e-4],
  });
}

test('batchNorm: accurate statistics with a large mean; the same bits on 1 and 2 threads', () =>
  largeMeanAndThreads('batchNorm', [64, 8, 10, 10], [8], 11, (x, w, b) => F.batchNorm(x, null, null, w, b, true),
    (x, w, b) => batchNormRef(x, w, b, 1e-5)));

test('batchNorm: errors name the argument', () => {
  const x = wg.zeros([4, 3, 2]);
  assert.throws(() => F.batchNorm(x, null, null, wg.ones([2])), /batchNorm: weight must have shape \[3\] \(the input's channels, dim 1\), got \[2\]/);
  assert.throws(() => F.batchNorm(x, null, null), /batchNorm: evaluation \(training false\) needs runningMean and runningVar/);
  assert.throws(() => F.batchNorm(x, wg.zeros([3]), null, null, null, true), /batchNorm: runningMean and runningVar must be given together/);
  assert.throws(() => F.batchNorm(wg.zeros([1, 3]), null, null, null, null, true), /batchNorm: expected more than 1 value per channel when training, got input \[1, 3\]/);
  assert.throws(() => F.batchNorm(wg.zeros([4]), null, null, null, null, true), /batchNorm: input must have a channel dim/);
});

test('LayerNorm: PyTorch parameters and errors', () => {
  const m = new wg.nn.LayerNorm([2, 3]);
  assert.equal(m.weight!.data(), new Float32Array(6).fill(1));
  assert.equal(m.bias!.data(), new Float32Array(6));
  assert.is(new wg.nn.LayerNorm(4, { elementwiseAffine: false }).parameters().length, 0);
  assert.is(new wg.nn.LayerNorm(4, { bias: false }).parameters().length, 1);
  assert.throws(() => m.forward(wg.zeros([2, 3, 2])), /layerNorm: input \[2, 3, 2\] does not end in normalizedShape \[2, 3\]/);
  assert.throws(() => F.layerNorm(wg.zeros([2, 4]), [4], wg.ones([3])), /layerNorm: weight must have the normalized shape \[4\], got \[3\]/);
});

// ---- scaledDotProductAttention: batch and head dims, masks of every broadcast, causal, scale ----
const attnCases: { q: number[]; k: number[]; v: number[]; mask?: number[]; causal?: boolean; scale?: number }[] = [
  { q: [3, 4], k: [5, 4], v: [5, 2] },
  { q: [2, 3, 4, 8], k: [2, 3, 6, 8], v: [2, 3, 6, 5] },
  { q: [2, 2, 5, 4], k: [2, 2, 5, 4], v: [2, 2, 5, 4], causal: true },
  { q: [1, 4, 3], k: [1, 7, 3], v: [1, 7, 3], causal: true },
  { q: [2, 2, 3, 4], k: [2, 2, 5, 4], v: [2, 2, 5, 3], mask: [3, 5] },
  { q: [2, 2, 3, 4], k: [2, 2, 5, 4], v: [2, 2, 5, 3], mask: [2, 1, 1, 5] },
  { q: [2, 2, 3, 4], k: [2, 2, 5, 4], v: [2, 2, 5, 3], mask: [2, 2, 3, 1] },
  { q: [2, 3, 4], k: [2, 9, 4], v: [2, 9, 6], mask: [2, 3, 9], scale: 0.3 },
];
for (const c of attnCases) {
  add({
    name: `scaledDotProductAttention mask=${JSON.stringify(c.mask)} causal=${!!c.causal} scale=${c.scale}`,
    shapes: c.mask ? [c.q, c.k, c.v, c.mask] : [c.q, c.k, c.v],
    engine: ([q, k, v, m]) => F.scaledDotProductAttention(q, k, v, { attnMask: m, isCausal: c.causal, scale: c.scale }),
    ref: ([q, k, v, m]) => attentionRef(q, k, v, { mask: m, causal: c.causal, scale: c.scale }),
  });
}

test('scaledDotProductAttention with dropout: output = weights·v, the gradient follows the same mask', () => {
  wg.manualSeed(11);
  const shapes = [[2, 2, 6, 4], [2, 2, 6, 4], [2, 2, 6, 3]];
  let drop: Float64Array | null = null;
  let weights: Float32Array | null = null;
  const p = 0.3;
  checkOp({
    name: 'scaledDotProductAttention dropout', shapes,
    engine: ([q, k, v]) => {
      const r = attention(q, k, v, { dropoutP: p });
      weights = r.weights().data();
      return r.output;
    },
    ref: ([q, k, v]) => {
      if (!drop) {
        // the engine's mask, read back from its weights: P⊙drop with drop 0 or 1/(1−p)
        const probs = attentionProbsRef(q, k, {});
        drop = probs.map((pr, i) => (weights![i] / pr > 0.5 ? 1 / (1 - p) : 0));
        const kept = drop.filter((d) => d > 0).length / drop.length;
        assert.ok(kept > 0.45 && kept < 0.95, `kept fraction ${kept}`);
      }
      return attentionRef(q, k, v, { drop });
    },
  });
});

test('scaledDotProductAttention: the same bits on 1 and 2 threads', async () => {
  wg.manualSeed(2);
  const q = wg.randn([4, 4, 9, 8], { requiresGrad: true }), k = wg.randn([4, 4, 11, 8], { requiresGrad: true });
  const v = wg.randn([4, 4, 11, 8], { requiresGrad: true }), m = wg.randn([4, 1, 9, 11], { requiresGrad: true });
  const run = () => {
    for (const t of [q, k, v, m]) t.grad = null;
    const y = F.scaledDotProductAttention(q, k, v, { attnMask: m });
    y.square().sum().backward();
    return [y, q.grad!, k.grad!, v.grad!, m.grad!].map((t) => Array.from(t.data()));
  };
  await wg.setNumThreads(1);
  const one = run();
  await wg.setNumThreads(2);
  const { setParallelMinFlops } = await import('../bindings/threads.js');
  setParallelMinFlops(0);
  const two = run();
  setParallelMinFlops(1 << 21);
  one.forEach((o, i) => assert.equal(two[i], o, `output ${i}`));
});

test('scaledDotProductAttention: bad input names the op and the shapes', () => {
  const q = wg.zeros([2, 3, 4]), k = wg.zeros([2, 5, 4]), v = wg.zeros([2, 5, 6]);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { attnMask: wg.zeros([3, 4]) }),
    /scaledDotProductAttention: attnMask of shape \[3, 4\] does not broadcast to the attention scores \[2, 3, 5\]/);
  assert.throws(() => F.scaledDotProductAttention(q, wg.zeros([2, 5, 3]), v),
    /query \[2, 3, 4\], key \[2, 5, 3\] and value \[2, 5, 6\] do not fit/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { attnMask: wg.zeros([3, 5]), isCausal: true }), /either attnMask or isCausal/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }), /dropoutP must be in \[0, 1\]/);
});

test('scaledDotProductAttention: a fully masked row is NaN, as in PyTorch', () => {
  const mask = wg.tensor([[0, 0], [-Infinity, -Infinity]]);
  const y = F.scaledDotProductAttention(wg.ones([2, 3]), wg.ones([2, 3]), wg.ones([2, 3]), { attnMask: mask }).data();
  assert.ok(y.slice(0, 3).every((x) => x === 1) && y.slice(3).every(Number.isNaN));
});

// ---- interpolate and adaptive average pooling ----
const interpCases: { x: number[]; o: wg.nn.functional.InterpolateOptions }[] = [
  { x: [2, 2, 3, 4], o: { scaleFactor: 2 } },
  { x: [1, 2, 5, 3], o: { size: [7, 8] } },
  { x: [1, 1, 5, 4], o: { scaleFactor: 1.5 } },
  { x: [2, 3, 7], o: { size: 3 } },
  { x: [1, 2, 4, 5], o: { size: [6, 3], mode: 'nearest-exact' } },
  { x: [2, 2, 3, 4], o: { scaleFactor: 2, mode: 'bilinear' } },
  { x: [1, 2, 5, 3], o: { size: [7, 8], mode: 'bilinear', alignCorners: true } },
  { x: [1, 2, 6, 6], o: { size: [4, 3], mode: 'bilinear' } },
  { x: [1, 1, 5, 4], o: { scaleFactor: [1.7, 2.5], mode: 'bilinear' } },
  { x: [1, 1, 5, 4], o: { scaleFactor: [1.7, 2.5], mode: 'bilinear', recomputeScaleFactor: true } },
  { x: [1, 2, 7, 5], o: { size: [3, 2], mode: 'area' } },
];
for (const c of interpCases) {
  add({
    name: `interpolate ${JSON.stringify(c.o)}`, shapes: [c.x], engine: ([x]) => F.interpolate(x, c.o),
    ref: ([x]) => {
      const dims = x.shape.length - 2, ins = x.shape.slice(2);
      const list = (v: number | number[] | undefined) => (v === undefined ? undefined : typeof v === 'number' ? ins.map(() => v) : v);
      const f = list(c.o.scaleFactor), outs = list(c.o.size) ?? ins.map((n, i) => Math.floor(n * f![i]));
      const scales = c.o.recomputeScaleFactor ? undefined : f;
      if (c.o.mode === 'bilinear') return bilinearRef(x, outs[0], outs[1], !!c.o.alignCorners, scales as [number, number] | undefined);
      if (c.o.mode === 'area') return adaptiveAvgPoolRef(x, outs[0], outs[1]);
      return nearestRef(x, outs, scales, c.o.mode === 'nearest-exact');
    },
  });
}
for (const [shape, size] of [[[2, 3, 7, 5], [3, 2]], [[1, 2, 6, 6], 1], [[2, 4, 5], [null, 2]], [[1, 1, 3, 4], [5, 7]]] as [number[], number | (number | null)[]][]) {
  add({
    name: `adaptiveAvgPool2d ${JSON.stringify(size)}`, shapes: [shape], engine: ([x]) => F.adaptiveAvgPool2d(x, size),
    ref: ([x]) => {
      const [H, W] = x.shape.slice(-2), s = typeof size === 'number' ? [size, size] : size;
      return adaptiveAvgPoolRef(x, s[0] ?? H, s[1] ?? W);
    },
  });
}

test('interpolate and adaptiveAvgPool2d: bad input names the op', () => {
  const x = wg.zeros([1, 2, 4, 4]);
  assert.throws(() => F.interpolate(x, { scaleFactor: 2, mode: 'bicubic' as 'nearest' }), /interpolate: mode must be one of 'nearest', 'nearest-exact', 'bilinear', 'area', got "bicubic"/);
  assert.throws(() => F.interpolate(x, { size: [2, 2], scaleFactor: 2 }), /exactly one of size and scaleFactor/);
  assert.throws(() => F.interpolate(wg.zeros([2, 3, 4]), { size: 8, mode: 'bilinear' }), /mode 'bilinear' needs a 4-D input \[N, C, H, W\], got \[2, 3, 4\]/);
  assert.throws(() => F.interpolate(x, { size: [2, 2, 2] }), /size must be a number or a list of 2 for input \[1, 2, 4, 4\]/);
  assert.throws(() => F.interpolate(x, { size: 4, alignCorners: true }), /alignCorners only applies to mode 'bilinear'/);
  assert.throws(() => F.adaptiveAvgPool2d(wg.zeros([4, 4]), 2), /adaptiveAvgPool2d: input must be 4-D \[N, C, H, W\] or 3-D \[C, H, W\], got \[4, 4\]/);
});

test('AdaptiveAvgPool2d(1) is global average pooling', () => {
  const x = wg.randn([3, 5, 4, 6]);
  const y = new wg.nn.AdaptiveAvgPool2d(1).forward(x);
  assert.equal(y.shape, [3, 5, 1, 1]);
  const m = x.mean([2, 3], true).data(), yv = y.data();
  for (let i = 0; i < m.length; i++) assert.ok(Math.abs(m[i] - yv[i]) < 1e-6);
});

// ---- embedding ----
add({ name: 'embedding', shapes: [[6, 3]], engine: ([w]) => F.embedding(wg.tensor([[1, 4, 1], [0, 5, 4]]), w),
  ref: ([w]) => Nd.from([2, 3, 3], [1, 4, 1, 0, 5, 4].flatMap((r) => Array.from(w.data.slice(3 * r, 3 * r + 3)))) });

test('embedding: paddingIdx row gets no gradient; scaleGradByFreq divides by counts; maxNorm renormalises', () => {
  const w = wg.randn([5, 2], { requiresGrad: true });
  F.embedding([1, 2, 2, 4], w, { paddingIdx: 2 }).sum().backward();
  assert.equal(Array.from(w.grad!.data()), [0, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
  w.grad = null;
  F.embedding([1, 1, 1, 3], w, { scaleGradByFreq: true }).sum().backward();
  assert.equal(Array.from(w.grad!.data()), [0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
  const big = wg.tensor([[3, 4], [0.3, 0.4]]);
  F.embedding([0, 1], big, { maxNorm: 1 });
  const v = big.data();
  assert.ok(Math.abs(Math.hypot(v[0], v[1]) - 1) < 1e-5 && Math.abs(v[2] - 0.3) < 1e-7);
  assert.throws(() => F.embedding([0, 5], w), /embedding: index 5 at position 1 is out of range for 5 embeddings \(weight \[5, 2\]\)/);
  assert.throws(() => F.embedding([0.5], w), /embedding: index 0 is 0.5, not an integer/);
  const e = new wg.nn.Embedding(10, 3, { paddingIdx: -1 });
  assert.is(e.paddingIdx, 9);
  assert.equal(Array.from(e.weight.data().slice(27)), [0, 0, 0]);
  assert.equal(e.forward(wg.tensor([[1, 2], [3, 9]])).shape, [2, 2, 3]);
  const frozen = wg.nn.Embedding.fromPretrained(wg.ones([4, 2]));
  assert.is(frozen.weight.requiresGrad, false);
});

// ---- MultiheadAttention: the input's gradient by finite differences through a float64 reference ----
function mhaRef(m: wg.nn.MultiheadAttention, x: Nd, N: number, L: number, keyPad?: boolean[][]): Nd {
  // batchFirst input [N, L, E]; packed in-projection
  const E = m.embedDim, H = m.numHeads, hd = E / H;
  const W = Float64Array.from(m.inProjWeight!.data()), b = Float64Array.from(m.inProjBias!.data());
  const Wo = Float64Array.from(m.outProj.weight.data()), bo = Float64Array.from(m.outProj.bias!.data());
  const proj = (off: number) => {
    const out = new Nd([N, H, L, hd], new Float64Array(N * L * E));
    for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) for (let o = 0; o < E; o++) {
      let s = b[off + o];
      for (let i = 0; i < E; i++) s += x.data[(n * L + l) * E + i] * W[(off + o) * E + i];
      const h = Math.floor(o / hd), d = o % hd;
      out.data[((n * H + h) * L + l) * hd + d] = s;
    }
    return out;
  };
  const mask = keyPad ? new Nd([N, 1, 1, L], Float64Array.from(keyPad.flat().map((v) => (v ? -Infinity : 0)))) : null;
  const a = attentionRef(proj(0), proj(E), proj(2 * E), { mask });
  const out = Nd.zeros([N, L, E]);
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) for (let o = 0; o < E; o++) {
    let s = bo[o];
    for (let i = 0; i < E; i++) s += a.data[((n * H + Math.floor(i / hd)) * L + l) * hd + (i % hd)] * Wo[o * E + i];
    out.data[(n * L + l) * E + o] = s;
  }
  return out;
}
{
  let made: wg.nn.MultiheadAttention | null = null; // made after init()
  const m = () => made ??= (wg.manualSeed(5), new wg.nn.MultiheadAttention(8, 2, { batchFirst: true }));
  const keyPad = [[false, false, true, false, true], [false, false, false, false, false]];
  add({ name: 'MultiheadAttention self-attention (input gradient)', shapes: [[2, 5, 8]], engine: ([x]) => m().forward(x, x, x)[0], ref: ([x]) => mhaRef(m(), x, 2, 5) });
  add({
    name: 'MultiheadAttention with keyPaddingMask (input gradient)', shapes: [[2, 5, 8]],
    engine: ([x]) => m().forward(x, x, x, { keyPaddingMask: keyPad })[0], ref: ([x]) => mhaRef(m(), x, 2, 5, keyPad),
  });
}

test('MultiheadAttention: layouts, weights, masks, parameters, errors', () => {
  wg.manualSeed(6);
  const m = new wg.nn.MultiheadAttention(12, 3);
  assert.equal(m.namedParameters().map(([n, t]) => `${n}${JSON.stringify(t.shape)}`),
    ['inProjWeight[36,12]', 'inProjBias[36]', 'outProj.weight[12,12]', 'outProj.bias[12]']);
  const x = wg.randn([7, 2, 12]); // [L, N, E]
  const [y, w] = m.forward(x, x, x);
  assert.equal(y.shape, [7, 2, 12]);
  assert.equal(w!.shape, [2, 7, 7]);
  const rowSums = w!.sum(-1).data();
  for (const s of rowSums) assert.ok(Math.abs(s - 1) < 1e-5);
  assert.equal(m.forward(x, x, x, { averageAttnWeights: false })[1]!.shape, [2, 3, 7, 7]);
  assert.is(m.forward(x, x, x, { needWeights: false })[1], null);
  // batchFirst gives the same numbers on transposed input
  const mb = new wg.nn.MultiheadAttention(12, 3, { batchFirst: true });
  mb.loadStateDict(m.stateDict());
  const yb = mb.forward(x.transpose(0, 1))[0].transpose(0, 1).data(), yv = y.data();
  for (let i = 0; i < yv.length; i++) assert.ok(Math.abs(yb[i] - yv[i]) < 1e-5);
  // unbatched [L, E]
  assert.equal(m.forward(wg.randn([4, 12]))[0].shape, [4, 12]);
  // isCausal: weights above the diagonal are 0
  const wc = m.forward(x, x, x, { isCausal: true })[1]!.data();
  for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) assert.is(wc[i * 7 + j], 0);
  // a boolean attnMask (true = not allowed) equals its additive form
  const boolMask = Array.from({ length: 7 }, (_, i) => Array.from({ length: 7 }, (_, j) => j > i + 1));
  const add = wg.tensor(boolMask.map((r) => r.map((v) => (v ? -Infinity : 0))));
  const y1 = m.forward(x, x, x, { attnMask: boolMask })[0].data(), y2 = m.forward(x, x, x, { attnMask: add })[0].data();
  assert.equal(Array.from(y1), Array.from(y2));
  // cross-attention with other key/value widths
  const mc = new wg.nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 3, batchFirst: true });
  assert.equal(mc.namedParameters().map(([n]) => n), ['qProjWeight', 'kProjWeight', 'vProjWeight', 'inProjBias', 'outProj.weight', 'outProj.bias']);
  assert.equal(mc.forward(wg.randn([2, 4, 8]), wg.randn([2, 6, 5]), wg.randn([2, 6, 3]))[0].shape, [2, 4, 8]);
  assert.throws(() => new wg.nn.MultiheadAttention(10, 3), /embedDim \(10\) must be divisible by numHeads \(3\)/);
  assert.throws(() => m.forward(x, x, x, { attnMask: wg.zeros([7, 6]) }), /attnMask must be \[L, S\] = \[7, 7\] or \[N·numHeads, L, S\] = \[6, 7, 7\], got \[7, 6\]/);
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: wg.zeros([2, 6]) }), /keyPaddingMask must be \[N, S\] = \[2, 7\], got \[2, 6\]/);
  assert.throws(() => m.forward(wg.zeros([7, 2, 10])), /query must be \[length, N, 12\], got \[7, 2, 10\]/);
});

// ---- Dropout2d, containers ----
registerCheck('F.dropout2d', 'stat');
test('dropout2d: whole channels are zeroed or scaled by 1/(1-p); eval mode is the identity', () => {
  wg.manualSeed(4);
  const x = wg.ones([50, 20, 3, 3], { requiresGrad: true });
  const y = F.dropout2d(x, 0.4);
  y.sum().backward();
  const v = y.data(), g = x.grad!.data();
  let kept = 0;
  for (let c = 0; c < 1000; c++) {
    const ch = v.slice(9 * c, 9 * c + 9);
    assert.ok(ch.every((e) => e === ch[0]) && (ch[0] === 0 || Math.abs(ch[0] - 1 / 0.6) < 1e-6), `channel ${c}`);
    assert.is(g[9 * c], ch[0]);
    if (ch[0] !== 0) kept++;
  }
  assert.ok(kept > 540 && kept < 660, `kept ${kept} of 1000 channels at p = 0.4`);
  const d = new wg.nn.Dropout2d(0.4).eval();
  assert.is(d.forward(x), x);
  assert.equal(F.dropout2d(wg.ones([4, 2, 2]), 0.5).shape, [4, 2, 2]);
});

test('ModuleList, Identity, Unflatten, Flatten(startDim, endDim)', () => {
  const list = new wg.nn.ModuleList([new wg.nn.Linear(2, 3), new wg.nn.ReLU()]);
  list.append(new wg.nn.Linear(3, 1));
  list.insert(1, new wg.nn.Identity(5, 'ignored'));
  assert.is(list.length, 4);
  assert.equal(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '3.weight', '3.bias']);
  assert.ok(list.at(1) instanceof wg.nn.Identity && list.at(-1) instanceof wg.nn.Linear);
  let x = wg.ones([4, 2]);
  for (const m of list) x = m.forward(x) as wg.Tensor;
  assert.equal(x.shape, [4, 1]);
  assert.throws(() => list.forward(), /ModuleList has no forward\(\)/);
  const u = new wg.nn.Unflatten(1, [2, -1, 3]);
  assert.equal(u.forward(wg.zeros([5, 24])).shape, [5, 2, 4, 3]);
  assert.throws(() => u.forward(wg.zeros([5, 25])), /unflatten: sizes \[2, -1, 3\] do not multiply to 25, the size of dim 1 of \[5, 25\]/);
  assert.equal(new wg.nn.Flatten(1, 2).forward(wg.zeros([2, 3, 4, 5])).shape, [2, 12, 5]);
  assert.equal(wg.zeros([2, 12]).unflatten(-1, [3, 4]).shape, [2, 3, 4]);
});

export { Nd, broadcastTo };
test.run();
