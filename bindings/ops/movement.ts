/**
 * Data movement: reshape (a view), permute/transpose, slice, cat, row gather and one-hot, with
 * gradient rules. Copies go through one strided-copy kernel (assembly/kernels/movement.ts).
 */
import { Tensor, fromValues } from '../tensor.js';
import { record, GradNode, needsGrad, attach } from '../autograd.js';
import { K, i32 } from '../wasm.js';
import { COPY_MAX_DIMS } from '../abi.generated.js';
import { alloc, free, withScratch } from '../memory.js';
import { Shape, fmt, normAxis, sizeOf, stridesOf, collapseDims } from '../shape.js';
import { show } from '../args.js';

/** Copies the box `shape` from src (element strides ss, offset so) to dst (strides ds, offset do). */
export function stridedCopy(src: Tensor, srcOffset: number, dst: Tensor, dstOffset: number,
  shape: Shape, ss: number[], ds: number[], accumulate = false): void {
  if (sizeOf(shape) === 0) return;
  const c = collapseDims(shape, [ss, ds]);
  if (c.shape.length > COPY_MAX_DIMS) throw new RangeError(`copy: more than ${COPY_MAX_DIMS} non-trivial dims (${fmt(shape)})`);
  const n = c.shape.length;
  const args = alloc(ARGS_BYTES);
  try {
    const v = i32();
    const base = args >>> 2;
    for (let i = 0; i < n; i++) {
      v[base + i] = c.shape[i];
      v[base + COPY_MAX_DIMS + i] = c.strides[0][i];
      v[base + 2 * COPY_MAX_DIMS + i] = c.strides[1][i];
    }
    K().stridedCopy(src.ptr + 4 * srcOffset, dst.ptr + 4 * dstOffset, n, args, args + 4 * COPY_MAX_DIMS, args + 8 * COPY_MAX_DIMS, accumulate ? 1 : 0);
  } finally {
    free(args, ARGS_BYTES);
  }
}
const ARGS_BYTES = 3 * COPY_MAX_DIMS * 4; // shape, source strides, destination strides

/**
 * The same elements in a new shape (one size may be −1 and is inferred).
 *
 * PyTorch: `torch.reshape` (also `x.view`).
 * @example reshape(x, [-1, 784])
 */
export function reshape(x: Tensor, shape: number[]): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('reshape: input must be a Tensor');
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (s.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== infer))) {
    throw new RangeError(`reshape: invalid shape ${fmt(shape)} (non-negative integers and at most one -1)`);
  }
  if (infer >= 0) {
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) throw new RangeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    s[infer] = x.size / known;
  }
  if (sizeOf(s) !== x.size) throw new RangeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
  const out = x._view(s, 'reshape');
  if (!needsGrad(x)) return out;
  return attach(out, new GradNode('reshape', [x], reshapeRule));
}

function reshapeRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  return [g._view(node.inputs[0].shape, 'reshape backward')];
}

/**
 * Dims startDim..endDim merged into one.
 *
 * PyTorch: `torch.flatten`.
 * @example flatten(images, 1)   // [N, C·H·W]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis(startDim, x.ndim, 'flatten', 'startDim');
  const e = normAxis(endDim, x.ndim, 'flatten', 'endDim');
  if (s > e) throw new RangeError(`flatten: startDim (${startDim}) comes after endDim (${endDim})`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/**
 * A new dim of size 1 inserted at dim.
 *
 * PyTorch: `torch.unsqueeze`.
 * @example unsqueeze(v, 0)   // [1, n]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normAxis(dim, x.ndim + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/**
 * Dims of size 1 removed (all of them, or only dim).
 *
 * PyTorch: `torch.squeeze`.
 * @example squeeze(x, 1)
 */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normAxis(dim, x.ndim, 'squeeze');
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : reshape(x, x.shape.slice());
}

/**
 * The dims reordered as dims lists them.
 *
 * PyTorch: `torch.permute`.
 * @example permute(images, [0, 2, 3, 1])   // NCHW -> NHWC
 */
