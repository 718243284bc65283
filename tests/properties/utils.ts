/**
 * Properties of the last issue-13 utilities: the losses klDiv, huberLoss, smoothL1Loss (and their
 * modules), nn.utils.clipGradNorm_/clipGradValue_, nn.init.truncNormal_/orthogonal_.
 */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor, nn } from '../../bindings/index.js';
import { Nd } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, junkArb, Data } from './harness.js';

const F = nn.functional;
type Reduction = 'none' | 'mean' | 'sum';

function reduceRef(terms: Nd, reduction: string, batch = 1): Nd {
  if (reduction === 'none') return terms;
  const s = terms.data.reduce((a, b) => a + b, 0);
  return Nd.from([], [reduction === 'sum' ? s : reduction === 'batchmean' ? s / batch : s / terms.size]);
}

// ---- klDiv ---------------------------------------------------------------------------------------

prop(['F.klDiv', 'nn.KLDivLoss'], 'klDiv(input, target, { reduction, logTarget }): Σ target·(log target − input) (0 where target = 0), exp(t)·(t − input) for log targets; mean, batchmean, sum, none; module = function; with gradients',
  dataArb(shapeArb(1, 3, 1, 4), 'small').chain((x) => fc.record({
    x: fc.constant(x), t: dataOf(x.shape, 'unit'), zeros: fc.array(fc.boolean(), { minLength: x.values.length, maxLength: x.values.length }),
    reduction: fc.constantFrom('none', 'mean', 'sum', 'batchmean'), logTarget: fc.boolean(),
  })), ({ x, t, zeros, reduction, logTarget }) => {
    const target: Data = { shape: t.shape, values: t.values.map((v, i) => (logTarget ? Math.fround(Math.log(v)) : zeros[i] && i % 2 === 0 ? 0 : v)) };
    const ref = ([inp, tg]: Nd[]) => reduceRef(new Nd(inp.shape, inp.data.map((v, i) => {
      const q = tg.data[i];
      return logTarget ? Math.exp(q) * (q - v) : q === 0 ? 0 : q * (Math.log(q) - v);
    })), reduction, x.shape[0]);
    const want = ref([N(x), N(target)]);
    const options = { reduction: reduction as Reduction, logTarget };
    for (const [form, out] of [['function', F.klDiv(T(x), T(target), options)], ['module', new nn.KLDivLoss(options).forward(T(x), T(target))]] as const) {
      sameShape(out, want.shape, `klDiv ${form} ${reduction}`);
      close(out.data(), want.data, `klDiv ${form} [${x.shape}] ${reduction} logTarget ${logTarget}`, 1e-5, 1e-6);
    }
    gradMatches(`klDiv [${x.shape}] ${reduction} logTarget ${logTarget}`, ([a, b]) => F.klDiv(a, b, options), ref, [x, target], [true, !zeros.some(Boolean) || logTarget]);
  }, 40);

// ---- huberLoss, smoothL1Loss ---------------------------------------------------------------------

const huber = (d: number, delta: number) => (Math.abs(d) < delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));

prop(['F.huberLoss', 'nn.HuberLoss', 'F.smoothL1Loss', 'nn.SmoothL1Loss'], 'huberLoss { delta } and smoothL1Loss { beta } (beta 0: L1): quadratic inside, linear outside, any reduction; module = function; gradients away from the joints',
  dataArb(shapeArb(0, 3, 1, 4), 'small').chain((x) => fc.record({
    x: fc.constant(x), t: dataOf(x.shape, 'small'), k: fc.constantFrom(1, 0.5, 2, 0.1), beta: fc.constantFrom(1, 0.5, 0, 2), reduction: fc.constantFrom<Reduction>('none', 'mean', 'sum'),
  })), ({ x, t, k, beta, reduction }) => {
    const href = ([a, b]: Nd[]) => reduceRef(new Nd(a.shape, a.data.map((v, i) => huber(v - b.data[i], k))), reduction);
    const sref = ([a, b]: Nd[]) => reduceRef(new Nd(a.shape, a.data.map((v, i) => (beta === 0 ? Math.abs(v - b.data[i]) : huber(v - b.data[i], beta) / beta))), reduction);
    const hw = href([N(x), N(t)]), sw = sref([N(x), N(t)]);
    for (const [form, out] of [['function', F.huberLoss(T(x), T(t), { delta: k, reduction })], ['module', new nn.HuberLoss({ delta: k, reduction }).forward(T(x), T(t))]] as const) {
      sameShape(out, hw.shape, `huberLoss ${form}`);
      close(out.data(), hw.data, `huberLoss ${form} [${x.shape}] delta ${k} ${reduction}`, 1e-5, 1e-6);
    }
    for (const [form, out] of [['function', F.smoothL1Loss(T(x), T(t), { beta, reduction })], ['module', new nn.SmoothL1Loss({ beta, reduction }).forward(T(x), T(t))]] as const) {
      sameShape(out, sw.shape, `smoothL1Loss ${form}`);
      close(out.data(), sw.data, `smoothL1Loss ${form} [${x.shape}] beta ${beta} ${reduction}`, 1e-5, 1e-6);
    }
    const d = x.values.map((v, i) => Math.abs(v - t.values[i]));
    if (d.every((v) => Math.abs(v - k) > 1e-3)) gradMatches(`huberLoss delta ${k}`, ([a, b]) => F.huberLoss(a, b, { delta: k, reduction }), href, [x, t]);
    if (d.every((v) => Math.abs(v - beta) > 1e-3)) gradMatches(`smoothL1Loss beta ${beta}`, ([a, b]) => F.smoothL1Loss(a, b, { beta, reduction }), sref, [x, t]);
  }, 40);

