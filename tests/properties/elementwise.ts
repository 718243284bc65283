/** Properties of the elementwise ops: binary with broadcasting, unary and activations. */
import fc from 'fast-check';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { broadcastBinary } from '../helpers/ref.js';
import {
  prop, T, N, close, rejects, sameShape, gradMatches, dataArb, dataOf, shapeArb, broadcastPairArb, nonBroadcastPairArb,
  junkArb, Values, sizeOf,
} from './harness.js';

type Fn2 = (a: wg.TensorLike, b: wg.TensorLike) => Tensor;
interface Binary { name: string; fn: Fn2; ref: (x: number, y: number) => number; values: Values; grad: boolean; gradValues?: Values }

const cmp = (f: (x: number, y: number) => boolean) => (x: number, y: number) => (f(x, y) ? 1 : 0);
const BINARY: Binary[] = [
  { name: 'add', fn: wg.add, ref: (x, y) => x + y, values: 'wide', grad: true },
  { name: 'sub', fn: wg.sub, ref: (x, y) => x - y, values: 'wide', grad: true },
  { name: 'mul', fn: wg.mul, ref: (x, y) => x * y, values: 'wide', grad: true },
  { name: 'div', fn: wg.div, ref: (x, y) => x / y, values: 'wide', grad: true, gradValues: 'away' },
  { name: 'pow', fn: wg.pow, ref: Math.pow, values: 'small', grad: true, gradValues: 'pos' },
  { name: 'maximum', fn: wg.maximum, ref: Math.max, values: 'wide', grad: true },
  { name: 'minimum', fn: wg.minimum, ref: Math.min, values: 'wide', grad: true },
  { name: 'gt', fn: wg.gt, ref: cmp((x, y) => x > y), values: 'small', grad: false },
  { name: 'ge', fn: wg.ge, ref: cmp((x, y) => x >= y), values: 'small', grad: false },
  { name: 'lt', fn: wg.lt, ref: cmp((x, y) => x < y), values: 'small', grad: false },
  { name: 'le', fn: wg.le, ref: cmp((x, y) => x <= y), values: 'small', grad: false },
  { name: 'eq', fn: wg.eq, ref: cmp((x, y) => x === y), values: 'small', grad: false },
  { name: 'ne', fn: wg.ne, ref: cmp((x, y) => x !== y), values: 'small', grad: false },
];

/** float32 pow differs from float64 in the last bits, which pow's large results magnify: relative tolerance. */
const tolOf = (name: string): [number, number] => (name === 'pow' || name === 'div' ? [2e-5, 1e-6] : [1e-6, 1e-7]);

