/**
 * Properties of the sampling ops on the seeded generator: bernoulli, multinomial, normal_,
 * uniform_. Exact where the distribution is degenerate (p 0 or 1, one positive weight, std 0),
 * within 6 standard errors where it is not, the same bytes for the same seed, and bad arguments
 * are errors naming the op.
 */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { prop, close, rejects, sameShape, shapeArb, junkArb, nonIntegerArb } from './harness.js';

const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;

prop(['bernoulli', 'Tensor.bernoulli'], 'bernoulli(probs) and bernoulli(x, p): 0/1 only, exact at 0 and 1, a mean within 6 standard errors of p, the same for the same seed, no gradient to the probabilities',
  fc.tuple(shapeArb(0, 3, 0, 4), fc.constantFrom(0, 1, 0.5, 0.1, 0.97), fc.integer({ min: 0, max: 2 ** 31 - 1 })), ([s, p, seed]) => {
    wg.manualSeed(seed);
    const probs = wg.full(s, p, { requiresGrad: true });
    const a = wg.bernoulli(probs);
    sameShape(a, s, 'bernoulli');
    const va = a.data();
    if (!va.every((v) => v === 0 || v === 1)) throw new Error(`bernoulli: values other than 0/1: ${Array.from(va)}`);
    if (p === 0 || p === 1) close(va, new Array(va.length).fill(p), `bernoulli(${p})`, 0, 0);
    a.sum().backward();
    close(probs.grad!.data(), new Array(va.length).fill(0), 'bernoulli gradient', 0, 0);
    wg.manualSeed(seed);
    close(wg.full(s, p).bernoulli().data(), va, 'bernoulli with the same seed', 0, 0);
    const big = wg.bernoulli(wg.zeros(4000), p).data();
    const m = mean(big), se = Math.sqrt((p * (1 - p)) / big.length);
    if (Math.abs(m - p) > 6 * se + 1e-9) throw new Error(`bernoulli(x, ${p}): mean ${m} over ${big.length} draws, more than 6 standard errors (${se.toExponential(2)}) from p`);
    // probabilities that differ per element: at 0 and 1 exactly, anything else 0/1
    const mixed = wg.tensor([0, 1, 0.5, 1, 0]).bernoulli().data();
    close([mixed[0], mixed[1], mixed[3], mixed[4]], [0, 1, 1, 0], 'bernoulli of [0, 1, 0.5, 1, 0]', 0, 0);
  }, 25);

prop('bernoulli', 'bernoulli: probabilities outside [0, 1] or NaN, a p outside [0, 1], and non-tensors are errors naming bernoulli',
  fc.tuple(fc.oneof(fc.double({ min: 1.0001, max: 1e30 }), fc.double({ min: -1e30, max: -1e-6 }), fc.constant(NaN)), junkArb), ([bad, junk]) => {
    rejects(() => wg.bernoulli(wg.tensor([0.5, bad])), 'bernoulli', `probability ${bad}`);
    rejects(() => wg.bernoulli(wg.zeros(2), bad), 'bernoulli', `p ${bad}`);
    rejects(() => wg.bernoulli(wg.zeros(2), junk as number), 'bernoulli', `p ${String(junk)}`);
    rejects(() => wg.bernoulli(junk as Tensor), 'bernoulli', `bernoulli(${String(junk)})`);
  }, 20);

