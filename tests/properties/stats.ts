/** Properties of the statistics over dims: var/std (correction), norm (every p), logsumexp, cumsum. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, reduceAxes, broadcastBinary, forEachIndex, strides } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, shapeArb, dimArb, badDimArb, junkArb, nonIntegerArb, Data } from './harness.js';

const norm = (d: number, r: number) => (d < 0 ? d + r : d);

/** A dim spec for rank r: undefined/null (all), one dim, a list of distinct dims, or [] (all). */
const dimSpecArb = (r: number): fc.Arbitrary<number | number[] | undefined | null> => (r === 0 ? fc.constantFrom(undefined, null)
  : fc.oneof(fc.constantFrom(undefined, null, [] as number[]), dimArb(r), fc.uniqueArray(dimArb(r), { minLength: 1, maxLength: r, selector: (d) => norm(d, r) })));

function axesOf(dim: number | number[] | undefined | null, rank: number): number[] {
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return Array.from({ length: rank }, (_, i) => i);
  return (Array.isArray(dim) ? dim : [dim]).map((d) => norm(d, rank));
}

const reducedShape = (shape: number[], axes: number[], keepdim: boolean) => (keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)));

/** Σ(x − mean)² over axes (keepdim), in float64. */
function sumSquaredDeviations(x: Nd, axes: number[]): Nd {
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  const mean = reduceAxes(x, axes, true, 0, (s, v) => s + v).map((v) => v / count);
  return reduceAxes(broadcastBinary(x, mean, (v, m) => (v - m) ** 2), axes, true, 0, (s, v) => s + v);
}

function varRef(x: Nd, axes: number[], correction: number, keepdim: boolean, sqrt: boolean): Nd {
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  const v = sumSquaredDeviations(x, axes).map((s) => s / Math.max(0, count - correction)).map((s) => (sqrt ? Math.sqrt(s) : s));
  return new Nd(reducedShape(x.shape, axes, keepdim), v.data);
}

/** Values with a spread of 4·scale around a shift, so the deviations are small next to the values. */
const spreadArb = dataArb(shapeArb(0, 4, 1, 4), 'small').chain((a) => fc.record({
  a: fc.constant(a), scale: fc.constantFrom(1, 1e-3, 1e3), shift: fc.constantFrom(0, 0, 10, -100),
  dim: dimSpecArb(a.shape.length), keepdim: fc.boolean(), correction: fc.constantFrom(0, 1, 1, 2, 0.5),
  form: fc.constantFrom('unbiasedOption', 'options', 'unbiased'),
})).map((r) => ({ ...r, a: { shape: r.a.shape, values: r.a.values.map((v) => (Math.abs(v) < 1e-6 ? 0 : Math.fround(v * r.scale + r.shift * r.scale))) } }));
// (values below 1e-6 become 0: their squares underflow float32, so 0/0 = NaN where float64 says inf, in PyTorch too)

for (const op of ['var', 'std'] as const) {
  const isStd = op === 'std';
  const fn = isStd ? wg.std : wg.var;
  prop(isStd ? [op, 'Tensor.std'] : ['var', 'variance', 'Tensor.var'], `${op}(dim, { correction | unbiased, keepdim }) and ${op}(dim, unbiased, keepdim): any dims equal the two-pass float64 ${op} (inf/NaN where N − correction <= 0, as PyTorch)`,
    spreadArb, ({ a, dim, keepdim, correction, form }) => {
      const axes = axesOf(dim, a.shape.length);
      const corr = form === 'unbiased' ? (correction >= 1 ? 1 : 0) : correction;
      const want = varRef(N(a), axes, corr, keepdim, isStd);
      const M = Math.max(0, ...a.values.map(Math.abs));
      const call = (x: Tensor) => (form === 'options' ? fn(x, dim, { correction: corr, keepdim })
        : form === 'unbiased' ? fn(x, dim, corr === 1, keepdim) : fn(x, dim, { unbiased: corr === 1, keepdim }));
      if (form === 'unbiasedOption' && corr !== 0 && corr !== 1) return;
      const outs: [string, Tensor][] = [['function', call(T(a))]];
      outs.push(['method', form === 'options' ? T(a)[op](dim as number[], { correction: corr, keepdim }) : T(a)[op](dim as number[], corr === 1, keepdim)]);
      for (const [name, out] of outs) {
        sameShape(out, want.shape, `${op} ${name} of [${a.shape}] over ${JSON.stringify(dim)}`);
        const got = out.data();
        for (let i = 0; i < want.size; i++) {
          // float32 deviations carry ~1 ulp of the largest |x|: that error, times the spread, bounds the variance's
          const e = want.data[i], tolVar = 4e-7 * M * (M + Math.sqrt(Math.abs(isStd ? e * e : e))) + 1e-30;
          const tol = !isStd ? tolVar : e > 0 ? Math.min(Math.sqrt(tolVar), tolVar / (2 * e)) : Math.sqrt(tolVar);
          close([got[i]], [e], `${op} ${name} of [${a.shape}] over ${JSON.stringify(dim)} correction ${corr} (element ${i})`, 2e-6, tol);
        }
      }
    }, 60);
  prop(isStd ? 'std' : 'var', `${op}: the gradient matches finite differences (N − correction > 0)`, dataArb(shapeArb(1, 3, 1, 4), 'away').chain((a) => fc.tuple(fc.constant(a), dimSpecArb(a.shape.length), fc.constantFrom(0, 1))), ([a, dim, correction]) => {
    const axes = axesOf(dim, a.shape.length);
    if (axes.reduce((n, d) => n * a.shape[d], 1) <= correction) return;
    // std has a kink where all values of a slice are equal: keep each slice's spread away from 0
    if (isStd && varRef(N(a), axes, 0, false, true).data.some((v) => v < 0.1)) return;
    gradMatches(`${op} [${a.shape}] ${JSON.stringify(dim)} correction ${correction}`, ([t]) => fn(t, dim, { correction }), ([t]) => varRef(t, axes, correction, false, isStd), [a]);
  }, 30);
}