for (const op of BINARY) {
  const method = (a: Tensor, b: wg.TensorLike) => (a as unknown as Record<string, (o: wg.TensorLike) => Tensor>)[op.name](b);
  const pairs = broadcastPairArb().chain(([sa, sb]) => fc.tuple(dataOf(sa, op.values), dataOf(sb, op.values)));
  prop([op.name, `Tensor.${op.name}`], `${op.name}: any broadcast equals the float64 reference (function and method)`, pairs, ([a, b]) => {
    const want = broadcastBinary(N(a), N(b), op.ref);
    const [rt, at] = tolOf(op.name);
    for (const [form, out] of [['function', op.fn(T(a), T(b))], ['method', method(T(a), T(b))]] as const) {
      sameShape(out, want.shape, `${op.name} ${form}`);
      close(out.data(), want.data, `${op.name} ${form} [${a.shape}] [${b.shape}]`, rt, at);
    }
  });
  prop(op.name, `${op.name}: a number on either side is a 0-d tensor`, fc.tuple(dataArb(shapeArb(0, 3), op.values), fc.float({ min: -4, max: 4, noNaN: true }), fc.boolean()), ([a, s, left]) => {
    const out = left ? op.fn(s, T(a)) : op.fn(T(a), s);
    const want = left ? broadcastBinary(N({ shape: [], values: [s] }), N(a), op.ref) : broadcastBinary(N(a), N({ shape: [], values: [s] }), op.ref);
    const [rt, at] = tolOf(op.name);
    close(out.data(), want.data, `${op.name} with the number ${s} ${left ? 'first' : 'second'}`, rt, at);
  });
  prop(op.name, `${op.name}: shapes that do not broadcast, or operands that are not tensors, are errors naming ${op.name}`,
    fc.tuple(nonBroadcastPairArb(), junkArb, fc.boolean()), ([[sa, sb], junk, junkFirst]) => {
      rejects(() => op.fn(wg.zeros(sa), wg.zeros(sb)), op.name, `${op.name} [${sa}] [${sb}]`);
      rejects(() => (junkFirst ? op.fn(junk as Tensor, wg.ones(2)) : op.fn(wg.ones(2), junk as Tensor)), op.name, `${op.name} with ${String(junk)}`);
      rejects(() => method(wg.ones(2), junk as Tensor), op.name, `Tensor.${op.name} with ${String(junk)}`);
    }, 20);
  if (op.grad) {
    const small = broadcastPairArb(3, 3).chain(([sa, sb]) => fc.tuple(dataOf(sa, op.gradValues ?? 'small'), dataOf(sb, op.gradValues ?? 'small')));
    prop(op.name, `${op.name}: gradients through any broadcast match finite differences`, small, ([a, b]) => {
      // maximum/minimum split ties; finite differences are one-sided there
      if ((op.name === 'maximum' || op.name === 'minimum') && a.values.some((x) => b.values.some((y) => Math.abs(x - y) < 1e-3))) return;
      gradMatches(`${op.name} [${a.shape}] [${b.shape}]`, ([x, y]) => op.fn(x, y), ([x, y]) => broadcastBinary(x, y, op.ref), [a, b]);
    }, 25);
  }
}

// ---- unary ------------------------------------------------------------------------------------

