/** Properties of selection by mask: where, maskedFill, tril, triu (random broadcasts, masks, diagonals). */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd, broadcastBinary, forEachIndex } from '../helpers/ref.js';
import { prop, T, N, close, rejects, sameShape, gradMatches, dataOf, shapeArb, nonBroadcastPairArb, junkArb, nonIntegerArb, Data } from './harness.js';

/** x's values over the broadcast `shape` (x must broadcast to it). */
export const expandNd = (x: Nd, shape: number[]): Nd => broadcastBinary(x, Nd.zeros(shape), (v) => v);

/** k shapes that broadcast together, and their broadcast shape. */
export function broadcastGroupArb(k: number, maxRank = 3, maxDim = 3): fc.Arbitrary<{ out: number[]; shapes: number[][] }> {
  return shapeArb(0, maxRank, 0, maxDim).chain((out) => {
    const side = fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
      .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.array(side, { minLength: k, maxLength: k }).map((shapes) => ({ out: broadcastOf(shapes), shapes }));
  });
}

/** 'wide' values clamped into [−4, 4], for finite differences. */
export const clamped = (d: Data): Data => ({ shape: d.shape, values: d.values.map((v) => Math.max(-4, Math.min(4, v))) });

/** The broadcast of shapes (all broadcastable). */
function broadcastOf(shapes: number[][]): number[] {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: r }, (_, i) => {
    const dims = shapes.map((s) => s[i - (r - s.length)] ?? 1);
    return dims.includes(0) ? 0 : Math.max(...dims);
  });
}

/** Mask values: mostly 0/1, also −0 (zero, so not selected), negative and fractional non-zeros. */
const maskOf = (shape: number[]): fc.Arbitrary<Data> => fc.array(fc.constantFrom(0, 1, 0, 1, -0, -2, 0.5, 1e-30), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
  .map((values) => ({ shape, values }));

prop(['where', 'Tensor.where'], 'where(condition, input, other): three shapes that broadcast, numbers on either side; values and gradients of both sides',
  broadcastGroupArb(3).chain(({ out, shapes: [c, a, b] }) => fc.record({ out: fc.constant(out), c: maskOf(c), a: dataOf(a, 'wide'), b: dataOf(b, 'wide'), scalarA: fc.option(fc.float({ noNaN: true }), { freq: 4 }), scalarB: fc.option(fc.float({ noNaN: true }), { freq: 4 }) })),
  ({ out, c, a, b, scalarA, scalarB }) => {
    const pick = (x: Nd, y: Nd, cond: Nd) => {
      const shape = broadcastOf([cond.shape, x.shape, y.shape]);
      const cx = expandNd(cond, shape), xx = expandNd(x, shape), yy = expandNd(y, shape);
      return new Nd(shape, cx.data.map((v, i) => (v !== 0 ? xx.data[i] : yy.data[i])));
    };
    const A = scalarA === null ? N(a) : Nd.from([], [scalarA]), B = scalarB === null ? N(b) : Nd.from([], [scalarB]);
    const want = pick(A, B, N(c));
    const ta: Tensor | number = scalarA ?? T(a), tb: Tensor | number = scalarB ?? T(b);
    const forms: [string, Tensor][] = [['function', wg.where(T(c), ta, tb)]];
    if (ta instanceof Tensor) forms.push(['method', ta.where(T(c), tb)]);
    for (const [form, y] of forms) {
      sameShape(y, want.shape, `where ${form} [${c.shape}] [${A.shape}] [${B.shape}]`);
      close(y.data(), want.data, `where ${form}`, 0, 0); // selection copies bits
    }
    sameShape(wg.where(T(c), T(a), T(b)), out, `where [${c.shape}] [${a.shape}] [${b.shape}]`);
    gradMatches(`where [${c.shape}] [${a.shape}] [${b.shape}]`, ([x, y]) => wg.where(T(c), x, y), ([x, y]) => pick(x, y, N(c)), [clamped(a), clamped(b)]);
  }, 50);

prop(['where', 'maskedFill'], 'where/maskedFill: shapes that do not broadcast, a non-tensor condition or mask, and a non-number value are errors naming the op',
  fc.tuple(nonBroadcastPairArb(), junkArb), ([[s1, s2], junk]) => {
    rejects(() => wg.where(wg.ones(s1), wg.zeros(s2), 0), 'where', `where [${s1}] [${s2}]`);
    rejects(() => wg.where(wg.ones(s1), 1, wg.zeros(s2)), 'where', `where [${s1}] 1 [${s2}]`);
    rejects(() => wg.where(junk as Tensor, 1, 0), 'where', `where(${String(junk)})`);
    rejects(() => wg.where(wg.ones(s1), junk as number, 0), 'where', `where input ${String(junk)}`);
    rejects(() => wg.maskedFill(wg.zeros(s1), wg.ones(s2), 1), 'maskedFill', `maskedFill [${s1}] mask [${s2}]`);
    rejects(() => wg.maskedFill(wg.zeros(s1), junk as Tensor, 1), 'maskedFill', `mask ${String(junk)}`);
    rejects(() => wg.maskedFill(wg.zeros(s1), wg.ones(s1), junk as number), 'maskedFill', `value ${String(junk)}`);
    rejects(() => wg.maskedFill(junk as Tensor, wg.ones(s1), 1), 'maskedFill', `input ${String(junk)}`);
  }, 20);

prop(['maskedFill', 'Tensor.maskedFill'], 'maskedFill(input, mask, value): any value (±inf, NaN) where the broadcast mask is non-zero; the gradient flows elsewhere',
  broadcastGroupArb(2).chain(({ out, shapes: [x, m] }) => fc.record({ out: fc.constant(out), x: dataOf(x), m: maskOf(m), value: fc.oneof(fc.float(), fc.constantFrom(-Infinity, Infinity, NaN)) })),
  ({ out, x, m, value }) => {
    const ref = ([xx]: Nd[]) => {
      const mm = expandNd(N(m), out), ex = expandNd(xx, out);
      return new Nd(out, ex.data.map((v, i) => (mm.data[i] !== 0 ? value : v)));
    };
    const want = ref([N(x)]);
    for (const [form, y] of [['function', wg.maskedFill(T(x), T(m), value)], ['method', T(x).maskedFill(T(m), value)]] as const) {
      sameShape(y, out, `maskedFill ${form} [${x.shape}] mask [${m.shape}]`);
      close(y.data(), want.data, `maskedFill ${form} value ${value}`, 0, 0);
    }
    if (Number.isFinite(value)) gradMatches(`maskedFill [${x.shape}] [${m.shape}]`, ([t]) => wg.maskedFill(t, T(m), value), ref, [x]);
  }, 50);

/** Diagonals near the matrix and far beyond it (beyond int32 too: every element kept or none). */
const diagonalArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 32 + 1, -(2 ** 32) - 1, 2 ** 40, -(2 ** 40), 1e15) });