prop(['F.klDiv', 'F.huberLoss', 'F.smoothL1Loss'], 'klDiv/huberLoss/smoothL1Loss: shape mismatches, bad reductions, delta <= 0, beta < 0, unknown options and non-tensors are errors naming the op',
  fc.tuple(shapeArb(1, 3, 2, 3), junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !['reduction', 'delta', 'beta', 'logTarget', '__proto__'].includes(s))), ([s, junk, key]) => {
    const x = wg.zeros(s), bigger = wg.zeros([...s.slice(0, -1), s[s.length - 1] + 1]);
    for (const [op, fn] of [['klDiv', F.klDiv], ['huberLoss', F.huberLoss], ['smoothL1Loss', F.smoothL1Loss]] as const) {
      rejects(() => fn(x, bigger), op, `${op} [${s}] vs [${bigger.shape}]`);
      rejects(() => fn(x, x, { reduction: 'avg' as never }), op, `${op} reduction 'avg'`);
      rejects(() => fn(x, x, { [key]: 1 } as never), op, `${op} option ${key}`);
      rejects(() => fn(junk as Tensor, x), op, `${op}(${String(junk)})`);
    }
    rejects(() => F.huberLoss(x, x, { delta: 0 }), 'huberLoss', 'delta 0');
    rejects(() => F.huberLoss(x, x, { delta: junk as number }), 'huberLoss', `delta ${String(junk)}`);
    rejects(() => F.smoothL1Loss(x, x, { beta: -1 }), 'smoothL1Loss', 'beta -1');
    rejects(() => F.klDiv(x, x, { logTarget: junk as boolean }), 'klDiv', `logTarget ${String(junk)}`);
    rejects(() => F.huberLoss(x, x, { reduction: 'batchmean' as never }), 'huberLoss', 'batchmean');
  }, 15);

// ---- nn.utils clipping ---------------------------------------------------------------------------

const paramsArb = fc.array(dataArb(shapeArb(0, 2, 0, 3), 'small'), { minLength: 1, maxLength: 3 }).chain((ps) => fc.tuple(fc.constant(ps), fc.array(fc.boolean(), { minLength: ps.length, maxLength: ps.length })));

/** Leaf tensors whose .grad is the data (or none where `noGrad`), as after a backward pass. */
function withGrads(ps: Data[], noGrad: boolean[]): Tensor[] {
  return ps.map((p, i) => {
    const t = wg.zeros(p.shape, { requiresGrad: true });
    if (!noGrad[i]) t.mul(T(p)).sum().backward();
    return t;
  });
}

prop('nn.utils.clipGradNorm_', 'clipGradNorm_(params, maxNorm, normType): returns the total norm of all gradients (p = 1, 2, 3, ∞), scales them by maxNorm / (norm + 1e-6) when that is below 1, skips params without a gradient',
  fc.tuple(paramsArb, fc.constantFrom(0.1, 1, 5, 100), fc.constantFrom(2, 1, 3, Infinity)), ([[ps, noGrad], maxNorm, p]) => {
    const params = withGrads(ps, noGrad);
    const all = ps.flatMap((d, i) => (noGrad[i] ? [] : d.values));
    const total = p === Infinity ? Math.max(0, ...all.map(Math.abs)) : all.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
    const out = nn.utils.clipGradNorm_(params, maxNorm, p);
    sameShape(out, [], 'clipGradNorm_ result');
    close(out.data(), [total], `clipGradNorm_ total ${p}-norm`, 1e-5, 1e-6);
    const coef = Math.min(1, maxNorm / (total + 1e-6));
    params.forEach((t, i) => {
      if (noGrad[i]) { if (t.grad) throw new Error('clipGradNorm_: a parameter without a gradient got one'); return; }
      close(t.grad!.data(), ps[i].values.map((v) => v * coef), `clipGradNorm_ gradient ${i} (coef ${coef})`, 1e-6, 1e-7);
    });
  }, 30);

