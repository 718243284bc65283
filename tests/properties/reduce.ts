/** Properties of the reductions and softmax: any dims (negative, lists, keepdim), values, gradients. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, reduceAxes, softmaxRef } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataArb, shapeArb, dimArb, badDimArb, junkArb, nonIntegerArb, Data } from './harness.js';

const norm = (d: number, r: number) => (d < 0 ? d + r : d);

/** A shape with rank ≥ minRank and a dim spec: undefined (all), one dim, or a list. */
function withDims(minRank: number, lists: true): fc.Arbitrary<{ a: Data; dim: number | number[] | undefined; keepdim: boolean }>;
function withDims(minRank: number, lists: false): fc.Arbitrary<{ a: Data; dim: number | undefined; keepdim: boolean }>;
function withDims(minRank: number, lists: boolean): fc.Arbitrary<{ a: Data; dim: number | number[] | undefined; keepdim: boolean }> {
  // 'big' keeps every partial sum inside float32's range (beyond it float32 sums overflow, in PyTorch too)
  return dataArb(shapeArb(minRank, 4, 1, 4), 'big').chain((a) => fc.record({
    a: fc.constant(a),
    dim: a.shape.length === 0 ? fc.constant(undefined)
      : lists ? fc.oneof(fc.constant(undefined), dimArb(a.shape.length), fc.uniqueArray(dimArb(a.shape.length), { minLength: 1, maxLength: a.shape.length, selector: (d) => norm(d, a.shape.length) }))
        : fc.oneof(fc.constant(undefined), dimArb(a.shape.length)),
    keepdim: fc.boolean(),
  }));
}

function axesOf(dim: number | number[] | undefined, rank: number): number[] {
  if (dim === undefined) return Array.from({ length: rank }, (_, i) => i);
  return (Array.isArray(dim) ? dim : [dim]).map((d) => norm(d, rank));
}

/** Sums lose float32 digits in proportion to the magnitudes added: tolerance from Σ|x|. */
function sumTol(x: Nd, axes: number[], keepdim: boolean): number[] {
  return Array.from(reduceAxes(x.map(Math.abs), axes, keepdim, 0, (a, v) => a + v).data, (s) => 4e-7 * s + 1e-30);
}

function closeWithin(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number[], what: string): void {
  for (let i = 0; i < expected.length; i++) close([actual[i]], [expected[i]], `${what} (element ${i})`, 1e-6, tol[i]);
}

for (const op of ['sum', 'mean'] as const) {
  prop([op, `Tensor.${op}`], `${op}: over any dims (negative, lists, keepdim) equals the float64 sum`, withDims(0, true), ({ a, dim, keepdim }) => {
    const x = N(a), axes = axesOf(dim, a.shape.length);
    const count = axes.reduce((n, d) => n * a.shape[d], 1);
    const want = reduceAxes(x, axes, keepdim || a.shape.length === 0 ? keepdim : keepdim, 0, (s, v) => s + v).map((v) => (op === 'mean' ? v / count : v));
    const tol = sumTol(x, axes, keepdim).map((t) => (op === 'mean' ? t / count : t));
    for (const [form, out] of [['function', wg[op](T(a), dim, keepdim)], ['method', T(a)[op](dim, keepdim)]] as const) {
      sameShape(out, a.shape.length === 0 ? [] : want.shape, `${op} ${form}`);
      closeWithin(out.data(), want.data, tol, `${op} ${form} of [${a.shape}] over ${JSON.stringify(dim)}`);
    }
  });
  prop(op, `${op}: the gradient spreads back over the reduced dims`, withDims(1, true).filter(({ a }) => a.values.length <= 24), ({ a, dim, keepdim }) => {
    const small = { shape: a.shape, values: a.values.map((v) => Math.max(-4, Math.min(4, v))) };
    const axes = axesOf(dim, a.shape.length);
    const count = axes.reduce((n, d) => n * a.shape[d], 1);
    gradMatches(`${op} [${a.shape}] ${JSON.stringify(dim)}`, ([t]) => wg[op](t, dim, keepdim),
      ([t]) => reduceAxes(t, axes, keepdim, 0, (s, v) => s + v).map((v) => (op === 'mean' ? v / count : v)), [small]);
  }, 25);
}

for (const op of ['max', 'min', 'argmax', 'argmin'] as const) {
  const isArg = op.startsWith('arg');
  const better = op.endsWith('max') ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  prop([op, `Tensor.${op}`], `${op}: over all or one dim (keepdim) equals the reference (first index on ties)`, withDims(1, false), ({ a, dim, keepdim }) => {
    const rank = a.shape.length;
    const axes = dim === undefined ? null : [norm(dim, rank)];
    // the flattened view for dim undefined
    const shape = axes ? a.shape : [a.values.length];
    const ax = axes ? axes[0] : 0;
    const outer = shape.slice(0, ax).reduce((p, d) => p * d, 1), n = shape[ax], inner = shape.slice(ax + 1).reduce((p, d) => p * d, 1);
    const want: number[] = [];
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
      let best = a.values[o * n * inner + j], bi = 0;
      for (let k = 1; k < n; k++) {
        const v = a.values[(o * n + k) * inner + j];
        if (better(v, best)) { best = v; bi = k; }
      }
      want.push(isArg ? bi : best);
    }
    const wantShape = dim === undefined ? (keepdim ? a.shape.map(() => 1) : []) : keepdim ? a.shape.map((d, i) => (i === ax ? 1 : d)) : a.shape.filter((_, i) => i !== ax);
    for (const [form, out] of [['function', wg[op](T(a), dim, keepdim)], ['method', T(a)[op](dim, keepdim)]] as const) {
      sameShape(out, wantShape, `${op} ${form}`);
      close(out.data(), want, `${op} ${form} of [${a.shape}] dim ${dim}`, 0, 0);
    }
  });
}

