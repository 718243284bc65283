/**
 * Elementwise ops with broadcasting, unary ops and activations: forward and gradient rule
 * together. Kernels: assembly/kernels/elementwise.ts.
 */
import { Tensor, TensorLike, fromValues } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { broadcastShapes, broadcastStrides, collapseDims, sameShape, fmt } from '../shape.js';
import { Bin, Un } from './codes.js';
import { sumTo } from './reduce.js';

/** A number operand becomes a 0-d temporary tensor. */
export function asTensor(x: TensorLike, op: string, param = 'argument'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return fromValues([x], [], 'scalar', true);
  throw new TypeError(`${op}: ${param} must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/** Runs a binary kernel over the broadcast of a and b into a new tensor (no autodiff). */
export function binaryRaw(code: number, op: string, a: Tensor, b: Tensor, into?: Tensor): Tensor {
  const shape = sameShape(a.shape, b.shape) ? a.shape.slice() : broadcastShapes(op, a.shape, b.shape);
  const out = into ?? Tensor._empty(shape, op);
  const k = K();
  const ap = a.ptr, bp = b.ptr, yp = out.ptr;
  if (out.size === 0) return out;
  if (sameShape(a.shape, b.shape)) {
    k.binary(code, ap, bp, yp, 1, 1, 1, out.size, 0, 0, 0, 1, 0, 0, 0, 1);
    return out;
  }
  const c = collapseDims(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  let dims = c.shape, [sa, sb] = c.strides;
  if (dims.length === 0) { dims = [1]; sa = [0]; sb = [0]; }
  // The kernel walks four dims; more (rare alternating broadcasts) are looped here.
  const extra = Math.max(0, dims.length - 4);
  const pad = (v: number[], fillWith: number) => [...Array(Math.max(0, 4 - v.length)).fill(fillWith), ...v.slice(extra)];
  const d = pad(dims, 1), xa = pad(sa, 0), xb = pad(sb, 0);
  const innerCount = d[0] * d[1] * d[2] * d[3];
  const outer = dims.slice(0, extra);
  const idx = new Array<number>(extra).fill(0);
  let yOff = 0;
  for (;;) {
    let aOff = 0, bOff = 0;
    for (let i = 0; i < extra; i++) { aOff += idx[i] * sa[i]; bOff += idx[i] * sb[i]; }
    k.binary(code, ap + aOff * 4, bp + bOff * 4, yp + yOff * 4, d[0], d[1], d[2], d[3],
      xa[0], xa[1], xa[2], xa[3], xb[0], xb[1], xb[2], xb[3]);
    yOff += innerCount;
    let i = extra - 1;
    for (; i >= 0; i--) { if (++idx[i] < outer[i]) break; idx[i] = 0; }
    if (i < 0) break;
  }
  return out;
}

function binary(code: number, op: string, x: TensorLike, y: TensorLike,
  rule?: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): Tensor {
  const a = asTensor(x, op, 'input');
  const b = asTensor(y, op, 'other');
  const out = binaryRaw(code, op, a, b);
  if (!rule) return out;
  return record(out, op, [a, b], (g) => {
    const [ga, gb] = rule(g, a, b, out);
    return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
  });
}

// A number operand takes a one-kernel unary path (no scalar tensor, no broadcasting); each
// form below computes exactly what the tensor op would (x·1 + c is x + c, −x + c is c − x).
export const add = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'add', a, 1, b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'add', b, 1, a)
      : binary(Bin.ADD, 'add', a, b, (g) => [g, g]);
export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'sub', a, 1, -b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'sub', b, -1, a)
      : binary(Bin.SUB, 'sub', a, b, (g) => [g, neg(g)]);
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'mul', a, b, 0)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'mul', b, a, 0)
      : binary(Bin.MUL, 'mul', a, b, (g, x, y) => [g.mul(y), g.mul(x)]);
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.DIV_SCALAR, 'div', a, b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.SCALAR_DIV, 'div', b, a)
      : binary(Bin.DIV, 'div', a, b, (g, _x, y, out) => [g.div(y), g.mul(out).div(y).neg()]);

/** Elementwise power; a number exponent uses the fused scalar kernel. */
export function pow(a: TensorLike, exponent: TensorLike): Tensor {
  if (typeof exponent === 'number' && a instanceof Tensor) return unary(Un.POW_SCALAR, 'pow', a, exponent);
  return binary(Bin.POW, 'pow', a, exponent, (g, x, y, out) => [
    g.mul(y).mul(x.pow(y.sub(1))),
    g.mul(out).mul(x.log()),
  ]);
}

/** Gradient split of maximum/minimum: the winner takes it, ties share it equally (as PyTorch). */
function winnerMask(x: Tensor, y: Tensor, code: number): Tensor {
  return binaryRaw(code, 'mask', x, y).add(binaryRaw(Bin.EQ, 'mask', x, y).mul(0.5));
}
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binary(Bin.MAX, 'maximum', a, b, (g, x, y) => [g.mul(winnerMask(x, y, Bin.GT)), g.mul(winnerMask(y, x, Bin.GT))]);
export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binary(Bin.MIN, 'minimum', a, b, (g, x, y) => [g.mul(winnerMask(x, y, Bin.LT)), g.mul(winnerMask(y, x, Bin.LT))]);

// Comparisons give 1/0 masks and no gradient.
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.GT, 'gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.GE, 'ge', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.LT, 'lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.LE, 'le', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.EQ, 'eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.NE, 'ne', a, b);

// ---- unary ----------------------------------------------------------------------------------

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** y = f(x) with the fused backward kernel dx = dy·f'(x, y). */
export function unary(code: number, op: string, x: Tensor, p0 = 0, p1 = 0, differentiable = true): Tensor {
  checkTensor(x, op);
  const out = Tensor._empty(x.shape, op);
  K().unary(code, x.ptr, out.ptr, x.size, p0, p1);
  if (!differentiable) return out;
  return record(out, op, [x], (g) => {
    const dx = Tensor._empty(x.shape, `${op} backward`);
    K().unaryBackward(code, x.ptr, out.ptr, g.ptr, dx.ptr, x.size, p0, p1);
    return [dx];
  });
}

export const neg = (x: Tensor): Tensor => unary(Un.NEG, 'neg', x);
export const square = (x: Tensor): Tensor => unary(Un.SQUARE, 'square', x);
export const sqrt = (x: Tensor): Tensor => unary(Un.SQRT, 'sqrt', x);
export const exp = (x: Tensor): Tensor => unary(Un.EXP, 'exp', x);
export const log = (x: Tensor): Tensor => unary(Un.LOG, 'log', x);
export const abs = (x: Tensor): Tensor => unary(Un.ABS, 'abs', x);
export const sign = (x: Tensor): Tensor => unary(Un.SIGN, 'sign', x);
export const reciprocal = (x: Tensor): Tensor => unary(Un.RECIP, 'reciprocal', x);
export const sigmoid = (x: Tensor): Tensor => unary(Un.SIGMOID, 'sigmoid', x);
export const relu = (x: Tensor): Tensor => unary(Un.RELU, 'relu', x);
export const tanh = (x: Tensor): Tensor => unary(Un.TANH, 'tanh', x);
export const softplus = (x: Tensor): Tensor => unary(Un.SOFTPLUS, 'softplus', x);
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new TypeError(`leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  return unary(Un.LEAKY_RELU, 'leakyRelu', x, negativeSlope);
}
/** Clamps into [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError('clamp: min and max must not be NaN');
  if (lo > hi) throw new RangeError(`clamp: min (${lo}) is greater than max (${hi})`);
  return unary(Un.CLAMP, 'clamp', x, lo, hi);
}
/** y = scale·x + shift in one kernel (used for scalar arithmetic). */
export const affine = (x: Tensor, scale: number, shift: number): Tensor => unary(Un.AFFINE, 'affine', x, scale, shift);

export function clone(x: Tensor): Tensor {
  return affine(checkTensor(x, 'clone'), 1, 0);
}

// ---- in-place (no autodiff): for optimiser-style updates inside noGrad ------------------------

export function inPlace(target: Tensor, op: string, other: TensorLike, alpha: number): void {
  if (target.requiresGrad && !target.grad && target._node) {
    throw new Error(`${op}: in-place update of a non-leaf tensor that requires gradients`);
  }
  const o = asTensor(other, op, 'other');
  const scaled = alpha === 1 ? o : o.mul(alpha);
  if (!sameShape(broadcastShapes(op, target.shape, scaled.shape), target.shape)) {
    throw new RangeError(`${op}: cannot broadcast ${fmt(scaled.shape)} into the target's shape ${fmt(target.shape)}`);
  }
  binaryRaw(Bin.ADD, op, target, scaled, target);
}

export function inPlaceMul(target: Tensor, other: TensorLike): void {
  const o = asTensor(other, 'mul_', 'other');
  if (!sameShape(broadcastShapes('mul_', target.shape, o.shape), target.shape)) {
    throw new RangeError(`mul_: cannot broadcast ${fmt(o.shape)} into the target's shape ${fmt(target.shape)}`);
  }
  binaryRaw(Bin.MUL, 'mul_', target, o, target);
}

export function copyInto(target: Tensor, src: Tensor): void {
  if (!sameShape(target.shape, src.shape)) {
    throw new RangeError(`copy_: source shape ${fmt(src.shape)} does not match the target's shape ${fmt(target.shape)}`);
  }
  K().copyBytes(src.ptr, target.ptr, target.size * 4);
}
