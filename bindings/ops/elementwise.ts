/**
 * Elementwise ops with broadcasting, unary ops and activations: forward and gradient rule
 * together. Kernels: assembly/kernels/elementwise.ts.
 */
import { Tensor, TensorLike } from '../tensor.js';
import { GradNode, needsGrad, needsGrad2, attach } from '../autograd.js';
import { K, f32 } from '../wasm.js';
import { broadcastShapes, broadcastStrides, collapseDims, sameShape, fmt } from '../shape.js';
import { Bin, Un } from './codes.js';
import { sumTo } from './reduce.js';
import { splitItems, threadsFor } from '../threads.js';
import { numberArg, show } from '../args.js';

const SCALAR_SHAPE: readonly number[] = [];

/** The strides of a dense operand as one row of the binary kernel's 4-dim box. */
const DENSE: readonly number[] = [0, 0, 0, 1];

/** A number operand becomes a 0-d temporary tensor. */
export function asTensor(x: TensorLike, op: string, param = 'argument'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') {
    const t = Tensor._empty(SCALAR_SHAPE, 'scalar');
    f32()[t.ptr >>> 2] = x;
    return t;
  }
  throw new TypeError(`${op}: ${param} must be a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/**
 * The binary kernel over the box d (4 dims, strides xa/xb in elements, y dense), split over threads
 * when large: along the outermost dim longer than 1, in runs of 16 when that is the row dim (so
 * every element takes the SIMD or scalar path it takes unsplit). Each element is computed on its
 * own, so the split changes no bit. Memory-bound: ~16 FLOP-equivalents per element.
 */
export function runBinary(code: number, ap: number, bp: number, yp: number, d: readonly number[],
  xa: readonly number[], xb: readonly number[]): void {
  const total = d[0] * d[1] * d[2] * d[3];
  const k = d[0] > 1 ? 0 : d[1] > 1 ? 1 : d[2] > 1 ? 2 : 3;
  if (threadsFor(16 * total) <= 1 || d[k] < 2) {
    K().binary(code, ap, bp, yp, d[0], d[1], d[2], d[3], xa[0], xa[1], xa[2], xa[3], xb[0], xb[1], xb[2], xb[3]);
    return;
  }
  const yStep = d.slice(k + 1).reduce((m, v) => m * v, 1); // elements of y per step along dim k
  splitItems('binary', d[k], 16 * total, k === 3 ? 16 : 1, (lo, hi) => {
    const e = [...d];
    e[k] = hi - lo;
    return [code, ap + 4 * lo * xa[k], bp + 4 * lo * xb[k], yp + 4 * lo * yStep, e[0], e[1], e[2], e[3],
      xa[0], xa[1], xa[2], xa[3], xb[0], xb[1], xb[2], xb[3]];
  });
}

/** Runs a binary kernel over the broadcast of a and b into a new tensor (no autodiff). */
export function binaryRaw(code: number, op: string, a: Tensor, b: Tensor, into?: Tensor): Tensor {
  const same = sameShape(a.shape, b.shape);
  const shape = same ? a.shape : broadcastShapes(op, a.shape, b.shape);
  const out = into ?? (same ? Tensor._like(a, op) : Tensor._empty(shape, op));
  const ap = a.ptr, bp = b.ptr, yp = out.ptr;
  if (out.size === 0) return out;
  if (same) {
    runBinary(code, ap, bp, yp, [1, 1, 1, out.size], DENSE, DENSE);
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
    runBinary(code, ap + aOff * 4, bp + bOff * 4, yp + yOff * 4, d, xa, xb);
    yOff += innerCount;
    let i = extra - 1;
    for (; i >= 0; i--) { if (++idx[i] < outer[i]) break; idx[i] = 0; }
    if (i < 0) break;
  }
  return out;
}

/**
 * The gradient rule of a binary op: (g, a, b, out) → the gradients for a and b in the broadcast
 * shape (summed down to each input's shape afterwards). `need` says which inputs need one, so a
 * rule can skip the other (1: a, 2: b, 3: both).
 */
type PairRule = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, need: number) => [Tensor | null, Tensor | null];

function binaryRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  const a = node.inputs[0], b = node.inputs[1];
  const need = (a.requiresGrad ? 1 : 0) | (b.requiresGrad ? 2 : 0);
  const grads = (node.saved as PairRule)(g, a, b, node.out!, need);
  const ga = grads[0], gb = grads[1];
  grads[0] = ga && need & 1 ? sumTo(ga, a.shape) : null;
  grads[1] = gb && need & 2 ? sumTo(gb, b.shape) : null;
  return grads;
}

function binary(code: number, op: string, x: TensorLike, y: TensorLike, rule?: PairRule): Tensor {
  const a = asTensor(x, op, 'input');
  const b = asTensor(y, op, 'other');
  const out = binaryRaw(code, op, a, b);
  if (!rule || !needsGrad2(a, b)) return out;
  return attach(out, new GradNode(op, [a, b], binaryRule, rule));
}

const addRule: PairRule = (g) => [g, g];
const subRule: PairRule = (g, _a, _b, _out, need) => [g, need & 2 ? neg(g) : null];
const mulRule: PairRule = (g, a, b, _out, need) => [need & 1 ? g.mul(b) : null, need & 2 ? g.mul(a) : null];

// A number operand takes a one-kernel unary path (no scalar tensor, no broadcasting); each
// form below computes exactly what the tensor op would (x·1 + c is x + c, −x + c is c − x).
/**
 * Elementwise a + b, broadcasting as PyTorch; either side may be a number. Same as `a.add(b)`.
 *
 * PyTorch: `torch.add` (`alpha` is not taken: write `add(a, mul(b, alpha))`).
 * @example add(tensor([1, 2]), 10)   // [11, 12]
 */
export const add = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'add', a, 1, b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'add', b, 1, a)
      : binary(Bin.ADD, 'add', a, b, addRule);
/**
 * Elementwise a − b, broadcasting; either side may be a number. Same as `a.sub(b)`.
 *
 * PyTorch: `torch.sub`.
 * @example sub(x, x.mean())
 */
export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'sub', a, 1, -b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'sub', b, -1, a)
      : binary(Bin.SUB, 'sub', a, b, subRule);
/**
 * Elementwise a · b, broadcasting; either side may be a number. Same as `a.mul(b)`.
 *
 * PyTorch: `torch.mul`.
 * @example mul(x, 0.5)
 */
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.AFFINE, 'mul', a, b, 0)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.AFFINE, 'mul', b, a, 0)
      : binary(Bin.MUL, 'mul', a, b, mulRule);
/**
 * Elementwise a / b (true division), broadcasting; either side may be a number. Same as `a.div(b)`.
 *
 * PyTorch: `torch.div`.
 * @example div(1, x)   // reciprocal
 */
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? unary(Un.DIV_SCALAR, 'div', a, b)
    : typeof a === 'number' && b instanceof Tensor ? unary(Un.SCALAR_DIV, 'div', b, a)
      : binary(Bin.DIV, 'div', a, b, divRule);
const divRule: PairRule = (g, _a, b, out, need) => [need & 1 ? g.div(b) : null, need & 2 ? g.mul(out).div(b).neg() : null];

/** Elementwise power; a number exponent uses the fused scalar kernel. */
export function pow(a: TensorLike, exponent: TensorLike): Tensor {
  if (typeof exponent === 'number' && a instanceof Tensor) return unary(Un.POW_SCALAR, 'pow', a, exponent);
  return binary(Bin.POW, 'pow', a, exponent, powRule);
}
const powRule: PairRule = (g, x, y, out, need) => [
  need & 1 ? g.mul(y).mul(x.pow(y.sub(1))) : null,
  need & 2 ? g.mul(out).mul(x.log()) : null,
];

/** Gradient split of maximum/minimum: the winner takes it, ties share it equally (as PyTorch). */
function winnerMask(x: Tensor, y: Tensor, code: number): Tensor {
  return binaryRaw(code, 'mask', x, y).add(binaryRaw(Bin.EQ, 'mask', x, y).mul(0.5));
}
const maxRule: PairRule = (g, x, y, _out, need) =>
  [need & 1 ? g.mul(winnerMask(x, y, Bin.GT)) : null, need & 2 ? g.mul(winnerMask(y, x, Bin.GT)) : null];
const minRule: PairRule = (g, x, y, _out, need) =>
  [need & 1 ? g.mul(winnerMask(x, y, Bin.LT)) : null, need & 2 ? g.mul(winnerMask(y, x, Bin.LT)) : null];
/**
 * Elementwise maximum of two tensors, broadcasting; a tie splits the gradient equally (as PyTorch).
 *
 * PyTorch: `torch.maximum`.
 * @example maximum(x, 0)   // relu
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.MAX, 'maximum', a, b, maxRule);
/**
 * Elementwise minimum of two tensors, broadcasting; a tie splits the gradient equally (as PyTorch).
 *
 * PyTorch: `torch.minimum`.
 * @example minimum(x, 1)
 */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.MIN, 'minimum', a, b, minRule);

// Comparisons give 1/0 masks and no gradient.
/**
 * Elementwise a > b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.gt` (which returns a bool tensor).
 * @example gt(x, 0).sum()   // how many are positive
 */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.GT, 'gt', a, b);