prop('nn.utils.clipGradValue_', 'clipGradValue_(params, clipValue): every gradient entry clamped into [−clipValue, clipValue], params without a gradient skipped', fc.tuple(paramsArb, fc.constantFrom(0, 0.5, 1, 3)), ([[ps, noGrad], c]) => {
  const params = withGrads(ps, noGrad);
  nn.utils.clipGradValue_(params, c);
  params.forEach((t, i) => {
    if (noGrad[i]) return;
    close(t.grad!.data(), ps[i].values.map((v) => Math.min(c, Math.max(-c, v))), `clipGradValue_ ${c} gradient ${i}`, 0, 0);
  });
}, 25);

prop(['nn.utils.clipGradNorm_', 'nn.utils.clipGradValue_'], 'clipGradNorm_/clipGradValue_: negative or non-finite limits, a non-positive normType, a non-finite norm with errorIfNonfinite, and parameters that are not tensors are errors naming the op',
  fc.tuple(junkArb, fc.constantFrom(-1, NaN, -Infinity)), ([junk, bad]) => {
    const t = withGrads([{ shape: [2], values: [1, 2] }], [false]);
    rejects(() => nn.utils.clipGradNorm_(t, bad), 'clipGradNorm_', `maxNorm ${bad}`);
    rejects(() => nn.utils.clipGradNorm_(t, 1, 0), 'clipGradNorm_', 'normType 0');
    rejects(() => nn.utils.clipGradNorm_(t, 1, junk as number), 'clipGradNorm_', `normType ${String(junk)}`);
    rejects(() => nn.utils.clipGradNorm_(junk as Tensor, 1), 'clipGradNorm_', `params ${String(junk)}`);
    rejects(() => nn.utils.clipGradNorm_([t[0], junk as Tensor], 1), 'clipGradNorm_', `params [t, ${String(junk)}]`);
    const inf = withGrads([{ shape: [2], values: [Infinity, 1] }], [false]);
    rejects(() => nn.utils.clipGradNorm_(inf, 1, 2, true), 'clipGradNorm_', 'an infinite norm with errorIfNonfinite');
    rejects(() => nn.utils.clipGradValue_(t, bad), 'clipGradValue_', `clipValue ${bad}`);
    rejects(() => nn.utils.clipGradValue_(junk as Tensor, 1), 'clipGradValue_', `params ${String(junk)}`);
  }, 15);

// ---- init.truncNormal_, init.orthogonal_ ---------------------------------------------------------