prop(['var', 'std'], 'var/std: unknown options (listing the valid ones), correction with unbiased, negative correction, junk keepdim and bad dims are errors naming the op',
  shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb, fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !['correction', 'unbiased', 'keepdim', '__proto__'].includes(k)))),
  ([s, bad, frac, junk, key]) => {
    const x = wg.zeros(s);
    for (const [op, fn] of [['var', wg.var], ['std', wg.std]] as const) {
      rejects(() => fn(x, 0, { [key]: 1 } as never), op, `${op} option ${key}`);
      try { fn(x, 0, { [key]: 1 } as never); } catch (e) {
        if (!/correction/.test((e as Error).message) || !/keepdim/.test((e as Error).message)) throw new Error(`${op}: the unknown-option error does not list the valid options: ${(e as Error).message}`);
      }
      rejects(() => fn(x, 0, { correction: 1, unbiased: true }), op, `${op} correction and unbiased`);
      rejects(() => fn(x, 0, { correction: -1 }), op, `${op} correction -1`);
      rejects(() => fn(x, 0, { correction: junk as number }), op, `${op} correction ${String(junk)}`);
      rejects(() => fn(x, bad), op, `${op} dim ${bad}`);
      rejects(() => fn(x, frac), op, `${op} dim ${frac}`);
      rejects(() => fn(x, [0, 0]), op, `${op} dims [0, 0]`);
      rejects(() => fn(x, 0, junk as boolean), op, `${op} unbiased ${String(junk)}`);
      rejects(() => fn(x, 0, true, junk as boolean), op, `${op} keepdim ${String(junk)}`);
      rejects(() => fn(x, 0, { keepdim: junk as boolean }), op, `${op} { keepdim: ${String(junk)} }`);
      rejects(() => fn(junk as Tensor), op, `${op}(${String(junk)})`);
    }
  }, 20);

// ---- norm ----------------------------------------------------------------------------------------

const ORDS = [2, 1, Infinity, -Infinity, 0, 3, 0.5, 'fro'] as const;

function normRef(x: Nd, p: number | 'fro', axes: number[], keepdim: boolean): Nd {
  const q = p === 'fro' ? 2 : p;
  const abs = x.map(Math.abs);
  let r: Nd;
  if (q === Infinity) r = reduceAxes(abs, axes, keepdim, -Infinity, Math.max);
  else if (q === -Infinity) r = reduceAxes(abs, axes, keepdim, Infinity, Math.min);
  else if (q === 0) r = reduceAxes(abs, axes, keepdim, 0, (s, v) => s + (v !== 0 ? 1 : 0));
  else r = reduceAxes(abs, axes, keepdim, 0, (s, v) => s + v ** q).map((s) => s ** (1 / q));
  return r;
}