/**
 * Elementwise a ≥ b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.ge`.
 * @example ge(x, 0)
 */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.GE, 'ge', a, b);
/**
 * Elementwise a < b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.lt`.
 * @example lt(x, 0)
 */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.LT, 'lt', a, b);
/**
 * Elementwise a ≤ b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.le`.
 * @example le(x, 0)
 */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.LE, 'le', a, b);
/**
 * Elementwise a == b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.eq`.
 * @example eq(pred.argmax(1), labels).mean()   // accuracy
 */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.EQ, 'eq', a, b);
/**
 * Elementwise a ≠ b as a 1/0 float32 mask (no gradient).
 *
 * PyTorch: `torch.ne`.
 * @example ne(x, 0)
 */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary(Bin.NE, 'ne', a, b);

// ---- unary ----------------------------------------------------------------------------------

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

const backwardNames: Record<string, string> = Object.create(null);
/** `${op} backward`, made once per op name rather than once per gradient. */
function backwardName(op: string): string {
  return backwardNames[op] ?? (backwardNames[op] = `${op} backward`);
}

// Big elementwise passes are split over threads in runs of 16 elements. Each element is computed
// on its own (and every run starts on a multiple of 4, so it takes the same SIMD or scalar path as
// unsplit), so the split changes no bit. Memory-bound: ~16 FLOP-equivalents per element.
function runUnary(code: number, x: number, y: number, n: number, p0: number, p1: number): void {
  if (threadsFor(16 * n) > 1) splitItems('unary', n, 16 * n, 16, (lo, hi) => [code, x + 4 * lo, y + 4 * lo, hi - lo, p0, p1]);
  else K().unary(code, x, y, n, p0, p1);
}