prop(['max', 'min'], 'max/min: the gradient flows to the extreme element', withDims(1, false).filter(({ a }) => a.values.length <= 24 && new Set(a.values).size === a.values.length), ({ a, dim, keepdim }) => {
  const small = { shape: a.shape, values: a.values.map((v) => Math.max(-4, Math.min(4, v))) };
  if (new Set(small.values).size !== small.values.length) return;
  // distinct values at least 1e-3 apart, so a finite-difference step cannot change the winner
  const sorted = [...small.values].sort((p, q) => p - q);
  if (sorted.some((v, i) => i > 0 && v - sorted[i - 1] < 1e-3)) return;
  const rank = a.shape.length;
  const ax = dim === undefined ? null : norm(dim, rank);
  const ref = (t: Nd, f: (p: number, q: number) => number, init: number) => (ax === null
    ? new Nd(keepdim ? t.shape.map(() => 1) : [], Float64Array.of(t.data.reduce(f, init)))
    : reduceAxes(t, [ax], keepdim, init, f));
  gradMatches(`max [${a.shape}] dim ${dim}`, ([t]) => wg.max(t, dim, keepdim), ([t]) => ref(t, (p, q) => Math.max(p, q), -Infinity), [small]);
  gradMatches(`min [${a.shape}] dim ${dim}`, ([t]) => wg.min(t, dim, keepdim), ([t]) => ref(t, (p, q) => Math.min(p, q), Infinity), [small]);
}, 25);

for (const op of ['softmax', 'logSoftmax'] as const) {
  const log = op === 'logSoftmax';
  const arb = dataArb(shapeArb(1, 4, 1, 5), 'small').chain((a) => fc.record({
    a: fc.constant(a), dim: dimArb(a.shape.length), scale: fc.constantFrom(1, 10, 1000, 1e4), shift: fc.constantFrom(0, 1e4, -1e4, 3e4),
  }));
  prop([op, `Tensor.${op}`, `F.${op}`], `${op}: any dim, logits scaled up to 4e4 and shifted by ±3e4, keeps float32's digits`, arb, ({ a, dim, scale, shift }) => {
    const x = { shape: a.shape, values: a.values.map((v) => Math.fround(v * scale + shift)) };
    const want = softmaxRef(N(x), norm(dim, a.shape.length), log);
    for (const [form, out] of [['function', wg[op](T(x), dim)], ['method', T(x)[op](dim)]] as const) {
      sameShape(out, a.shape, `${op} ${form}`);
      // log-probabilities: ~1 ulp of the largest |value| involved; probabilities: absolute
      close(out.data(), want.data, `${op} ${form} of [${a.shape}] (×${scale} + ${shift}) dim ${dim}`, log ? 2e-6 : 1e-5, log ? 2e-6 : 1e-7);
    }
  });
  prop(op, `${op}: the gradient matches finite differences`, dataArb(shapeArb(1, 3, 1, 4), 'small').chain((a) => fc.tuple(fc.constant(a), dimArb(a.shape.length))), ([a, dim]) => {
    gradMatches(`${op} [${a.shape}] dim ${dim}`, ([t]) => wg[op](t, dim), ([t]) => softmaxRef(t, norm(dim, a.shape.length), log), [a]);
  }, 25);
}

const REDUCERS: [string, (x: Tensor, d: never, k?: never) => Tensor][] = [
  ['sum', wg.sum], ['mean', wg.mean], ['max', wg.max], ['min', wg.min], ['argmax', wg.argmax], ['argmin', wg.argmin],
  ['softmax', wg.softmax], ['logSoftmax', wg.logSoftmax],
];
prop(REDUCERS.map(([n]) => n), 'reductions: dims out of range, non-integer dims, non-boolean keepdim and non-tensors are errors naming the op',
  shapeArb(1, 4, 1, 3).chain((s) => fc.tuple(fc.constant(s), badDimArb(s.length), nonIntegerArb, junkArb)), ([s, bad, frac, junk]) => {
    const x = wg.zeros(s);
    for (const [name, fn] of REDUCERS) {
      rejects(() => fn(x, bad as never), name, `${name} dim ${bad} of [${s}]`);
      rejects(() => fn(x, frac as never), name, `${name} dim ${frac}`);
      rejects(() => fn(x, junk as never), name, `${name} dim ${String(junk)}`);
      rejects(() => fn(junk as never, 0 as never), name, `${name} of ${String(junk)}`);
      if (!/oftmax/.test(name)) rejects(() => fn(x, 0 as never, junk as never), name, `${name} keepdim ${String(junk)}`);
    }
    rejects(() => wg.sum(x, [0, bad]), 'sum', `sum dims [0, ${bad}]`);
  }, 20);

prop(['max', 'min', 'argmax', 'argmin', 'mean'], 'reductions of empty tensors: an error naming the op (sum is 0)', shapeArb(1, 3, 0, 3).filter((s) => s.includes(0)), (s) => {
  const x = wg.zeros(s);
  for (const op of ['max', 'min', 'argmax', 'argmin'] as const) rejects(() => wg[op](x), op, `${op} of [${s}]`);
  rejects(() => wg.mean(x), 'mean', `mean of [${s}]`);
  close(wg.sum(x).data(), [0], `sum of [${s}]`);
}, 15);