prop(['norm', 'Tensor.norm'], 'norm(p, dim, keepdim): p = 2, 1, ±inf, 0, 3, 0.5, fro over any dims equals the float64 norm, values scaled 1e-3 to 1e3',
  dataArb(shapeArb(0, 4, 1, 4), 'small').chain((a) => fc.record({ a: fc.constant(a), p: fc.constantFrom(...ORDS), dim: dimSpecArb(a.shape.length), keepdim: fc.boolean(), scale: fc.constantFrom(1, 1e-3, 1e3) })),
  ({ a, p, dim, keepdim, scale }) => {
    // values below 1e-6 become 0: their powers underflow float32 (in PyTorch too: norm([1e-24]) is 0)
    const x = { shape: a.shape, values: a.values.map((v) => (Math.abs(v) < 1e-6 ? 0 : Math.fround(v * scale))) };
    const axes = axesOf(dim, x.shape.length);
    const want = normRef(N(x), p, axes, keepdim);
    for (const [form, out] of [['function', wg.norm(T(x), p, dim, keepdim)], ['method', T(x).norm(p, dim as number[], keepdim)]] as const) {
      sameShape(out, want.shape, `norm ${form} p ${p} of [${x.shape}] over ${JSON.stringify(dim)}`);
      close(out.data(), want.data, `norm ${form} p ${p} of [${x.shape}] over ${JSON.stringify(dim)}`, 2e-5, 1e-30);
    }
  }, 60);

prop('norm', 'norm: the gradient matches finite differences (values apart, so no kink or tie moves)', dataArb(shapeArb(1, 3, 1, 4), 'away').chain((a) => fc.tuple(fc.constant(a), fc.constantFrom(...ORDS), dimSpecArb(a.shape.length))), ([a, p, dim]) => {
  const sorted = a.values.map(Math.abs).sort((u, v) => u - v);
  if ((p === Infinity || p === -Infinity) && sorted.some((v, i) => i > 0 && v - sorted[i - 1] < 1e-3)) return;
  const axes = axesOf(dim, a.shape.length);
  gradMatches(`norm p ${p} [${a.shape}] ${JSON.stringify(dim)}`, ([t]) => wg.norm(t, p, dim), ([t]) => normRef(t, p, axes, false), [a]);
}, 40);

prop('norm', 'norm: with zero entries (all zero too) the gradient is sign(x)·|x|^(p−1)/‖x‖^(p−1), 0 at the zeros (as PyTorch), never NaN',
  dataArb(shapeArb(1, 3, 1, 4), 'away').chain((a) => fc.tuple(fc.constant(a), fc.array(fc.boolean(), { minLength: a.values.length, maxLength: a.values.length }), fc.constantFrom(1, 2, 3, 0.5, 'fro' as const), fc.boolean())),
  ([a, zero, p, allZero]) => {
    const x = { shape: a.shape, values: a.values.map((v, i) => (allZero || zero[i] ? 0 : v)) };
    const q = p === 'fro' ? 2 : p;
    const t = T(x, true);
    wg.norm(t, p).backward();
    const n = normRef(N(x), p, x.shape.map((_, i) => i), false).data[0];
    const want = x.values.map((v) => (v === 0 || n === 0 ? 0 : Math.sign(v) * Math.abs(v) ** (q - 1) / n ** (q - 1)));
    close(t.grad!.data(), want, `norm p ${p} gradient of [${x.values.map((v) => v.toPrecision(3))}]`, 1e-4, 1e-6);
  }, 25);

prop('norm', 'norm: a p that is not a number, ±inf over an empty dim, bad dims and junk keepdim are errors naming norm', shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), junkArb)), ([s, bad, junk]) => {
  const x = wg.zeros(s);
  rejects(() => wg.norm(x, junk as number), 'norm', `p ${String(junk)}`);
  rejects(() => wg.norm(x, NaN), 'norm', 'p NaN');
  rejects(() => wg.norm(wg.zeros([...s, 0]), Infinity, -1), 'norm', 'inf-norm of an empty dim');
  rejects(() => wg.norm(x, 2, bad), 'norm', `dim ${bad}`);
  rejects(() => wg.norm(x, 2, 0, junk as boolean), 'norm', `keepdim ${String(junk)}`);
  rejects(() => wg.norm(junk as Tensor), 'norm', `norm(${String(junk)})`);
}, 15);

// ---- logsumexp and cumsum ------------------------------------------------------------------------

function logsumexpRef(x: Nd, axes: number[], keepdim: boolean): Nd {
  const m = reduceAxes(x, axes, true, -Infinity, Math.max).map((v) => (Number.isFinite(v) ? v : 0));
  const s = reduceAxes(broadcastBinary(x, m, (v, mm) => Math.exp(v - mm)), axes, true, 0, (acc, v) => acc + v);
  const y = broadcastBinary(s, m, (v, mm) => Math.log(v) + mm);
  return new Nd(reducedShape(x.shape, axes, keepdim), y.data);
}