function runUnaryBackward(code: number, x: number, y: number, dy: number, dx: number, n: number, p0: number, p1: number): void {
  if (threadsFor(16 * n) > 1) {
    splitItems('unaryBackward', n, 16 * n, 16, (lo, hi) => [code, x + 4 * lo, y + 4 * lo, dy + 4 * lo, dx + 4 * lo, hi - lo, p0, p1]);
  } else {
    K().unaryBackward(code, x, y, dy, dx, n, p0, p1);
  }
}

/** y = f(x) with the fused backward kernel dx = dy·f'(x, y). */
export function unary(code: number, op: string, x: Tensor, p0 = 0, p1 = 0, differentiable = true): Tensor {
  checkTensor(x, op);
  const out = Tensor._like(x, op);
  runUnary(code, x.ptr, out.ptr, x.size, p0, p1);
  if (!differentiable || !needsGrad(x)) return out;
  return attach(out, new GradNode(op, [x], unaryRule, null, code, p0, p1));
}

function unaryRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  const x = node.inputs[0];
  const dx = Tensor._like(x, backwardName(node.op));
  runUnaryBackward(node.n0, x.ptr, node.out!.ptr, g.ptr, dx.ptr, x.size, node.n1, node.n2);
  return [dx];
}

/**
 * Elementwise −x. Same as `x.neg()`.
 *
 * PyTorch: `torch.neg`.
 * @example neg(tensor([1, -2]))   // [-1, 2]
 */
