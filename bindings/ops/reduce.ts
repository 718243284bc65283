/**
 * Reductions over any axis (sum, mean, max/min, argmax/argmin) and softmax / log-softmax, with
 * their gradient rules. Kernels: assembly/kernels/reduce.ts, which see [outer, n, inner].
 */
import { Tensor } from '../tensor.js';
import { record, GradNode, needsGrad, attach } from '../autograd.js';
import { K } from '../wasm.js';
import { withScratch } from '../memory.js';
import { Shape, normAxis, sizeOf, sameShape, fmt } from '../shape.js';
import { Bin, Un } from './codes.js';
import { splitItems } from '../threads.js';
import { boolArg, show } from '../args.js';

/** [outer, n, inner] view of reducing `axis`. */
function split(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

function reducedShape(shape: Shape, axis: number, keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

const SCALAR_SHAPE: readonly number[] = [];
/** [0, 1, ..., n−1] for each rank seen, shared (never mutated). */
const allAxesOf: number[][] = [];

/** Sorted, unique, normalised axes; undefined means all. */
function axesOf(x: Tensor, dim: number | number[] | undefined, op: string): readonly number[] {
  if (dim === undefined || dim === null) {
    const n = x.ndim;
    while (allAxesOf.length <= n) allAxesOf.push(allAxesOf.length === 0 ? [] : [...allAxesOf[allAxesOf.length - 1], allAxesOf.length - 1]);
    return allAxesOf[n];
  }
  if (typeof dim !== 'number' && !Array.isArray(dim)) throw new TypeError(`${op}: dim must be an integer or a list of them, got ${show(dim)}`);
  const list = Array.isArray(dim) ? dim : [dim];
  const axes = [...new Set(list.map((d) => normAxis(d, x.ndim, op)))].sort((a, b) => a - b);
  return axes;
}

/** Sum over one axis (keepdim) with a scale, no autodiff. */
function sumAxisRaw(x: Tensor, axis: number, scale: number): Tensor {
  const [outer, n, inner] = split(x.shape, axis);
  const out = Tensor._empty(reducedShape(x.shape, axis, true), 'sum');
  // Split across threads by output: whole [n, inner] slabs, or, for one slab (a bias gradient's
  // column sums), runs of columns. Each output's sum runs over k in the same order either way.
  const work = 16 * x.size, xp = x.ptr, yp = out.ptr;
  if (outer > 1 || inner === 1) {
    splitItems('reduceSum', outer, work, 1, (lo, hi) =>
      [xp + 4 * lo * n * inner, yp + 4 * lo * inner, hi - lo, n, inner, scale]);
  } else {
    splitItems('reduceSumColumns', inner, work, 4, (lo, hi) => [xp + 4 * lo, yp + 4 * lo, n, inner, hi - lo, scale]);
  }
  return out;
}

function sumRaw(x: Tensor, axes: readonly number[], scale: number, keepdim: boolean, op: string): Tensor {
  let cur = x;
  if (axes.length === 0 || x.ndim === 0) {
    cur = Tensor._empty(x.shape, op);
    K().unary(Un.AFFINE, x.ptr, cur.ptr, x.size, scale, 0);
    return cur;
  }
  if (axes.length === x.ndim) {
    // One pass over everything: the kernel's blocked f64 accumulation.
    cur = Tensor._empty(keepdim ? x.shape.map(() => 1) : SCALAR_SHAPE, op);
    K().reduceSum(x.ptr, cur.ptr, 1, x.size, 1, scale);
    return cur;
  }
  for (let i = axes.length - 1; i >= 0; i--) cur = sumAxisRaw(cur, axes[i], i === 0 ? scale : 1);
  return keepdim ? cur : cur._view(x.shape.filter((_, i) => !axes.includes(i)), op);
}

/** Expands g (the reduced gradient, keepdim or not) back over `shape` times scale. */
function expandTo(g: Tensor, shape: Shape, axes: readonly number[], scale: number): Tensor {
  if (g.size === 1) {
    // One value everywhere: the fill·g product below without its shape arithmetic.
    const out = Tensor._empty(shape, 'expand');
    const k = K(), op = out.ptr;
    k.fill(op, out.size, scale);
    k.binary(Bin.MUL, op, g.ptr, op, 1, 1, 1, out.size, 0, 0, 0, 1, 0, 0, 0, 0);
    return out;
  }
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const gk = sameShape(g.shape, kept) ? g : g._view(kept, 'expand');
  const out = Tensor._empty(shape, 'expand');
  K().fill(out.ptr, out.size, scale);
  return out.mul(gk);
}

/** The input and keepdim of a reduction, checked. */
function checkReduce(x: unknown, op: string, keepdim: unknown): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  boolArg(op, 'keepdim', keepdim);
}

/**
 * Sum of all elements, or along dim (a number or a list), keeping reduced dims as size 1 when keepdim.
 *
 * PyTorch: `torch.sum`.
 * @example sum(x, 1, true)   // row sums, shape [N, 1]
 */
export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  checkReduce(x, 'sum', keepdim);
  const axes = axesOf(x, dim, 'sum');
  const out = sumRaw(x, axes, 1, keepdim, 'sum');
  if (!needsGrad(x)) return out;
  return attach(out, new GradNode('sum', [x], sumRule, axes, 1));
}

/** sum and mean: g spread back over the reduced axes (node.saved), times the scale n0. */
function sumRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  return [expandTo(g, node.inputs[0].shape, node.saved as readonly number[], node.n0)];
}