prop(['multinomial', 'Tensor.multinomial'], 'multinomial(weights, n, replacement): indices of positive weights only, distinct without replacement, frequencies near the weights, the same for the same seed',
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), fc.boolean())
    .chain(([rows, C, seed, replacement, twoD]) => fc.tuple(fc.constant({ rows: twoD ? rows : 1, C, seed, replacement, twoD }),
      fc.array(fc.oneof(fc.constant(0), fc.float({ min: Math.fround(0.01), max: 100, noNaN: true })), { minLength: (twoD ? rows : 1) * C, maxLength: (twoD ? rows : 1) * C }))),
  ([{ rows, C, seed, replacement, twoD }, raw]) => {
    // every row keeps at least one positive weight
    const w = raw.map((v, i) => (i % C === 0 && raw.slice(i, i + C).every((u) => u === 0) ? 1 : v));
    const positive = (r: number) => w.slice(r * C, (r + 1) * C).filter((v) => v > 0).length;
    const n = replacement ? 5 : Math.min(...Array.from({ length: rows }, (_, r) => positive(r)));
    const weights = wg.tensor(w, { shape: twoD ? [rows, C] : [C] });
    wg.manualSeed(seed);
    const out = wg.multinomial(weights, n, replacement);
    sameShape(out, twoD ? [rows, n] : [n], 'multinomial');
    const v = out.data();
    for (let r = 0; r < rows; r++) {
      const picks = Array.from(v.subarray(r * n, (r + 1) * n));
      for (const c of picks) if (!(Number.isInteger(c) && c >= 0 && c < C && w[r * C + c] > 0)) throw new Error(`multinomial: row ${r} drew ${c}, whose weight is ${w[r * C + c]} (weights ${w.slice(r * C, (r + 1) * C)})`);
      if (!replacement && new Set(picks).size !== picks.length) throw new Error(`multinomial without replacement: row ${r} drew ${picks} (repeats)`);
    }
    wg.manualSeed(seed);
    close(weights.multinomial(n, replacement).data(), v, 'multinomial with the same seed', 0, 0);
    // frequencies with replacement over 3000 draws of row 0, within 6 standard errors
    const draws = wg.multinomial(wg.tensor(w.slice(0, C)), 3000, true).data();
    const total = w.slice(0, C).reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) {
      const p = w[c] / total, f = draws.filter((d) => d === c).length / draws.length;
      if (Math.abs(f - p) > 6 * Math.sqrt((p * (1 - p)) / draws.length) + 1e-9) throw new Error(`multinomial: category ${c} drawn with frequency ${f}, weight share ${p}`);
    }
  }, 25);

prop('multinomial', 'multinomial: wrong ranks, negative, NaN or infinite weights, a zero row, too many draws without replacement, bad counts and non-tensors are errors naming multinomial',
  fc.tuple(fc.integer({ min: 1, max: 4 }), nonIntegerArb, junkArb, fc.constantFrom(-1, NaN, Infinity, -Infinity)), ([C, frac, junk, bad]) => {
    const w = wg.ones(C);
    rejects(() => wg.multinomial(wg.ones([]), 1), 'multinomial', '0-d');
    rejects(() => wg.multinomial(wg.ones(1, 1, C), 1), 'multinomial', '3-D');
    rejects(() => wg.multinomial(wg.tensor([...new Array(C).fill(1), bad]), 1), 'multinomial', `weight ${bad}`);
    rejects(() => wg.multinomial(wg.zeros(2, C), 1, true), 'multinomial', 'a zero row');
    rejects(() => wg.multinomial(w, C + 1), 'multinomial', `${C + 1} of ${C} without replacement`);
    rejects(() => wg.multinomial(wg.tensor([1, ...new Array(C).fill(0)]), 2), 'multinomial', '2 draws from 1 positive weight');
    rejects(() => wg.multinomial(w, 0), 'multinomial', 'numSamples 0');
    rejects(() => wg.multinomial(w, frac, true), 'multinomial', `numSamples ${frac}`);
    rejects(() => wg.multinomial(w, 1, junk as boolean), 'multinomial', `replacement ${String(junk)}`);
    rejects(() => wg.multinomial(junk as Tensor, 1), 'multinomial', `multinomial(${String(junk)})`);
  }, 20);