for (const op of ['tril', 'triu'] as const) {
  const upper = op === 'triu';
  prop([op, `Tensor.${op}`], `${op}(diagonal): any batch of matrices and any diagonal (beyond int32 too) keeps c − r ${upper ? '>=' : '<='} diagonal, with gradient`,
    fc.tuple(shapeArb(2, 4, 0, 4), diagonalArb).chain(([s, k]) => fc.tuple(dataOf(s, 'wide'), fc.constant(k))), ([x, k]) => {
      const ref = ([xx]: Nd[]) => {
        const out = Nd.zeros(x.shape);
        forEachIndex(x.shape, (idx, flat) => {
          const d = idx[idx.length - 1] - idx[idx.length - 2];
          out.data[flat] = (upper ? d >= k : d <= k) ? xx.data[flat] : 0;
        });
        return out;
      };
      for (const [form, y] of [['function', wg[op](T(x), k)], ['method', T(x)[op](k)]] as const) {
        sameShape(y, x.shape, `${op} ${form}`);
        close(y.data(), ref([N(x)]).data, `${op} ${form} of [${x.shape}] diagonal ${k}`, 0, 0);
      }
      gradMatches(`${op} [${x.shape}] ${k}`, ([t]) => wg[op](t, k), ref, [clamped(x)]);
    }, 40);
  prop(op, `${op}: fewer than 2 dims, a fractional diagonal and non-tensors are errors naming ${op}`, fc.tuple(shapeArb(0, 1, 1, 3), nonIntegerArb, junkArb), ([s, frac, junk]) => {
    rejects(() => wg[op](wg.zeros(s)), op, `${op} of [${s}]`);
    rejects(() => wg[op](wg.zeros(2, 2), frac), op, `diagonal ${frac}`);
    rejects(() => wg[op](wg.zeros(2, 2), junk as number), op, `diagonal ${String(junk)}`);
    rejects(() => wg[op](junk as Tensor), op, `${op}(${String(junk)})`);
  }, 15);
}