prop(['nn.init.truncNormal', 'nn.init.truncNormal_'], 'truncNormal_(t, mean, std, a, b): in place, every value in [a, b], the same bytes for the same seed, a mean near the truncated law\'s',
  fc.tuple(shapeArb(0, 3, 0, 4), fc.constantFrom(0, 1, -2), fc.constantFrom(1, 0.5, 3), fc.constantFrom<[number, number]>([-2, 2], [-1, 3], [0, 1], [-0.5, 0.5]), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
  ([s, mean, std, [a, b], seed]) => {
    const t = wg.zeros(s);
    wg.manualSeed(seed);
    // An interval holding under 0.1 % of the law is refused by design (rejection sampling would crawl).
    const erf = (x: number) => { const k = 1 / (1 + 0.3275911 * Math.abs(x)); const y = 1 - (((((1.061405429 * k - 1.453152027) * k) + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-x * x); return x >= 0 ? y : -y; };
    const cdf = (x: number) => 0.5 * (1 + erf((x - mean) / (std * Math.SQRT2)));
    const mass = cdf(b) - cdf(a);
    if (mass < 2e-3) {
      // Refused or not depending on how many draws the tensor needs; if it is filled, every value is in [a, b].
      try { nn.init.truncNormal_(t, mean, std, a, b); } catch (err) { rejects(() => { throw err; }, 'init.truncNormal', `[${a}, ${b}] under N(${mean}, ${std}²)`); return; }
      if (!t.data().every((x) => x >= a && x <= b)) throw new Error(`truncNormal_(${mean}, ${std}, [${a}, ${b}]): values outside`);
      return;
    }
    if (nn.init.truncNormal_(t, mean, std, a, b) !== t) throw new Error('truncNormal_: returned another tensor');
    const v = t.data();
    if (!v.every((x) => x >= a && x <= b)) throw new Error(`truncNormal_(${mean}, ${std}, [${a}, ${b}]): values outside: ${Array.from(v)}`);
    wg.manualSeed(seed);
    close(nn.init.truncNormal(wg.zeros(s), mean, std, a, b).data(), v, 'truncNormal_ with the same seed', 0, 0);
    // the truncated normal's mean: μ + σ(φ(α) − φ(β)) / (Φ(β) − Φ(α)), by numeric integration
    const pdf = (z: number) => Math.exp(-0.5 * z * z);
    let num = 0, den = 0;
    for (let i = 0; i < 4000; i++) {
      const x = a + ((i + 0.5) / 4000) * (b - a), w = pdf((x - mean) / std);
      num += x * w; den += w;
    }
    const big = nn.init.truncNormal_(wg.zeros(4000), mean, std, a, b).data();
    const m = big.reduce((p, q) => p + q, 0) / big.length;
    if (Math.abs(m - num / den) > 6 * ((b - a) / Math.sqrt(12)) / Math.sqrt(big.length)) throw new Error(`truncNormal_(${mean}, ${std}, [${a}, ${b}]): mean ${m}, the law's ${num / den}`);
  }, 20);

prop(['nn.init.orthogonal', 'nn.init.orthogonal_'], 'orthogonal_(t, gain): rows (or columns, whichever are fewer) orthonormal times gain, any rank >= 2 flattened as [rows, rest], the same for the same seed',
  fc.tuple(fc.integer({ min: 1, max: 5 }), shapeArb(1, 2, 1, 4), fc.constantFrom(1, 2, 0.5), fc.integer({ min: 0, max: 2 ** 31 - 1 })), ([rows, rest, gain, seed]) => {
    const t = wg.zeros([rows, ...rest]);
    wg.manualSeed(seed);
    if (nn.init.orthogonal_(t, gain) !== t) throw new Error('orthogonal_: returned another tensor');
    const q = t.data(), cols = q.length / rows;
    const fewer = Math.min(rows, cols);
    const gram = new Array(fewer * fewer).fill(0);
    for (let i = 0; i < fewer; i++) for (let j = 0; j < fewer; j++) {
      let s = 0;
      if (rows <= cols) for (let k = 0; k < cols; k++) s += q[i * cols + k] * q[j * cols + k];
      else for (let k = 0; k < rows; k++) s += q[k * cols + i] * q[k * cols + j];
      gram[i * fewer + j] = s;
    }
    close(gram, Array.from({ length: fewer * fewer }, (_, i) => (Math.floor(i / fewer) === i % fewer ? gain * gain : 0)), `orthogonal_ [${t.shape}] gain ${gain}: QQᵀ`, 1e-5, 1e-5);
    wg.manualSeed(seed);
    close(nn.init.orthogonal(wg.zeros(t.shape), gain).data(), q, 'orthogonal_ with the same seed', 0, 0);
  }, 25);

prop(['nn.init.truncNormal', 'nn.init.orthogonal'], 'truncNormal_/orthogonal_: an empty interval, a negative std, 1-D tensors, junk gains and non-tensors are errors naming the initialiser', junkArb, (junk) => {
  rejects(() => nn.init.truncNormal_(wg.zeros(3), 0, 1, 1, -1), 'init.truncNormal', '[1, -1]');
  rejects(() => nn.init.truncNormal_(wg.zeros(3), 0, -1), 'init.truncNormal', 'std -1');
  rejects(() => nn.init.truncNormal_(wg.zeros(3), junk as number), 'init.truncNormal', `mean ${String(junk)}`);
  rejects(() => nn.init.truncNormal_(junk as Tensor), 'init.truncNormal', `truncNormal_(${String(junk)})`);
  rejects(() => nn.init.orthogonal_(wg.zeros(3)), 'init.orthogonal', '1-D');
  rejects(() => nn.init.orthogonal_(wg.zeros(2, 2), junk as number), 'init.orthogonal', `gain ${String(junk)}`);
  rejects(() => nn.init.orthogonal_(junk as Tensor), 'init.orthogonal', `orthogonal_(${String(junk)})`);
}, 15);
