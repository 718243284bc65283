/**
 * Shape ops that copy: expand/broadcastTo, repeat, flip, split/chunk, and F.pad (constant,
 * reflect, replicate, circular), with their gradient rules. Tensors here are always contiguous,
 * so what PyTorch does with a strided view is one strided copy (assembly/kernels/movement.ts,
 * whose strides may be 0 to repeat or negative to reverse).
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { COPY_MAX_DIMS } from '../abi.generated.js';
import { Shape, broadcastStrides, fmt, normAxis, sameShape, sizeOf, stridesOf } from '../shape.js';
import { cat, reshape, slice, stridedCopy } from './movement.js';
import { sumTo } from './reduce.js';
import { checkOptions, isPlainObject, keysOf, show } from '../args.js';

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** x's values repeated over the broadcast `shape` (x must broadcast to it); no autodiff. */
export function broadcastRaw(x: Tensor, shape: Shape, op: string): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = Tensor._empty(shape, op);
  if (x.size === 1) K().fill(out.ptr, out.size, x.item());
  else stridedCopy(x, 0, out, 0, shape, broadcastStrides(x.shape, shape), stridesOf(shape));
  return out;
}

/** Sizes given as numbers or one array (PyTorch accepts both: x.expand(2, 3) and x.expand([2, 3])). */
function sizesOf(args: (number | readonly number[])[], op: string, param: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]).slice() : (args as number[]).flat();
  if (list.some((v) => typeof v !== 'number')) throw new TypeError(`${op}: ${param} must be integers (or one array of them), got ${show(list)}`);
  return list;
}

/**
 * x broadcast to `sizes` (−1 keeps a dim; new dims are added in front), as PyTorch's expand.
 * PyTorch returns a view; here it is a copy, with the same values and the same gradient.
 */
export function expand(x: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  const op = 'expand';
  checkTensor(x, op);
  const want = sizesOf(sizes, op, 'sizes');
  if (want.length < x.ndim) {
    throw new RangeError(`expand: the number of sizes (${want.length}) must be at least the number of dimensions of the input (shape ${fmt(x.shape)})`);
  }
  const lead = want.length - x.ndim;
  const shape = want.map((s, i) => {
    if (!Number.isInteger(s) || s < -1) throw new RangeError(`expand: sizes must be non-negative integers or -1, got ${fmt(want)}`);
    if (i < lead) {
      if (s === -1) throw new RangeError(`expand: -1 is not allowed for the new leading dim ${i} (sizes ${fmt(want)})`);
      return s;
    }
    const have = x.shape[i - lead];
    if (s === -1) return have;
    if (have !== s && have !== 1) {
      throw new RangeError(`expand: the expanded size ${s} must match the existing size ${have} at non-singleton dim ${i} (input ${fmt(x.shape)}, sizes ${fmt(want)})`);
    }
    return s;
  });
  const out = sameShape(shape, x.shape) ? x._view(shape, op) : broadcastRaw(x, shape, op);
  return record(out, op, [x], (g) => [sumTo(g, x.shape)]);
}

/** x expanded to other's shape. */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  return expand(x, other.shape.slice());
}

/** x broadcast to `shape` (torch.broadcast_to). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape.slice());
}

/** x tiled `repeats` times along each dim (leading repeats add dims), as PyTorch's repeat. */
export function repeat(x: Tensor, ...repeats: (number | readonly number[])[]): Tensor {
  const op = 'repeat';
  checkTensor(x, op);
  const r = sizesOf(repeats, op, 'repeats');
  if (r.length < x.ndim) {
    throw new RangeError(`repeat: the number of repeats (${r.length}) must be at least the number of dimensions of the input (shape ${fmt(x.shape)})`);
  }
  if (r.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`repeat: repeats must be non-negative integers, got ${fmt(r)}`);
  const xs = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
  const outShape = xs.map((s, i) => s * r[i]);
  // out seen as [r0, s0, r1, s1, ...]: the source repeats along each r (stride 0)
  const pairShape = xs.flatMap((s, i) => [r[i], s]);
  const st = stridesOf(xs);
  let out = Tensor._empty(outShape, op);
  if (out.size > 0 && xs.length <= COPY_MAX_DIMS / 2) {
    stridedCopy(x, 0, out, 0, pairShape, xs.flatMap((_, i) => [0, st[i]]), stridesOf(pairShape));
  } else if (out.size > 0) {
    // more dims than one strided copy takes: one dim at a time, as [before, r, from this dim on]
    let cur = x._view(xs, op), curShape = xs.slice();
    xs.forEach((_, i) => {
      if (r[i] === 1) return;
      const before = sizeOf(curShape.slice(0, i)), rest = sizeOf(curShape.slice(i));
      curShape = curShape.map((s, j) => (j === i ? s * r[i] : s));
      const next = Tensor._empty(curShape, op);
      stridedCopy(cur, 0, next, 0, [before, r[i], rest], [rest, 0, 1], [r[i] * rest, rest, 1]);
      cur = next;
    });
    out = cur._view(outShape, op);
  }
  return record(out, op, [x], (g) => {
    const raxes = xs.map((_, i) => 2 * i);
    return [reshape(reshape(g, pairShape).sum(raxes), x.shape.slice())];
  });
}

