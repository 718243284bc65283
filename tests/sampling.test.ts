/**
 * Random ops and initialisers, checked by their distributions (means, variances, frequencies,
 * bounds) on large seeded samples, by their seeding (same seed, same numbers), and by their
 * errors. Bounds are 5 standard errors or more, and the seed is fixed, so these do not flake.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { Tensor } from '../bindings/index.js';
import { registerCheck } from './helpers/coverage.js';

const test = suite('sampling');
test.before(async () => { await wg.init(); });

const stat = (ops: string[], name: string, fn: () => void) => {
  ops.forEach((op) => registerCheck(op, 'stat'));
  test(name, fn);
};

function moments(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.data();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) { s += x; s2 += x * x; min = Math.min(min, x); max = Math.max(max, x); }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} is not within ${tol} of ${want}`);

const N = 100000;

stat(['rand', 'randLike', 'uniform_'], 'rand, randLike, uniform_: U[a, b) moments and bounds; the same seed gives the same numbers', () => {
  wg.manualSeed(1);
  const a = wg.rand([N]);
  const m = moments(a);
  near(m.mean, 0.5, 0.005, 'rand mean');
  near(m.std, Math.sqrt(1 / 12), 0.005, 'rand std');
  assert.ok(m.min >= 0 && m.max < 1, 'rand in [0, 1)');
  const b = wg.randLike(a, { low: -3, high: 5 });
  const mb = moments(b);
  near(mb.mean, 1, 0.04, 'randLike mean');
  assert.ok(mb.min >= -3 && mb.max < 5, 'randLike in [low, high)');
  assert.equal(b.shape, a.shape);
  const c = wg.zeros([N]).uniform_(2, 4);
  const mc = moments(c);
  near(mc.mean, 3, 0.01, 'uniform_ mean');
  assert.ok(mc.min >= 2 && mc.max < 4, 'uniform_ in [from, to)');
  wg.manualSeed(9);
  const x1 = wg.rand([5]).data();
  wg.manualSeed(9);
  assert.equal(Array.from(wg.rand([5]).data()), Array.from(x1), 'same seed, same samples');
});

stat(['randn', 'randnLike', 'normal_'], 'randn, randnLike, normal_: N(mean, std²) moments', () => {
  wg.manualSeed(2);
  const m = moments(wg.randn([N]));
  near(m.mean, 0, 0.02, 'randn mean');
  near(m.std, 1, 0.02, 'randn std');
  const ml = moments(wg.randnLike(wg.zeros([N]), { mean: 2, std: 0.5 }));
  near(ml.mean, 2, 0.01, 'randnLike mean');
  near(ml.std, 0.5, 0.01, 'randnLike std');
  const t = wg.zeros([N]);
  assert.is(t.normal_(-1, 3), t, 'normal_ returns its tensor');
  const mn = moments(t);
  near(mn.mean, -1, 0.05, 'normal_ mean');
  near(mn.std, 3, 0.05, 'normal_ std');
  const y = wg.zeros([2]).add(wg.tensor([1, 2], { requiresGrad: true }));
  assert.throws(() => y.normal_(), /normal_: cannot overwrite a tensor computed by add/);
  assert.throws(() => wg.zeros([2]).normal_(0, -1), /std must be non-negative/);
});

stat(['randint', 'randperm'], 'randint covers [low, high) evenly; randperm is a permutation', () => {
  wg.manualSeed(3);
  const v = wg.randint(-2, 3, [N]).data();
  const counts = new Map<number, number>();
  for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
  assert.equal([...counts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  for (const c of counts.values()) near(c / N, 0.2, 0.01, 'randint frequency');
  const p = Array.from(wg.randperm(50)).sort((a, b) => a - b);
  assert.equal(p, Array.from({ length: 50 }, (_, i) => i));
});

stat(['F.dropout'], 'dropout keeps the mean (inverted scaling) and zeroes about p of the elements', () => {
  wg.manualSeed(4);
  const y = wg.nn.functional.dropout(wg.ones([N]), 0.3, true);
  const v = y.data();
  const zeros = v.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);
  near(zeros / N, 0.3, 0.01, 'dropped fraction');
  near(moments(y).mean, 1, 0.02, 'mean after dropout');
});

stat(['bernoulli'], 'bernoulli: 1 with probability p per element; p = 0 and 1 exact; zero gradient; bad p refused', () => {
  wg.manualSeed(5);
  const probs = wg.tensor([0, 0.1, 0.5, 0.9, 1]);
  const p = wg.expand(probs, [20000, 5]).detach().keep();
  p.requiresGrad = true;
  const s = wg.bernoulli(p);
  const freq = s.mean(0).data();
  [0, 0.1, 0.5, 0.9, 1].forEach((want, i) => near(freq[i], want, 0.015, `frequency at p=${want}`));
  assert.is(freq[0], 0);
  assert.is(freq[4], 1);
  s.sum().backward();
  assert.equal(Array.from(new Set(p.grad!.data())), [0], 'the gradient is zero');
  near(wg.bernoulli(wg.zeros([N]), 0.25).mean().item(), 0.25, 0.01, 'scalar p');
  assert.throws(() => wg.bernoulli(wg.tensor([0.5, 1.5])), /bernoulli: probabilities must be in \[0, 1\]; input \[2\] holds values in \[0.5, 1.5\]/);
});

stat(['multinomial'], 'multinomial: frequencies follow the weights; no repeats without replacement; clear errors', () => {
  wg.manualSeed(6);
  const w = wg.tensor([1, 0, 3, 6]);
  const s = wg.multinomial(w, 50000, true).data();
  const counts = [0, 0, 0, 0];
  for (const x of s) counts[x]++;
  [0.1, 0, 0.3, 0.6].forEach((want, i) => near(counts[i] / 50000, want, 0.01, `category ${i}`));
  const rows = wg.multinomial(wg.tensor([[1, 1, 1, 1, 0], [0, 5, 1, 1, 1]]), 4).toArray() as number[][];
  for (const r of rows) assert.is(new Set(r).size, 4, 'no category twice without replacement');
  assert.ok(!rows[0].includes(4) && !rows[1].includes(0), 'zero-weight categories are never drawn');
  // without replacement, the first draw follows the weights too
  const first = [0, 0, 0];
  for (let i = 0; i < 3000; i++) first[wg.multinomial(wg.tensor([1, 2, 7]), 2).data()[0]]++;
  [0.1, 0.2, 0.7].forEach((want, i) => near(first[i] / 3000, want, 0.04, `first draw ${i}`));
  assert.throws(() => wg.multinomial(wg.tensor([1, 2]), 3), /cannot draw 3 samples without replacement from 2 categories/);
  assert.throws(() => wg.multinomial(wg.tensor([1, -2]), 1), /weights must be finite and non-negative; got -2 at row 0, category 1/);
  assert.throws(() => wg.multinomial(wg.tensor([[1, 2], [0, 0]]), 1), /row 1 of the input \[2, 2\] has no positive weight/);
  assert.throws(() => wg.multinomial(wg.tensor([1, 0, 0]), 2), /row 0 has 1 categories with positive weight/);
});

stat(['nn.init.uniform', 'nn.init.normal', 'nn.init.constant', 'nn.init.zeros', 'nn.init.ones',
  'nn.init.xavierUniform', 'nn.init.xavierNormal', 'nn.init.kaimingUniform', 'nn.init.kaimingNormal'],
'nn.init: bounds and standard deviations follow PyTorch\'s formulas; fills are in place', () => {
  const init = wg.nn.init;
  wg.manualSeed(7);
  const w = wg.zeros([300, 400]);
  assert.is(init.uniform(w, -2, 3), w);
  let m = moments(w);
  assert.ok(m.min >= -2 && m.max < 3);
  init.normal(w, 1, 2);
  m = moments(w);
  near(m.mean, 1, 0.03, 'normal mean');
  near(m.std, 2, 0.03, 'normal std');
  assert.equal(new Set(init.constant(w, 0.5).data()), new Set([0.5]));
  assert.equal(new Set(init.zeros(w).data()), new Set([0]));
  assert.equal(new Set(init.ones(w).data()), new Set([1]));
  // fanIn = 400, fanOut = 300
  const xu = Math.sqrt(6 / 700);
  m = moments(init.xavierUniform(w));
  assert.ok(m.min >= -xu && m.max <= xu);
  near(m.std, xu / Math.sqrt(3), 0.003, 'xavierUniform std');
  near(moments(init.xavierNormal(w, 2)).std, 2 * Math.sqrt(2 / 700), 0.003, 'xavierNormal std');
  const ku = Math.sqrt(2) * Math.sqrt(3 / 400);
  m = moments(init.kaimingUniform(w, { nonlinearity: 'relu' }));
  assert.ok(m.min >= -ku && m.max <= ku);
  near(moments(init.kaimingNormal(w, { mode: 'fanOut' })).std, Math.sqrt(2 / 300), 0.002, 'kaimingNormal std');
});

stat(['nn.init.truncNormal', 'nn.init.orthogonal'], 'nn.init.truncNormal_: the truncated normal\'s bounds and moments; orthogonal_: orthonormal rows or columns, seeded', () => {
  const init = wg.nn.init;
  wg.manualSeed(8);
  const w = wg.zeros([200, 500]);
  assert.is(init.truncNormal_(w, 0.5, 1, -1, 1.5), w);
  let m = moments(w);
  assert.ok(m.min >= -1 && m.max <= 1.5, `in [a, b]: ${m.min} ${m.max}`);
  // N(0.5, 1) cut to [-1.5σ, +1σ] around the mean: mean 0.5 + (φ(−1.5) − φ(1))/Z, Z = Φ(1) − Φ(−1.5)
  const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  const Z = 0.8413447460685429 - 0.0668072012688581;
  near(m.mean, 0.5 + (phi(-1.5) - phi(1)) / Z, 0.01, 'truncNormal mean');
  const variance = 1 + (-1.5 * phi(-1.5) - 1 * phi(1)) / Z - ((phi(-1.5) - phi(1)) / Z) ** 2;
  near(m.std, Math.sqrt(variance), 0.01, 'truncNormal std');
  m = moments(init.truncNormal_(wg.zeros([20000])));
  assert.ok(m.min >= -2 && m.max <= 2);
  near(m.std, 0.8796, 0.02, 'truncNormal_ default std (N(0,1) cut at ±2)');
  assert.throws(() => init.truncNormal_(w, 0, 1, 8, 9), /init.truncNormal: \[a, b\] = \[8, 9\] holds too little/);
  for (const shape of [[6, 4], [3, 8], [4, 2, 3]]) {
    const q = init.orthogonal_(wg.zeros(shape), 2);
    const rows = shape[0], cols = q.size / rows;
    const flat = q.reshape([rows, cols]);
    const gram = rows >= cols ? flat.transpose(0, 1).matmul(flat) : flat.matmul(flat.transpose(0, 1));
    const k = Math.min(rows, cols);
    const g = gram.data();
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) near(g[i * k + j], i === j ? 4 : 0, 1e-5, `${JSON.stringify(shape)} gram[${i}, ${j}]`);
  }
  wg.manualSeed(3);
  const a = init.orthogonal_(wg.zeros([5, 5])).data();
  wg.manualSeed(3);
  assert.equal(Array.from(init.orthogonal_(wg.zeros([5, 5])).data()), Array.from(a), 'same seed, same matrix');
  assert.throws(() => init.orthogonal_(wg.zeros([5])), /init.orthogonal: only tensors with 2 or more dimensions are supported, got shape \[5\]/);
});

stat(['nn.utils.clipGradNorm_', 'nn.utils.clipGradValue_'], 'nn.utils.clipGradNorm_ / clipGradValue_: the total norm returned, gradients scaled or clamped in place', () => {
  const a = wg.tensor([[3, -4], [1, 2]], { requiresGrad: true });
  const b = wg.tensor([12], { requiresGrad: true });
  const c = wg.tensor([1], { requiresGrad: true }); // never gets a gradient: skipped
  a.mul(a.detach()).sum().add(b.mul(b.detach()).sum()).backward(); // grads a, b = their values
  const total = Math.sqrt(9 + 16 + 1 + 4 + 144);
  const n = wg.nn.utils.clipGradNorm_([a, b, c], 5);
  near(n.item(), total, 1e-5, 'total norm');
  const coef = 5 / (total + 1e-6);
  const ga = a.grad!.data();
  [3, -4, 1, 2].forEach((v, i) => near(ga[i], v * coef, 1e-6, `scaled grad ${i}`));
  near(b.grad!.item(), 12 * coef, 1e-5, 'scaled grad of b');
  // below the limit nothing changes; the inf norm is the largest magnitude
  near(wg.nn.utils.clipGradNorm_([a, b], 100, Infinity).item(), 12 * coef, 1e-5, 'inf norm');
  near(b.grad!.item(), 12 * coef, 1e-6, 'unchanged below maxNorm');
  near(wg.nn.utils.clipGradNorm_(a, 100, 1).item(), 10 * coef, 1e-5, '1-norm of one tensor');
  wg.nn.utils.clipGradValue_([a, b], 0.5);
  assert.equal(Array.from(a.grad!.data()).map((v) => Math.round(v * 1e4) / 1e4), [0.5, -0.5, Math.round(coef * 1e4) / 1e4, 0.5]);
  near(b.grad!.item(), 0.5, 0, 'clamped');
  b.grad!.fill_(Infinity);
  assert.throws(() => wg.nn.utils.clipGradNorm_(b, 1, 2, true), /clipGradNorm_: the total norm of order 2 of the gradients is Infinity/);
  assert.throws(() => wg.nn.utils.clipGradNorm_(5 as unknown as wg.Tensor, 1), /clipGradNorm_: parameters must be a Tensor or an iterable/);
});

test.run();