export function permute(x: Tensor, dims: number[]): Tensor {
  if (dims.length !== x.ndim) throw new RangeError(`permute: got ${dims.length} dims [${dims.join(', ')}] for a tensor with ${x.ndim} dimensions (shape ${fmt(x.shape)})`);
  const p = dims.map((d) => normAxis(d, x.ndim, 'permute', 'dims'));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: dims [${dims.join(', ')}] repeat a dimension`);
  const outShape = p.map((d) => x.shape[d]);
  const out = Tensor._empty(outShape, 'permute');
  const xs = stridesOf(x.shape);
  stridedCopy(x, 0, out, 0, outShape, p.map((d) => xs[d]), stridesOf(outShape));
  return record(out, 'permute', [x], (g) => {
    const inverse = new Array<number>(p.length);
    p.forEach((d, i) => { inverse[d] = i; });
    return [permute(g, inverse)];
  });
}

/**
 * dim0 and dim1 swapped (default: the last two).
 *
 * PyTorch: `torch.transpose` (`x.T` for 2-D: `transpose(x)`).
 * @example transpose(w)
 */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return reshape(x, x.shape.slice());
  const a = normAxis(dim0, x.ndim, 'transpose', 'dim0');
  const b = normAxis(dim1, x.ndim, 'transpose', 'dim1');
  const p = x.shape.map((_, i) => i);
  [p[a], p[b]] = [p[b], p[a]];
  return permute(x, p);
}

/** A slice bound: negative counts from the end; clamped into [0, n]. */
function clampIndex(i: number, n: number): number {
  return Math.min(Math.max(i < 0 ? i + n : i, 0), n);
}

/** Elements start, start+step, ... below end along dim (negative start/end count from the end). */
export function slice(x: Tensor, dim: number, start: number, end?: number, step = 1): Tensor {
  const d = normAxis(dim, x.ndim, 'slice');
  const n = x.shape[d];
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${show(step)}`);
  if (!Number.isInteger(start)) throw new TypeError(`slice: start must be an integer, got ${show(start)}`);
  const s = clampIndex(start, n), e = clampIndex(end ?? n, n);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const outShape = x.shape.slice();
  outShape[d] = len;
  const out = Tensor._empty(outShape, 'slice');
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.ndim; i++) inner *= x.shape[i];
  const offset = s * inner;
  // Step 1 along the outermost dim that is not 1 (or over all of dim d) is one contiguous block.
  let srcStrides: number[] | null = null;
  if (step === 1 && (len === n || outer === 1)) {
    if (out.size > 0) K().copyBytes(x.ptr + 4 * offset, out.ptr, out.size * 4);
  } else {
    srcStrides = stridesOf(x.shape);
    srcStrides[d] *= step;
    stridedCopy(x, offset, out, 0, outShape, srcStrides, stridesOf(outShape));
  }
  if (!needsGrad(x)) return out;
  return attach(out, new GradNode('slice', [x], sliceRule, srcStrides, offset));
}

/** Scatters g back into zeros at the slice's place: node.n0 is its offset, node.saved its strides in x (null: contiguous). */
function sliceRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  const dx = Tensor._like(node.inputs[0], 'slice backward');
  K().fill(dx.ptr, dx.size, 0);
  const srcStrides = node.saved as number[] | null;
  if (srcStrides === null) {
    if (g.size > 0) K().copyBytes(g.ptr, dx.ptr + 4 * node.n0, g.size * 4);
  } else {
    stridedCopy(g, 0, dx, node.n0, g.shape, stridesOf(g.shape), srcStrides);
  }
  return [dx];
}

/** Concatenates tensors along dim (all other dims equal). */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => { if (!(t instanceof Tensor)) throw new TypeError(`cat: element ${i} is not a Tensor`); });
  const first = tensors[0];
  const d = normAxis(dim, first.ndim, 'cat');
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((v, i) => i !== d && v !== first.shape[i])) {
      throw new RangeError(`cat: shapes ${fmt(first.shape)} and ${fmt(t.shape)} differ outside dim ${d}`);
    }
  }
  const outShape = first.shape.slice();
  outShape[d] = tensors.reduce((n, t) => n + t.shape[d], 0);
  const out = Tensor._empty(outShape, 'cat');
  const os = stridesOf(outShape);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    stridedCopy(t, 0, out, offset * os[d], t.shape, stridesOf(t.shape), os);
    offset += t.shape[d];
  }
  return record(out, 'cat', tensors, (g) => tensors.map((t, i) =>
    t.requiresGrad ? slice(g, d, offsets[i], offsets[i] + t.shape[d]) : null));
}

/** Writes integer indices (a tensor of whole numbers, or an array) to wasm as i32 and runs fn. */
export function withIndices<T>(indices: ArrayLike<number> | Tensor, op: string, fn: (ptr: number, n: number) => T): T {
  const n = indices instanceof Tensor ? indices.size : indices.length;
  return withScratch(Math.max(n, 1) * 4, (ptr) => {
    if (indices instanceof Tensor) {
      K().f32ToI32(indices.ptr, ptr, n);
    } else {
      const v = i32();
      for (let i = 0; i < n; i++) {
        const k = indices[i];
        if (!Number.isInteger(k)) throw new TypeError(`${op}: index ${i} is ${k}, not an integer`);
        v[(ptr >>> 2) + i] = k;
      }
    }
    return fn(ptr, n);
  });
}