/** x reversed along each of `dims`. */
export function flip(x: Tensor, ...dims: (number | readonly number[])[]): Tensor {
  const op = 'flip';
  checkTensor(x, op);
  const given = sizesOf(dims, op, 'dims');
  const ds = given.map((d) => normAxis(d, x.ndim, op, 'dims'));
  if (new Set(ds).size !== ds.length) throw new RangeError(`flip: dims ${fmt(given)} repeat a dimension`);
  const out = Tensor._empty(x.shape, op);
  const st = stridesOf(x.shape);
  let offset = 0;
  const src = st.slice();
  for (const d of ds) {
    if (x.shape[d] > 0) offset += (x.shape[d] - 1) * st[d];
    src[d] = -st[d];
  }
  if (out.size > 0) stridedCopy(x, offset, out, 0, x.shape, src, st);
  return record(out, op, [x], (g) => [flip(g, ds)]);
}

/**
 * x cut along dim into pieces of splitSize (the last may be smaller), or of the given sizes
 * (which must add up to the dim's length). Each piece is a copy with its own gradient.
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const op = 'split';
  checkTensor(x, op);
  if (x.ndim === 0) throw new RangeError('split: cannot split a 0-d tensor');
  const d = normAxis(dim, x.ndim, op);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0)) throw new RangeError(`split: split size must be a positive integer, got ${s}`);
    sizes = [];
    for (let at = 0; at < n; at += s) sizes.push(Math.min(s, n - at));
    if (n === 0) sizes.push(0);
  } else if (Array.isArray(splitSizeOrSections)) {
    sizes = splitSizeOrSections.slice();
    if (sizes.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`split: sizes must be non-negative integers, got ${fmt(sizes)}`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new RangeError(`split: sizes ${fmt(sizes)} add up to ${total}, but dim ${d} of the input (shape ${fmt(x.shape)}) has ${n}`);
  } else {
    throw new TypeError(`split: splitSizeOrSections must be a number or an array of numbers, got ${typeof splitSizeOrSections}`);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, d, at, at + s));
    at += s;
  }
  return out;
}

/** x cut into `chunks` pieces of ceil(n / chunks) along dim (the last smaller; possibly fewer pieces), as PyTorch. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const op = 'chunk';
  checkTensor(x, op);
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${show(chunks)}`);
  if (x.ndim === 0) throw new RangeError('chunk: cannot chunk a 0-d tensor');
  const n = x.shape[normAxis(dim, x.ndim, op)];
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/**
 * How `F.pad` fills: a constant, a mirror without the edge ('reflect'), the edge repeated, or wrap-around.
 * @example pad(x, [1, 1], { mode: 'reflect' })
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
/**
 * Options of `F.pad`.
 *
 * PyTorch: `F.pad(x, pad, mode, value)`.
 * @example pad(x, [2, 2, 2, 2], { value: -1 })
 */
export interface PadOptions {
  mode?: PadMode;
  /** Fill value of 'constant' mode (default 0). */
  value?: number;
}

const PAD_OPTIONS = keysOf<PadOptions>()('mode', 'value');

/**
 * F.pad: `pad` lists (left, right) amounts for the last dim, then the one before, ... as in
 * PyTorch. 'constant' fills with value (negative amounts crop); 'reflect' mirrors without
 * repeating the edge; 'replicate' repeats the edge; 'circular' wraps around.
 */