/** erf in float64: its Taylor series below 2.5, the continued fraction of erfc above. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }
  // erfc(ax) = e^(−ax²)/√π · 1/(ax + (1/2)/(ax + 1/(ax + (3/2)/(ax + ...)))), evaluated bottom-up
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

interface Unary { name: string; fn: (x: Tensor) => Tensor; ref: (v: number) => number; values?: Values; gradValues?: Values; grad?: boolean; tol?: [number, number]; args?: boolean }
const UNARY: Unary[] = [
  { name: 'neg', fn: wg.neg, ref: (v) => -v },
  { name: 'sqrt', fn: wg.sqrt, ref: Math.sqrt, gradValues: 'pos' },
  { name: 'exp', fn: wg.exp, ref: Math.exp, tol: [2e-6, 1e-30] },
  { name: 'log', fn: wg.log, ref: Math.log, gradValues: 'pos', tol: [2e-6, 2e-7] },
  { name: 'abs', fn: wg.abs, ref: Math.abs, gradValues: 'away' },
  { name: 'sign', fn: wg.sign, ref: (v) => Math.sign(v), grad: false },
  { name: 'square', fn: wg.square, ref: (v) => v * v },
  { name: 'reciprocal', fn: wg.reciprocal, ref: (v) => 1 / v, gradValues: 'away' },
  { name: 'sigmoid', fn: wg.sigmoid, ref: sigmoid, tol: [2e-6, 1e-7] },
  { name: 'relu', fn: wg.relu, ref: (v) => Math.max(v, 0), gradValues: 'away' },
  { name: 'tanh', fn: wg.tanh, ref: Math.tanh, tol: [2e-6, 1e-7] },
  { name: 'softplus', fn: wg.softplus, ref: softplus, tol: [2e-6, 1e-7] },
  // beta and threshold as PyTorch: x itself past the threshold (a jump of softplus(−5)/2 at x = 2.5)
  { name: 'softplus', fn: (x) => wg.softplus(x, 2, 5), ref: (v) => (2 * v > 5 ? v : softplus(2 * v) / 2), tol: [2e-6, 1e-7], args: true },
  { name: 'clone', fn: wg.clone, ref: (v) => v },
  { name: 'erf', fn: wg.erf, ref: erf, tol: [2e-6, 1e-7] },
  { name: 'gelu', fn: (x) => wg.gelu(x), ref: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), tol: [2e-6, 1e-7] },
  { name: 'gelu', fn: (x) => wg.gelu(x, 'tanh'), ref: geluTanh, tol: [2e-6, 1e-7] },
  { name: 'silu', fn: wg.silu, ref: (v) => v * sigmoid(v), tol: [2e-6, 1e-7] },
  { name: 'leakyRelu', fn: (x) => wg.leakyRelu(x, 0.2), ref: (v) => (v > 0 ? v : 0.2 * v), gradValues: 'away' },
  { name: 'clamp', fn: (x) => wg.clamp(x, -0.5, 1.5), ref: (v) => Math.min(Math.max(v, -0.5), 1.5), gradValues: 'away' },
];

for (const op of UNARY) {
  const [rt, at] = op.tol ?? [1e-6, 1e-7];
  prop([op.name, `Tensor.${op.name}`], `${op.name}: any shape, values across float32's range, equals the float64 reference`,
    dataArb(shapeArb(0, 4), op.values ?? 'wide'), (a) => {
      const out = op.fn(T(a));
      sameShape(out, a.shape, op.name);
      close(out.data(), a.values.map(op.ref), `${op.name} of [${a.values.slice(0, 6)}${a.values.length > 6 ? ', ...' : ''}]`, rt, at);
      const m = (T(a) as unknown as Record<string, unknown>)[op.name];
      if (typeof m === 'function' && !op.args && !['gelu', 'leakyRelu', 'clamp'].includes(op.name)) {
        close((m as () => Tensor).call(T(a)).data(), out.data(), `Tensor.${op.name} equals ${op.name}`, 0, 0);
      }
    });
  if (op.grad !== false) {
    prop(op.name, `${op.name}: the gradient matches finite differences`, dataArb(shapeArb(0, 3, 0, 4), op.gradValues ?? 'small'), (a) => {
      // the clamp bounds are kinks too
      if (op.name === 'clamp' && a.values.some((v) => Math.abs(v + 0.5) < 1e-3 || Math.abs(v - 1.5) < 1e-3)) return;
      if (op.args && op.name === 'softplus' && a.values.some((v) => Math.abs(v - 2.5) < 1e-3)) return;
      gradMatches(`${op.name} [${a.shape}]`, ([x]) => op.fn(x), ([x]) => x.map(op.ref), [a], [true], 3e-3, 3e-4);
    }, 25);
  }
  prop(op.name, `${op.name}: a non-tensor input is a TypeError naming ${op.name}`, junkArb, (junk) => {
    rejects(() => op.fn(junk as Tensor), op.name, `${op.name}(${String(junk)})`);
  }, 10);
}

prop(['leakyRelu', 'clamp', 'gelu', 'softplus', 'relu', 'silu'], 'leakyRelu slope, clamp bounds, gelu approximate, softplus beta/threshold, relu/silu inplace: bad values are errors naming the op', fc.tuple(junkArb, fc.float({ min: -4, max: 4, noNaN: true }), fc.float({ min: -4, max: 4, noNaN: true })), ([junk, lo, hi]) => {
  const x = wg.ones(3);
  rejects(() => wg.leakyRelu(x, junk as number), 'leakyRelu', 'leakyRelu slope');
  rejects(() => wg.leakyRelu(x, NaN), 'leakyRelu', 'leakyRelu slope NaN');
  rejects(() => wg.softplus(x, junk as number), 'softplus', `softplus beta ${String(junk)}`);
  rejects(() => wg.softplus(x, 1, junk as number), 'softplus', `softplus threshold ${String(junk)}`);
  rejects(() => wg.softplus(x, 0), 'softplus', 'softplus beta 0');
  for (const [name, fn] of [['relu', wg.relu], ['silu', wg.silu]] as const) rejects(() => fn(x, true), name, `${name}(x, inplace = true)`);
  rejects(() => wg.clamp(x, junk as number), 'clamp', 'clamp min');
  rejects(() => wg.clamp(x, null, junk as number), 'clamp', 'clamp max');
  if (lo > hi) rejects(() => wg.clamp(x, lo, hi), 'clamp', `clamp(${lo}, ${hi})`);
  else if (sizeOf([3]) === 3) wg.clamp(x, lo, hi);
  rejects(() => wg.gelu(x, junk as 'tanh'), 'gelu', 'gelu approximate');
}, 30);