export const neg = (x: Tensor): Tensor => unary(Un.NEG, 'neg', x);
/**
 * Elementwise x². Same as `x.square()`.
 *
 * PyTorch: `torch.square`.
 * @example square(x).sum()
 */
export const square = (x: Tensor): Tensor => unary(Un.SQUARE, 'square', x);
/**
 * Elementwise √x (NaN below 0).
 *
 * PyTorch: `torch.sqrt`.
 * @example sqrt(tensor([4, 9]))   // [2, 3]
 */
export const sqrt = (x: Tensor): Tensor => unary(Un.SQRT, 'sqrt', x);
/**
 * Elementwise eˣ, computed inside the wasm module so that Node and browsers give the same bits.
 *
 * PyTorch: `torch.exp`.
 * @example exp(tensor([0]))   // [1]
 */
export const exp = (x: Tensor): Tensor => unary(Un.EXP, 'exp', x);
/**
 * Elementwise natural logarithm (−Infinity at 0, NaN below).
 *
 * PyTorch: `torch.log`.
 * @example log(probs)
 */
export const log = (x: Tensor): Tensor => unary(Un.LOG, 'log', x);
/**
 * Elementwise |x| (gradient 0 at 0, as PyTorch).
 *
 * PyTorch: `torch.abs`.
 * @example abs(a.sub(b)).max()
 */
export const abs = (x: Tensor): Tensor => unary(Un.ABS, 'abs', x);
/**
 * Elementwise sign: −1, 0 or 1 (no gradient: zero everywhere).
 *
 * PyTorch: `torch.sign`.
 * @example sign(x)
 */
export const sign = (x: Tensor): Tensor => unary(Un.SIGN, 'sign', x);
/**
 * Elementwise 1 / x.
 *
 * PyTorch: `torch.reciprocal`.
 * @example reciprocal(tensor([2, 4]))   // [0.5, 0.25]
 */
export const reciprocal = (x: Tensor): Tensor => unary(Un.RECIP, 'reciprocal', x);
/**
 * Elementwise logistic function 1 / (1 + e⁻ˣ).
 *
 * PyTorch: `torch.sigmoid`.
 * @example sigmoid(logits)
 */
export const sigmoid = (x: Tensor): Tensor => unary(Un.SIGMOID, 'sigmoid', x);
/**
 * Elementwise max(x, 0) (gradient 0 at 0, as PyTorch). PyTorch's `inplace=True` is refused: a
 * silently ignored flag would leave x unchanged.
 *
 * PyTorch: `torch.relu` / `F.relu`.
 * @example relu(linear(x, w, b))
 */
export function relu(x: Tensor, inplace?: boolean): Tensor {
  if (inplace !== undefined && inplace !== false) throw new RangeError(`relu: inplace=${show(inplace)} is not supported (only false): ops return new tensors`);
  return unary(Un.RELU, 'relu', x);
}
/**
 * Elementwise hyperbolic tangent.
 *
 * PyTorch: `torch.tanh`.
 * @example tanh(x)
 */