/**
 * Mean of all elements, or along dim (a number or a list), keeping reduced dims when keepdim.
 *
 * PyTorch: `torch.mean`.
 * @example mean(x, 0)   // column means
 */
export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  checkReduce(x, 'mean', keepdim);
  const axes = axesOf(x, dim, 'mean');
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0) throw new RangeError(`mean: cannot average over an empty dimension (shape ${fmt(x.shape)})`);
  const out = sumRaw(x, axes, 1 / count, keepdim, 'mean');
  if (!needsGrad(x)) return out;
  return attach(out, new GradNode('mean', [x], sumRule, axes, 1 / count));
}

/** Sums a broadcast gradient back down to `shape` (the reverse of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const off = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sumRaw(g, axes, 1, true, 'sumTo') : g;
  return s._view(shape, 'sumTo');
}

function extremum(x: Tensor, dim: number | undefined, keepdim: boolean, negate: boolean, op: string, name = op): { values: Tensor; indices: Tensor } {
  checkReduce(x, name, keepdim);
  if (dim !== undefined && dim !== null && typeof dim !== 'number') throw new TypeError(`${name}: dim must be an integer, got ${show(dim)}`);
  if (x.size === 0) throw new RangeError(`${name}: cannot reduce an empty tensor (shape ${fmt(x.shape)})`);
  // min is max of −x; the negation is a raw kernel call, not a recorded op.
  let src = x;
  if (negate) {
    src = Tensor._empty(x.shape, `${op} input`);
    K().unary(Un.NEG, x.ptr, src.ptr, x.size, 0, 0);
  }
  const all = dim === undefined || dim === null;
  const axis = all ? 0 : normAxis(dim!, x.ndim, name);
  const [outer, n, inner] = all ? [1, x.size, 1] : split(x.shape, axis);
  const outShape = all ? (keepdim ? x.shape.map(() => 1) : []) : reducedShape(x.shape, axis, keepdim);
  const values = Tensor._empty(outShape, op);
  const indices = Tensor._empty(outShape, `arg${op}`);
  const k = K();
  withScratch(outer * inner * 4, (idx) => {
    k.reduceMax(src.ptr, values.ptr, idx, outer, n, inner);
    if (negate) k.unary(Un.NEG, values.ptr, values.ptr, values.size, 0, 0);
    // Indices as float32 values (exact below 2^24).
    const i32 = new Int32Array(k.memory.buffer, idx, outer * inner);
    const f = new Float32Array(k.memory.buffer, indices.ptr, outer * inner);
    for (let i = 0; i < f.length; i++) f[i] = i32[i];
  });
  record(values, op, [x], (g) => {
    const dx = Tensor._empty(x.shape, `${op} backward`);
    withScratch(outer * inner * 4, (idx) => {
      k.f32ToI32(indices.ptr, idx, outer * inner);
      k.reduceMaxBackward(g.ptr, idx, dx.ptr, outer, n, inner);
    });
    return [dx];
  });
  return { values, indices };
}

/** The maximum over all elements, or along dim (values only; see argmax for indices). */
export function max(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum(x, dim, keepdim, false, 'max').values;
}
/**
 * Minimum of all elements, or along dim (values only; the gradient goes to the element picked, whose index `argmin` gives).
 *
 * PyTorch: `torch.amin` (`torch.min(x, dim)` also returns indices: use `argmin` beside it).
 * @example min(x, 1)
 */
export function min(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum(x, dim, keepdim, true, 'min').values;
}
/** Index of the first maximum (over the flattened tensor when dim is omitted), as float32 values. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum(x, dim, keepdim, false, 'max', 'argmax').indices;
}
/**
 * Index of the minimum, over all elements (flattened) or along dim, as float32 values.
 *
 * PyTorch: `torch.argmin`.
 * @example argmin(dist, 1)
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return extremum(x, dim, keepdim, true, 'min', 'argmin').indices;
}

function softmaxImpl(x: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  if (dim === undefined) throw new TypeError(`${op}: dim is required (e.g. ${op}(x, -1))`);
  const axis = normAxis(dim, x.ndim, op);
  const [outer, n, inner] = x.ndim === 0 ? [1, 1, 1] : split(x.shape, axis);
  const out = Tensor._empty(x.shape, op);
  // split across threads by whole [n, inner] slabs (each output's sums in the same order); ~20
  // FLOP-equivalents per element (exp, the max and the sums)
  const slab = 4 * n * inner, work = 20 * x.size, flag = log ? 1 : 0;
  splitItems('softmax', outer, work, 1, (lo, hi) => [x.ptr + lo * slab, out.ptr + lo * slab, hi - lo, n, inner, flag]);
  return record(out, op, [x], (g) => {
    const dx = Tensor._empty(x.shape, `${op} backward`);
    splitItems('softmaxBackward', outer, work, 1, (lo, hi) =>
      [out.ptr + lo * slab, g.ptr + lo * slab, dx.ptr + lo * slab, hi - lo, n, inner, flag]);
    return [dx];
  });
}

/**
 * exp(x) / sum(exp(x)) along dim, computed stably (the row maximum is subtracted first).
 *
 * PyTorch: `torch.softmax` / `F.softmax` (dim is required here).
 * @example softmax(logits, 1)
 */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxImpl(x, dim, false);
/**
 * log(softmax(x, dim)), computed in one stable pass.
 *
 * PyTorch: `F.log_softmax`.
 * @example nllLoss(logSoftmax(logits, 1), labels)
 */
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxImpl(x, dim, true);