prop(['logsumexp', 'Tensor.logsumexp'], 'logsumexp(dim, keepdim): logits scaled up to 1e3·4 and shifted by ±1e4 (and −inf entries) keep float32 digits, no overflow',
  dataArb(shapeArb(1, 4, 1, 4), 'small').chain((a) => fc.record({
    a: fc.constant(a), dim: fc.oneof(dimArb(a.shape.length), fc.uniqueArray(dimArb(a.shape.length), { minLength: 1, maxLength: a.shape.length, selector: (d) => norm(d, a.shape.length) })),
    keepdim: fc.boolean(), scale: fc.constantFrom(1, 10, 1000), shift: fc.constantFrom(0, 1e4, -1e4), masked: fc.array(fc.boolean(), { minLength: a.values.length, maxLength: a.values.length }),
  })), ({ a, dim, keepdim, scale, shift, masked }) => {
    const x = { shape: a.shape, values: a.values.map((v, i) => (masked[i] && i % 3 === 0 ? -Infinity : Math.fround(v * scale + shift))) };
    const axes = axesOf(dim, x.shape.length);
    const want = logsumexpRef(N(x), axes, keepdim);
    for (const [form, out] of [['function', wg.logsumexp(T(x), dim, keepdim)], ['method', T(x).logsumexp(dim, keepdim)]] as const) {
      sameShape(out, want.shape, `logsumexp ${form} of [${x.shape}] over ${JSON.stringify(dim)}`);
      close(out.data(), want.data, `logsumexp ${form} of [${x.shape}] (×${scale} + ${shift}) over ${JSON.stringify(dim)}`, 2e-6, 2e-6);
    }
  }, 50);

prop('logsumexp', 'logsumexp: the gradient (a softmax) matches finite differences', dataArb(shapeArb(1, 3, 1, 4), 'small').chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length), fc.boolean())), ([a, dim, keepdim]) => {
  gradMatches(`logsumexp [${a.shape}] ${dim}`, ([t]) => wg.logsumexp(t, dim, keepdim), ([t]) => logsumexpRef(t, [norm(dim, a.shape.length)], keepdim), [a]);
}, 25);

function cumsumRef(x: Nd, d: number): Nd {
  const out = Nd.zeros(x.shape);
  if (x.shape.length === 0) return new Nd([], Float64Array.from(x.data));
  const st = strides(x.shape)[d];
  forEachIndex(x.shape, (idx, flat) => { out.data[flat] = x.data[flat] + (idx[d] > 0 ? out.data[flat - st] : 0); });
  return out;
}

prop(['cumsum', 'Tensor.cumsum'], 'cumsum(dim): the running sum along any dim, carried in float64 (any finite float32 values, 0-d too), with gradient',
  dataArb(shapeArb(0, 4, 0, 5), 'wide').chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length))), ([a, dim]) => {
    const want = cumsumRef(N(a), norm(dim, Math.max(1, a.shape.length)));
    for (const [form, out] of [['function', wg.cumsum(T(a), dim)], ['method', T(a).cumsum(dim)]] as const) {
      sameShape(out, a.shape, `cumsum ${form}`);
      close(out.data(), want.data, `cumsum ${form} of [${a.shape}] dim ${dim}`, 1.2e-7, 1e-38);
    }
    gradMatches(`cumsum [${a.shape}] ${dim}`, ([t]) => wg.cumsum(t, dim), ([t]) => cumsumRef(t, norm(dim, Math.max(1, a.shape.length))), [{ shape: a.shape, values: a.values.map((v) => Math.max(-4, Math.min(4, v))) }]);
  }, 40);

prop(['logsumexp', 'cumsum'], 'logsumexp/cumsum: a missing or bad dim, junk keepdim and non-tensors are errors naming the op', shapeArb(1, 3, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb)), ([s, bad, frac, junk]) => {
  const x = wg.zeros(s);
  for (const [op, fn] of [['logsumexp', wg.logsumexp], ['cumsum', wg.cumsum]] as const) {
    rejects(() => (fn as (t: Tensor) => Tensor)(x), op, `${op}() without dim`);
    rejects(() => fn(x, bad), op, `${op} dim ${bad}`);
    rejects(() => fn(x, frac), op, `${op} dim ${frac}`);
    rejects(() => fn(x, junk as number), op, `${op} dim ${String(junk)}`);
    rejects(() => fn(junk as Tensor, 0), op, `${op}(${String(junk)})`);
  }
  rejects(() => wg.logsumexp(x, 0, junk as boolean), 'logsumexp', `keepdim ${String(junk)}`);
}, 20);

export type { Data };