export const tanh = (x: Tensor): Tensor => unary(Un.TANH, 'tanh', x);
/**
 * Elementwise log(1 + exp(beta·x)) / beta, computed without overflow, and x itself where
 * beta·x > threshold; with the defaults (beta 1, threshold 20) one stable kernel pass, which
 * equals x there to float32.
 *
 * PyTorch: `F.softplus(x, beta=1, threshold=20)`.
 * @example softplus(x, 2)
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const b = numberArg('softplus', 'beta', beta), t = numberArg('softplus', 'threshold', threshold);
  if (b === 0) throw new RangeError('softplus: beta must be non-zero');
  if (b === 1 && t === 20) return unary(Un.SOFTPLUS, 'softplus', x);
  const xt = asTensor(x, 'softplus', 'input'), bx = xt.mul(b);
  return xt.where(bx.gt(t), unary(Un.SOFTPLUS, 'softplus', bx).div(b));
}
/**
 * Elementwise x for x > 0, negativeSlope · x otherwise.
 *
 * PyTorch: `F.leaky_relu(x, negative_slope)`.
 * @example leakyRelu(x, 0.2)
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new TypeError(`leakyRelu: negativeSlope must be a finite number, got ${show(negativeSlope)}`);
  }
  return unary(Un.LEAKY_RELU, 'leakyRelu', x, negativeSlope);
}
/** Clamps into [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (typeof lo !== 'number') throw new TypeError(`clamp: min must be a number or null, got ${show(lo)}`);
  if (typeof hi !== 'number') throw new TypeError(`clamp: max must be a number or null, got ${show(hi)}`);
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError('clamp: min and max must not be NaN');
  if (lo > hi) throw new RangeError(`clamp: min (${lo}) is greater than max (${hi})`);
  return unary(Un.CLAMP, 'clamp', x, lo, hi);
}
/** y = scale·x + shift in one kernel (used for scalar arithmetic). */
export const affine = (x: Tensor, scale: number, shift: number): Tensor => unary(Un.AFFINE, 'affine', x, scale, shift);

/**
 * A copy of x that stays in the graph (its gradient flows back to x).
 *
 * PyTorch: `torch.clone`.
 * @example const y = clone(x);
 */
export function clone(x: Tensor): Tensor {
  return affine(checkTensor(x, 'clone'), 1, 0);
}

// ---- in-place (no autodiff): for optimiser-style updates inside noGrad ------------------------

export function inPlace(target: Tensor, op: string, other: TensorLike, alpha: number): void {
  if (target.requiresGrad && !target.grad && target._node) {
    throw new Error(`${op}: in-place update of a non-leaf tensor that requires gradients`);
  }
  const o = asTensor(other, op, 'other');
  // alpha = −1 is one subtraction: t − o equals t + (−1·o) exactly.
  const scaled = alpha === 1 || alpha === -1 ? o : o.mul(alpha);
  checkInto(op, target, scaled);
  binaryRaw(alpha === -1 ? Bin.SUB : Bin.ADD, op, target, scaled, target);
}

export function inPlaceMul(target: Tensor, other: TensorLike): void {
  const o = asTensor(other, 'mul_', 'other');
  checkInto('mul_', target, o);
  binaryRaw(Bin.MUL, 'mul_', target, o, target);
}

/** An in-place operand must broadcast into the target's shape. */
function checkInto(op: string, target: Tensor, o: Tensor): void {
  if (sameShape(target.shape, o.shape)) return;
  if (!sameShape(broadcastShapes(op, target.shape, o.shape), target.shape)) {
    throw new RangeError(`${op}: cannot broadcast ${fmt(o.shape)} into the target's shape ${fmt(target.shape)}`);
  }
}

export function copyInto(target: Tensor, src: Tensor): void {
  if (!sameShape(target.shape, src.shape)) {
    throw new RangeError(`copy_: source shape ${fmt(src.shape)} does not match the target's shape ${fmt(target.shape)}`);
  }
  K().copyBytes(src.ptr, target.ptr, target.size * 4);
}
