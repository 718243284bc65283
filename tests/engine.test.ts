/** Kernels against naive references on awkward sizes, numerics, RNG, and the API's behaviour. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { assertClose, jsRandom, randomNd, toTensor } from './helpers/check.js';
import { broadcastBinary, matmulRef, reduceAxes, softmaxRef, Nd } from './helpers/ref.js';

const test = suite('engine');
test.before(async () => { await wg.init(); });

test('broadcast binary kernels match the reference on random shapes', () => {
  const rnd = jsRandom(7);
  const pick = (n: number) => Math.floor(rnd() * n);
  const ops: [string, (a: wg.Tensor, b: wg.Tensor) => wg.Tensor, (x: number, y: number) => number][] = [
    ['add', wg.add, (x, y) => x + y], ['mul', wg.mul, (x, y) => x * y], ['sub', wg.sub, (x, y) => x - y],
    ['gt', wg.gt, (x, y) => +(x > y)], ['le', wg.le, (x, y) => +(x <= y)], ['eq', wg.eq, (x, y) => +(x === y)],
    ['maximum', wg.maximum, Math.max],
  ];
  for (let trial = 0; trial < 200; trial++) {
    const nd = 1 + pick(5);
    const out = Array.from({ length: nd }, () => [1, 2, 3, 4, 5, 7, 8, 17][pick(8)]);
    const a = out.map((d) => (rnd() < 0.3 ? 1 : d)).slice(pick(2));
    const b = out.map((d) => (rnd() < 0.3 ? 1 : d)).slice(pick(2));
    const x = randomNd(a, rnd), y = randomNd(b, rnd);
    // Some equal values so that comparisons see ties.
    if (y.size > 0 && x.size > 0) y.data[0] = x.data[0];
    const [name, e, r] = ops[trial % ops.length];
    assertClose(e(toTensor(x), toTensor(y)).data(), broadcastBinary(x, y, r).data, `${name} ${JSON.stringify(a)} ${JSON.stringify(b)}`);
  }
});

test('large and odd sizes take the SIMD body and the scalar tail', () => {
  const rnd = jsRandom(9);
  for (const n of [1, 3, 4, 5, 1023, 1024, 1025, 4097]) {
    const x = randomNd([n], rnd, -10, 10);
    const t = toTensor(x);
    assertClose(t.relu().data(), x.data.map((v) => Math.max(v, 0)), `relu n=${n}`);
    assertClose(t.sigmoid().data(), x.data.map((v) => 1 / (1 + Math.exp(-v))), `sigmoid n=${n}`, 1e-5, 1e-7);
    assertClose(t.tanh().data(), x.data.map(Math.tanh), `tanh n=${n}`, 1e-5, 1e-6);
    assertClose(t.exp().data(), x.data.map(Math.exp), `exp n=${n}`, 2e-6, 0);
    assertClose(t.sum().data(), [x.data.reduce((a, b) => a + b, 0)], `sum n=${n}`, 1e-6, 1e-4);
  }
});

test('reductions over every axis of a 4-d tensor', () => {
  const rnd = jsRandom(5);
  const x = randomNd([3, 5, 2, 7], rnd);
  const t = toTensor(x);
  for (let axis = 0; axis < 4; axis++) {
    assertClose(t.sum(axis).data(), reduceAxes(x, [axis], false, 0, (a, v) => a + v).data, `sum axis ${axis}`);
    assertClose(t.max(axis).data(), reduceAxes(x, [axis], false, -Infinity, Math.max).data, `max axis ${axis}`);
    assertClose(t.softmax(axis).data(), softmaxRef(x, axis, false).data, `softmax axis ${axis}`);
  }
  assert.equal(t.sum(1, true).shape, [3, 1, 2, 7]);
  assert.equal(t.mean([0, 3]).shape, [5, 2]);
});

test('numerics: stable sigmoid, softplus, softmax and cross-entropy at extreme values', () => {
  const x = wg.tensor([-1000, -100, -20, 0, 20, 100, 1000]);
  assert.equal(Array.from(x.sigmoid().data()), [0, Math.fround(3.720076e-44), Math.fround(2.0611537e-9), 0.5, 1, 1, 1]);
  const sp = x.softplus().data();
  assert.ok(sp.every(Number.isFinite), `softplus finite: ${sp}`);
  assert.is(sp[6], 1000);
  const logits = wg.tensor([[1000, 0, -1000], [0, 0, 0]]);
  const sm = logits.softmax(1).data();
  assert.ok(sm.every(Number.isFinite));
  assertClose(sm, [1, 0, 0, 1 / 3, 1 / 3, 1 / 3], 'softmax of huge logits');
  const ce = wg.nn.functional.crossEntropy(logits, [2, 1], { reduction: 'none' }).data();
  assertClose(ce, [2000, Math.log(3)], 'cross-entropy of huge logits');
  assert.ok(Number.isNaN(wg.tensor([1, NaN, 3]).max().item()), 'max propagates NaN');
  assert.equal(Array.from(wg.tensor([[3, 9, 9], [2, 1, 2]]).argmax(1).data()), [1, 0], 'argmax takes the first maximum');
});

test('GEMM through matmul: all shapes around the blocking, and the four transpose combinations via backward', () => {
  const rnd = jsRandom(11);
  for (const [M, K, N] of [[1, 1, 1], [2, 3, 4], [5, 7, 9], [10, 784, 30], [33, 65, 17], [64, 64, 64], [129, 31, 67]]) {
    const a = randomNd([M, K], rnd), b = randomNd([K, N], rnd);
    const ta = toTensor(a, true), tb = toTensor(b, true);
    const c = ta.matmul(tb);
    assertClose(c.data(), matmulRef(a, b).data, `matmul ${M}x${K}x${N}`, 1e-5, 1e-5 * Math.sqrt(K));
    const g = randomNd([M, N], rnd);
    c.backward(toTensor(g));
    const gT = new Nd([N, M], new Float64Array(N * M));
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) gT.data[j * M + i] = g.data[i * N + j];
    const bT = new Nd([N, K], new Float64Array(N * K));
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) bT.data[j * K + k] = b.data[k * N + j];
    const aT = new Nd([K, M], new Float64Array(K * M));
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) aT.data[k * M + i] = a.data[i * K + k];
    assertClose(ta.grad!.data(), matmulRef(g, bT).data, `dA ${M}x${K}x${N}`, 1e-5, 1e-5 * Math.sqrt(N));
    assertClose(tb.grad!.data(), matmulRef(aT, g).data, `dB ${M}x${K}x${N}`, 1e-5, 1e-5 * Math.sqrt(M));
  }
});

test('empty tensors are legal where PyTorch allows them', () => {
  const e = wg.zeros([0, 3]);
  assert.equal(e.add(1).shape, [0, 3]);
  assert.equal(e.sum(0).toArray(), [0, 0, 0]);
  assert.equal(wg.zeros([2, 0]).matmul(wg.zeros([0, 3])).toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.equal(wg.arange(0).shape, [0]);
  assert.equal(wg.cat([wg.zeros([0, 2]), wg.ones([1, 2])]).toArray(), [[1, 1]]);
});

test('factories and conversions', () => {
  assert.equal(wg.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(wg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.equal(wg.linspace(-1, 1, 5).toArray(), [-1, -0.5, 0, 0.5, 1]);
  assert.equal(wg.full([2, 2], 3).toArray(), [[3, 3], [3, 3]]);
  assert.equal(wg.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.is(wg.tensor(5).item(), 5);
  assert.equal(wg.tensor([[1, 2]]).shape, [1, 2]);
  assert.equal(wg.oneHot([2, 0], 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
  const t = wg.tensor([1, 2, 3]);
  const d = t.data();
  d[0] = 100;
  assert.is(t.toArray()[0 as never], 1, 'data() is a copy');
});

test('seeded generator: same seed, same numbers; sensible statistics', () => {
  wg.manualSeed(42);
  const a = wg.randn([10000]).data();
  const u = wg.rand([10000]).data();
  const p = wg.randperm(10);
  wg.manualSeed(42);
  assert.equal(wg.randn([10000]).data(), a);
  assert.equal(wg.rand([10000]).data(), u);
  assert.equal(wg.randperm(10), p);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(std - 1) < 0.03, `normal mean ${mean} std ${std}`);
  assert.ok(u.every((v) => v >= 0 && v < 1));
  assert.equal([...p].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const state = wg.getRngState();
  const next = wg.rand([5]).data();
  wg.setRngState(state);
  assert.equal(wg.rand([5]).data(), next, 'state save/restore');
  const ints = wg.randint(3, 7, [1000]).data();
  assert.ok(ints.every((v) => v >= 3 && v < 7 && Number.isInteger(v)));
});

test('grad and valueAndGrad', () => {
  const f = (x: wg.Tensor) => x.mul(x).sum();
  const g = wg.grad(f)(wg.tensor([1, -2, 3])) as wg.Tensor;
  assert.equal(g.toArray(), [2, -4, 6]);
  const [v, gs] = wg.valueAndGrad((x: wg.Tensor, y: wg.Tensor) => x.mul(y).sum())(wg.tensor([1, 2]), wg.tensor([3, 4]));
  assert.is(v.item(), 11);
  assert.equal((gs as wg.Tensor[]).map((t) => t.toArray()), [[3, 4], [1, 2]]);
  const s = (x: wg.Tensor) => x.sigmoid().square().sum();
  const xs = wg.linspace(-3, 3, 601);
  const ad = (wg.grad(s)(xs) as wg.Tensor).data();
  const xv = xs.data();
  let worst = 0;
  for (let i = 0; i < xv.length; i++) {
    const sg = 1 / (1 + Math.exp(-xv[i]));
    worst = Math.max(worst, Math.abs(ad[i] - 2 * sg * sg * (1 - sg)));
  }
  assert.ok(worst <= 1e-6, `sigmoid² derivative max error ${worst}`);
});

test('noGrad records nothing; backward accumulates into .grad across calls', () => {
  const w = wg.tensor([1, 2], { requiresGrad: true });
  const y = wg.noGrad(() => w.mul(3).sum().item());
  assert.is(y, 9);
  w.mul(3).sum().backward();
  w.mul(3).sum().backward();
  assert.equal(w.grad!.toArray(), [6, 6]);
  w.grad!.zero_();
  w.square().sum().backward();
  assert.equal(w.grad!.toArray(), [2, 4]);
  wg.noGrad(() => w.sub_(w.grad!.mul(0.5)));
  assert.equal(w.toArray(), [0, 0]);
});

test.run();