export function pad(x: Tensor, padding: readonly number[], modeOrOptions: PadMode | PadOptions = 'constant', value?: number): Tensor {
  const op = 'pad';
  checkTensor(x, op);
  if (isPlainObject(modeOrOptions) && value !== undefined) throw new TypeError('pad: give value in the options object or positionally, not both');
  const o: PadOptions = isPlainObject(modeOrOptions) ? { ...checkOptions(op, modeOrOptions, PAD_OPTIONS) } : { mode: modeOrOptions as PadMode, value };
  const mode = o.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new RangeError(`pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${show(mode)}`);
  }
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.some((p) => !Number.isInteger(p))) {
    throw new RangeError(`pad: padding must be an even-length array of integers (left, right for the last dim first), got ${show(padding)}`);
  }
  const dims = padding.length / 2;
  if (dims > x.ndim) throw new RangeError(`pad: padding of length ${padding.length} pads ${dims} dims, but the input has ${x.ndim} (shape ${fmt(x.shape)})`);
  if (mode === 'constant') return padConstant(x, padding, o.value ?? 0);
  if (o.value !== undefined && o.value !== 0) throw new RangeError(`pad: value applies only to 'constant' mode, not '${mode}'`);
  if (x.ndim < dims + 1) throw new RangeError(`pad: '${mode}' padding of ${dims} dim(s) needs an input with at least ${dims + 1} dims (batch or channel first), got shape ${fmt(x.shape)}`);
  let cur = x;
  for (let i = 0; i < dims; i++) {
    const d = x.ndim - 1 - i, left = padding[2 * i], right = padding[2 * i + 1];
    const n = x.shape[d];
    if (left < 0 || right < 0) throw new RangeError(`pad: '${mode}' padding must be non-negative, got ${show(padding)}`);
    if (mode === 'reflect' && (left >= n || right >= n)) {
      throw new RangeError(`pad: reflect padding (${left}, ${right}) must be less than the size ${n} of dim ${d} (input ${fmt(x.shape)})`);
    }
    if (mode === 'circular' && (left > n || right > n)) {
      throw new RangeError(`pad: circular padding (${left}, ${right}) must be at most the size ${n} of dim ${d} (input ${fmt(x.shape)})`);
    }
    if (mode === 'replicate' && n === 0 && left + right > 0) throw new RangeError(`pad: cannot replicate-pad the empty dim ${d} (input ${fmt(x.shape)})`);
    const parts: Tensor[] = [];
    if (left > 0) {
      parts.push(mode === 'reflect' ? flip(slice(cur, d, 1, left + 1), d)
        : mode === 'replicate' ? expandAlong(slice(cur, d, 0, 1), d, left) : slice(cur, d, n - left, n));
    }
    parts.push(cur);
    if (right > 0) {
      parts.push(mode === 'reflect' ? flip(slice(cur, d, n - 1 - right, n - 1), d)
        : mode === 'replicate' ? expandAlong(slice(cur, d, n - 1, n), d, right) : slice(cur, d, 0, right));
    }
    cur = parts.length === 1 ? cur : cat(parts, d);
  }
  return cur;
}

function expandAlong(x: Tensor, d: number, n: number): Tensor {
  const shape = x.shape.slice();
  shape[d] = n;
  return expand(x, shape);
}

function padConstant(x: Tensor, padding: readonly number[], value: number): Tensor {
  const op = 'pad';
  if (typeof value !== 'number') throw new TypeError(`pad: value must be a number, got ${show(value)}`);
  const outShape = x.shape.slice();
  const srcStart = new Array<number>(x.ndim).fill(0), dstStart = new Array<number>(x.ndim).fill(0);
  const box = x.shape.slice();
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i, left = padding[2 * i], right = padding[2 * i + 1];
    outShape[d] = x.shape[d] + left + right;
    if (outShape[d] < 0) throw new RangeError(`pad: padding (${left}, ${right}) makes dim ${d} of size ${x.shape[d]} negative (input ${fmt(x.shape)})`);
    srcStart[d] = Math.max(0, -left);
    dstStart[d] = Math.max(0, left);
    box[d] = Math.max(0, Math.min(x.shape[d] - srcStart[d], outShape[d] - dstStart[d]));
  }
  const xs = stridesOf(x.shape), os = stridesOf(outShape);
  const srcOff = srcStart.reduce((a, s, d) => a + s * xs[d], 0), dstOff = dstStart.reduce((a, s, d) => a + s * os[d], 0);
  const out = Tensor._empty(outShape, op);
  K().fill(out.ptr, out.size, value);
  if (sizeOf(box) > 0) stridedCopy(x, srcOff, out, dstOff, box, xs, os);
  return record(out, op, [x], (g) => {
    const gx = Tensor._like(x, 'pad backward');
    K().fill(gx.ptr, gx.size, 0);
    if (sizeOf(box) > 0) stridedCopy(g, dstOff, gx, srcOff, box, os, xs);
    return [gx];
  });
}