prop(['normal_', 'Tensor.normal_', 'uniform_', 'Tensor.uniform_'], 'normal_(mean, std) and uniform_(from, to): in place (the same tensor back), finite, in range, moments within 6 standard errors, exact when std = 0 or from = to, the same for the same seed',
  fc.tuple(shapeArb(0, 3, 0, 3), fc.float({ min: -100, max: 100, noNaN: true }), fc.constantFrom(0, 1e-3, 1, 30), fc.float({ min: -100, max: 100, noNaN: true }), fc.constantFrom(0, 1e-3, 1, 50), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
  ([s, mu, sd, from, width, seed]) => {
    const to = Math.fround(from + width);
    const x = wg.zeros(s);
    wg.manualSeed(seed);
    for (const [name, y] of [['normal_', wg.normal_(x, mu, sd)], ['Tensor.normal_', x.normal_(mu, sd)], ['uniform_', wg.uniform_(x, from, to)], ['Tensor.uniform_', x.uniform_(from, to)]] as const) {
      if (y !== x) throw new Error(`${name}: returned another tensor, not its target`);
    }
    wg.manualSeed(seed);
    const a = wg.normal_(wg.zeros(s), mu, sd).data();
    wg.manualSeed(seed);
    close(wg.zeros(s).normal_(mu, sd).data(), a, 'normal_ with the same seed', 0, 0);
    if (sd === 0) close(a, new Array(a.length).fill(mu), 'normal_ with std 0', 0, 0);
    const u = wg.uniform_(wg.zeros(s), from, to).data();
    if (!u.every((v) => (v >= from && v < to) || (from === to && v === from))) throw new Error(`uniform_(${from}, ${to}): values outside [from, to): ${Array.from(u)}`);
    const big = wg.normal_(wg.zeros(4000), mu, sd).data();
    if (!big.every(Number.isFinite)) throw new Error('normal_: a non-finite sample');
    const m = mean(big), se = sd / Math.sqrt(big.length);
    if (Math.abs(m - mu) > 6 * se + 1e-6 * Math.abs(mu) + 1e-9) throw new Error(`normal_(${mu}, ${sd}): mean ${m} over ${big.length} samples`);
    const v = mean(big.map((t) => (t - m) ** 2));
    if (sd > 0 && Math.abs(Math.sqrt(v) / sd - 1) > 0.1) throw new Error(`normal_(${mu}, ${sd}): standard deviation ${Math.sqrt(v)}`);
    const ub = wg.uniform_(wg.zeros(4000), from, to).data();
    const um = mean(ub), use = width / Math.sqrt(12 * ub.length);
    if (Math.abs(um - (from + to) / 2) > 6 * use + 1e-6 * Math.abs(from) + 1e-9) throw new Error(`uniform_(${from}, ${to}): mean ${um}`);
  }, 25);

prop(['normal_', 'uniform_'], 'normal_/uniform_: a negative or non-finite std, from > to, non-numbers and non-tensors are errors naming the op',
  fc.tuple(fc.constantFrom(NaN, Infinity, -Infinity), junkArb, fc.double({ min: 1e-6, max: 1e6, noNaN: true })), ([bad, junk, gap]) => {
    const x = wg.zeros(3);
    rejects(() => wg.normal_(x, 0, -gap), 'normal_', `std ${-gap}`);
    rejects(() => wg.normal_(x, bad, 1), 'normal_', `mean ${bad}`);
    rejects(() => wg.normal_(x, 0, bad), 'normal_', `std ${bad}`);
    rejects(() => wg.normal_(x, junk as number), 'normal_', `mean ${String(junk)}`);
    rejects(() => wg.normal_(junk as Tensor), 'normal_', `normal_(${String(junk)})`);
    rejects(() => wg.uniform_(x, gap, 0), 'uniform_', `from ${gap} > to 0`);
    rejects(() => wg.uniform_(x, bad, 1), 'uniform_', `from ${bad}`);
    rejects(() => wg.uniform_(x, 0, junk as number), 'uniform_', `to ${String(junk)}`);
    rejects(() => wg.uniform_(junk as Tensor), 'uniform_', `uniform_(${String(junk)})`);
  }, 20);