/**
 * Integer indices given as a Tensor (0-d or 1-D), an array or a typed array, checked in JS:
 * whole numbers in [0, size), as PyTorch's index_select wants them. Returns an Int32Array.
 */
export function indexArray(index: unknown, op: string, param: string, size: number, what: string): Int32Array {
  let values: ArrayLike<number>;
  if (index instanceof Tensor) {
    if (index.ndim > 1) throw new RangeError(`${op}: ${param} must be 0-d or 1-D, got shape ${fmt(index.shape)}`);
    values = index._read();
  } else if (Array.isArray(index) || (ArrayBuffer.isView(index) && !(index instanceof DataView))) {
    values = index as ArrayLike<number>;
  } else {
    throw new TypeError(`${op}: ${param} must be a Tensor or an array of integers, got ${show(index)}`);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const k = values[i];
    if (typeof k !== 'number' || !Number.isInteger(k)) throw new TypeError(`${op}: ${param}[${i}] is ${show(k)}, not an integer`);
    if (k < 0 || k >= size) throw new RangeError(`${op}: ${param}[${i}] = ${k} is out of range for ${what} of size ${size}`);
    out[i] = k;
  }
  return out;
}

/**
 * PyTorch's index_select: the entries of `input` at positions `index` (0-d or 1-D, whole
 * numbers) along `dim`; the gradient scatters (adds) back. Seen as [outer, n, inner], each of
 * the outer blocks is one gatherRows call of rows `inner` long.
 */
export function indexSelect(input: Tensor, dim: number, index: ArrayLike<number> | Tensor): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError(`indexSelect: input must be a Tensor, got ${show(input)}`);
  if (typeof dim !== 'number') {
    throw new TypeError(`indexSelect: dim must be an integer, got ${show(dim)}; the signature is indexSelect(input, dim, index) (x.indexSelect(dim, index)), as PyTorch's index_select`);
  }
  if (input.ndim === 0) throw new RangeError('indexSelect: input must have at least one dimension, got a 0-d tensor');
  const d = normAxis(dim, input.ndim, 'indexSelect');
  if (index === undefined) throw new TypeError('indexSelect: index is required: indexSelect(input, dim, index)');
  const n = input.shape[d];
  const idx = indexArray(index, 'indexSelect', 'index', n, `dim ${d}`);
  const k = idx.length;
  const outShape = input.shape.slice();
  outShape[d] = k;
  const outer = sizeOf(input.shape.slice(0, d)), inner = sizeOf(input.shape.slice(d + 1));
  const out = Tensor._empty(outShape, 'indexSelect');
  if (out.size > 0) {
    withIndices(idx, 'indexSelect', (ptr) => {
      const kern = K(), xp = input.ptr, yp = out.ptr;
      for (let o = 0; o < outer; o++) kern.gatherRows(xp + 4 * o * n * inner, ptr, yp + 4 * o * k * inner, k, inner, n);
    });
  }
  return record(out, 'indexSelect', [input], (g) => {
    const dx = Tensor._like(input, 'indexSelect backward');
    const kern = K();
    kern.fill(dx.ptr, dx.size, 0);
    if (g.size > 0) {
      withIndices(idx, 'indexSelect', (ptr) => {
        const gp = g.ptr, xp = dx.ptr;
        for (let o = 0; o < outer; o++) kern.scatterAddRows(gp + 4 * o * k * inner, ptr, xp + 4 * o * n * inner, k, inner);
      });
    }
    return [dx];
  });
}

/** [n, numClasses] one-hot rows of integer labels. */
export function oneHot(labels: ArrayLike<number> | Tensor, numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`oneHot: numClasses must be a positive integer, got ${show(numClasses)}`);
  const n = labels instanceof Tensor ? labels.size : labels.length;
  const out = Tensor._empty([n, numClasses], 'oneHot');
  withIndices(labels, 'oneHot', (ptr) => {
    const bad = K().oneHot(ptr, out.ptr, n, numClasses);
    if (bad >= 0) throw new RangeError(`oneHot: label ${i32()[(ptr >>> 2) + bad]} at position ${bad} is outside [0, ${numClasses})`);
  });
  return out;
}

export { fromValues };
