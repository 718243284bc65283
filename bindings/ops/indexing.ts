/**
 * Indexing along a dim: gather, scatter, scatterAdd, indexAdd, and sort, argsort,
 * topk (whose values are a gather, so they carry its gradient). Kernels:
 * assembly/kernels/indexing.ts, on [outer, n, inner] views around the indexed dim.
 *
 * Index tensors hold whole numbers in float32 (the engine's one dtype; exact below 2^24), or
 * are given as (nested) arrays. Indices are checked: a fraction or an index out of range is an
 * error that names the op, the position and the shapes. Sorting runs in JavaScript with a total
 * order (NaN after every number, as PyTorch; ties keep their original order), so it is
 * deterministic everywhere.
 */
import { Tensor, NestedArray } from '../tensor.js';
import { record } from '../autograd.js';
import { K, f32, i32 } from '../wasm.js';
import { Shape, fmt, normAxis, sameShape, sizeOf, stridesOf } from '../shape.js';
import { stridedCopy } from './movement.js';
import { boolArg, checkOptions, isPlainObject, keysOf, show } from '../args.js';

/**
 * Integer indices as a Tensor (float32 values), nested arrays or a typed array.
 * @example indexSelect(x, 0, [2, 0, 1])
 */
export type IndexLike = Tensor | NestedArray | ArrayLike<number>;

function checkTensor(x: unknown, op: string, param = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${param} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** Shape and i32 values of an index argument; every value must be a whole number. */
function readIndex(index: IndexLike, op: string, param = 'index'): { shape: number[]; values: Int32Array } {
  let shape: number[], data: ArrayLike<number>;
  if (index instanceof Tensor) {
    shape = index.shape.slice();
    data = index.data();
  } else if (ArrayBuffer.isView(index)) {
    data = index as unknown as ArrayLike<number>;
    shape = [data.length];
  } else if (Array.isArray(index) || typeof index === 'number') {
    const flat: number[] = [];
    shape = [];
    let probe: NestedArray = index as NestedArray;
    while (Array.isArray(probe)) { shape.push(probe.length); probe = probe[0]; }
    const walk = (v: NestedArray, d: number): void => {
      if (d === shape.length) {
        if (typeof v !== 'number') throw new TypeError(`${op}: ${param} must hold numbers`);
        flat.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[d]) throw new RangeError(`${op}: ${param} is a ragged nested array`);
      v.forEach((w) => walk(w, d + 1));
    };
    walk(index as NestedArray, 0);
    data = flat;
  } else {
    throw new TypeError(`${op}: ${param} must be a Tensor or an array of integers, got ${index === null ? 'null' : typeof index}`);
  }
  const values = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v)) throw new TypeError(`${op}: ${param} must hold whole numbers, got ${v} at flat position ${i}`);
    values[i] = v;
  }
  return { shape, values };
}

/** An i32 block owned by a tensor (never shown to users), so saved indices live as long as the graph. */
function indexBlock(values: Int32Array, op: string): Tensor {
  const t = Tensor._empty([values.length], op);
  if (values.length) i32().set(values, t.ptr >>> 2);
  return t;
}

/** The position of flat index i in `shape`, as "[a, b, c]". */
function position(i: number, shape: Shape): string {
  const st = stridesOf(shape);
  return fmt(shape.map((_, d) => Math.floor(i / st[d]) % shape[d]));
}

function zeros(shape: Shape, op: string): Tensor {
  const t = Tensor._empty(shape, op);
  K().fill(t.ptr, t.size, 0);
  return t;
}

/** The leading box `box` of x (a copy), or x itself when the box is all of it. */
function narrowTo(x: Tensor, box: Shape, op: string): Tensor {
  if (sameShape(x.shape, box)) return x;
  const out = Tensor._empty(box, op);
  if (out.size) stridedCopy(x, 0, out, 0, box, stridesOf(x.shape), stridesOf(box));
  return out;
}

/** dst gets src in its leading box (the reverse of narrowTo); dst's other values stay. */
function writeBox(src: Tensor, dst: Tensor): void {
  if (src.size) stridedCopy(src, 0, dst, 0, src.shape, stridesOf(src.shape), stridesOf(dst.shape));
}

interface Along { d: number; outer: number; n: number; m: number; inner: number; idxShape: number[] }

/** Checks a per-element index against x (same rank; index.size(k) <= x.size(k) for k != dim). */
function alongDim(x: Tensor, dim: number, idxShape: number[], op: string): Along {
  if (x.ndim === 0) throw new RangeError(`${op}: input must have at least one dimension`);
  const d = normAxis(dim, x.ndim, op);
  if (idxShape.length !== x.ndim) {
    throw new RangeError(`${op}: index must have as many dims as the input: index ${fmt(idxShape)} vs input ${fmt(x.shape)}`);
  }
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && idxShape[k] > x.shape[k]) {
      throw new RangeError(`${op}: index ${fmt(idxShape)} is larger than the input ${fmt(x.shape)} at dim ${k} (only dim ${d} may differ)`);
    }
  }
  return { d, outer: sizeOf(idxShape.slice(0, d)), n: x.shape[d], m: idxShape[d], inner: sizeOf(idxShape.slice(d + 1)), idxShape };
}

/** Throws the error for a kernel's bad-index result (≥ 0). */
function badIndex(bad: number, values: Int32Array, a: Along, x: Tensor, op: string): never {
  throw new RangeError(`${op}: index ${values[bad]} at position ${position(bad, a.idxShape)} is out of range for dim ${a.d} of size ${a.n} (input ${fmt(x.shape)}, index ${fmt(a.idxShape)})`);
}

/** out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1), as torch.gather; out has the index's shape. */
export function gather(x: Tensor, dim: number, index: IndexLike): Tensor {
  const op = 'gather';
  checkTensor(x, op);
  const { shape, values } = readIndex(index, op);
  const a = alongDim(x, dim, shape, op);
  // only the box the index covers is read: [.., n, ..] with the index's extents elsewhere
  const box = shape.map((s, k) => (k === a.d ? a.n : s));
  const src = narrowTo(x, box, op);
  const idx = indexBlock(values, `${op} indices`);
  const out = Tensor._empty(shape, op);
  const bad = out.size ? K().gatherAlong(src.ptr, idx.ptr, out.ptr, a.outer, a.n, a.m, a.inner) : -1;
  if (bad >= 0) badIndex(bad, values, a, x, op);
  return record(out, op, [x], (g) => {
    const dsrc = zeros(box, `${op} backward`);
    if (g.size) K().scatterAlong(g.ptr, idx.ptr, dsrc.ptr, a.outer, a.n, a.m, a.inner, 1);
    if (sameShape(box, x.shape)) return [dsrc];
    const dx = zeros(x.shape, `${op} backward`);
    writeBox(dsrc, dx);
    return [dx];
  });
}

/** Runs fn on the box of y the index covers: y itself, or a copy that is written back. */
function onBox(y: Tensor, box: Shape, op: string, fn: (b: Tensor) => void): void {
  if (sameShape(box, y.shape)) {
    fn(y);
    return;
  }
  const b = narrowTo(y, box, op);
  fn(b);
  writeBox(b, y);
}

function scatterImpl(x: Tensor, dim: number, index: IndexLike, src: Tensor | number, accumulate: boolean, op: string): Tensor {
  checkTensor(x, op);
  const { shape, values } = readIndex(index, op);
  const a = alongDim(x, dim, shape, op);
  const box = shape.map((s, k) => (k === a.d ? a.n : s));
  let srcBox: Tensor | null = null;
  if (src instanceof Tensor) {
    if (src.ndim !== x.ndim || shape.some((s, k) => s > src.shape[k])) {
      throw new RangeError(`${op}: src ${fmt(src.shape)} must have the input's rank and be at least as large as the index ${fmt(shape)} in every dim`);
    }
    srcBox = narrowTo(src, shape, op);
  } else if (typeof src !== 'number') {
    throw new TypeError(`${op}: src must be a Tensor or a number, got ${src === null ? 'null' : typeof src}`);
  } else if (accumulate) {
    throw new TypeError(`${op}: src must be a Tensor`);
  }
  const idx = indexBlock(values, `${op} indices`);
  const out = Tensor._like(x, op);
  K().copyBytes(x.ptr, out.ptr, x.size * 4);
  let bad = -1;
  if (values.length) {
    onBox(out, box, op, (b) => {
      bad = srcBox ? K().scatterAlong(srcBox.ptr, idx.ptr, b.ptr, a.outer, a.n, a.m, a.inner, accumulate ? 1 : 0)
        : K().scatterFill(src as number, idx.ptr, b.ptr, a.outer, a.n, a.m, a.inner);
    });
  }
  if (bad >= 0) badIndex(bad, values, a, x, op);
  const inputs = src instanceof Tensor ? [x, src] : [x];
  return record(out, op, inputs, (g) => {
    let gx: Tensor | null = null, gs: Tensor | null = null;
    if (x.requiresGrad) {
      if (accumulate) {
        gx = g;
      } else {
        // the overwritten places take no gradient back to x
        gx = Tensor._like(g, `${op} backward`);
        K().copyBytes(g.ptr, gx.ptr, g.size * 4);
        if (values.length) onBox(gx, box, op, (b) => { K().scatterFill(0, idx.ptr, b.ptr, a.outer, a.n, a.m, a.inner); });
      }
    }
    if (src instanceof Tensor && src.requiresGrad) {
      // as PyTorch: grad_src = grad.gather(dim, index), zero outside the index's box
      const gBox = narrowTo(g, box, `${op} backward`);
      const picked = Tensor._empty(shape, `${op} backward`);
      if (picked.size) K().gatherAlong(gBox.ptr, idx.ptr, picked.ptr, a.outer, a.n, a.m, a.inner);
      if (sameShape(shape, src.shape)) gs = picked;
      else {
        gs = zeros(src.shape, `${op} backward`);
        writeBox(picked, gs);
      }
    }
    return [gx, gs];
  });
}

/**
 * A copy of x with x[i][index[i][j][k]][k] = src[i][j][k] (for dim 1), as torch.scatter; src
 * may be a number. With repeated indices the last write (in row-major index order) wins.
 */
export function scatter(x: Tensor, dim: number, index: IndexLike, src: Tensor | number): Tensor {
  return scatterImpl(x, dim, index, src, false, 'scatter');
}

/** A copy of x with src added at the indexed places (repeated indices add up), as torch.scatter_add. */
export function scatterAdd(x: Tensor, dim: number, index: IndexLike, src: Tensor): Tensor {
  return scatterImpl(x, dim, index, src, true, 'scatterAdd');
}

interface SliceIndex { d: number; outer: number; n: number; m: number; inner: number; values: Int32Array }

function sliceIndex(x: Tensor, dim: number, index: IndexLike, op: string): SliceIndex {
  if (x.ndim === 0) throw new RangeError(`${op}: input must have at least one dimension`);
  const d = normAxis(dim, x.ndim, op);
  const { shape, values } = readIndex(index, op);
  if (shape.length > 1) throw new RangeError(`${op}: index must be 1-D, got shape ${fmt(shape)}`);
  return { d, outer: sizeOf(x.shape.slice(0, d)), n: x.shape[d], m: values.length, inner: sizeOf(x.shape.slice(d + 1)), values };
}

function badSlice(bad: number, s: SliceIndex, x: Tensor, op: string): never {
  throw new RangeError(`${op}: index ${s.values[bad]} at position ${bad} is out of range for dim ${s.d} of size ${s.n} (input ${fmt(x.shape)})`);
}

/**
 * Options of `indexAdd`.
 *
 * PyTorch: `torch.index_add(x, dim, index, source, alpha=)`.
 * @example indexAdd(x, 0, [0, 2], src, { alpha: -1 })
 */
export interface IndexAddOptions {
  /** Scale of source (default 1). */
  alpha?: number;
}

/** A copy of x with alpha·source[.., j, ..] added to the slice index[j] along dim (torch.index_add). */
export function indexAdd(x: Tensor, dim: number, index: IndexLike, source: Tensor, options: IndexAddOptions = {}): Tensor {
  const op = 'indexAdd';
  checkTensor(x, op);
  checkTensor(source, op, 'source');
  const alpha = checkOptions(op, options, keysOf<IndexAddOptions>()('alpha')).alpha ?? 1;
  if (typeof alpha !== 'number') throw new TypeError(`indexAdd: alpha must be a number, got ${show(alpha)}`);
  const s = sliceIndex(x, dim, index, op);
  const want = x.shape.slice();
  want[s.d] = s.m;
  if (!sameShape(source.shape, want)) {
    throw new RangeError(`indexAdd: source must have shape ${fmt(want)} (the input ${fmt(x.shape)} with dim ${s.d} the index's length ${s.m}), got ${fmt(source.shape)}`);
  }
  const idx = indexBlock(s.values, `${op} indices`);
  const out = Tensor._like(x, op);
  K().copyBytes(x.ptr, out.ptr, x.size * 4);
  const bad = K().indexAddAlong(source.ptr, idx.ptr, out.ptr, s.outer, s.n, s.m, s.inner, alpha);
  if (bad >= 0) badSlice(bad, s, x, op);
  return record(out, op, [x, source], (g) => {
    let gs: Tensor | null = null;
    if (source.requiresGrad) {
      gs = Tensor._empty(want, `${op} backward`);
      K().indexSelectAlong(g.ptr, idx.ptr, gs.ptr, s.outer, s.n, s.m, s.inner);
      if (alpha !== 1) gs = gs.mul(alpha);
    }
    return [x.requiresGrad ? g : null, gs];
  });
}

// ---- sorting ------------------------------------------------------------------------------

/** PyTorch's result pair: destructure it ([values, indices]) or use .values / .indices. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

/** Indices that sort each line along dim (stable; NaN last ascending, first descending), as a float tensor. */
function sortedIndices(x: Tensor, d: number, descending: boolean, keep: number, op: string): Tensor {
  const n = x.shape[d], outer = sizeOf(x.shape.slice(0, d)), inner = sizeOf(x.shape.slice(d + 1));
  const v = x.data();
  const outShape = x.shape.slice();
  outShape[d] = keep;
  const out = new Float32Array(outer * keep * inner);
  const order = new Array<number>(n);
  const line = new Float64Array(n);
  // NaN compares as the largest value (PyTorch's order); ties keep the original order
  const byValue = (a: number, b: number): number => {
    const x1 = line[a], x2 = line[b];
    return x1 !== x1 ? (x2 !== x2 ? 0 : 1) : x2 !== x2 ? -1 : x1 < x2 ? -1 : x1 > x2 ? 1 : 0;
  };
  const up = (a: number, b: number): number => byValue(a, b) || a - b;
  const down = (a: number, b: number): number => byValue(b, a) || a - b;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let k = 0; k < n; k++) {
        order[k] = k;
        line[k] = v[base + k * inner];
      }
      order.sort(descending ? down : up);
      const ob = o * keep * inner + i;
      for (let k = 0; k < keep; k++) out[ob + k * inner] = order[k];
    }
  }
  const t = Tensor._empty(outShape, op);
  f32().set(out, t.ptr >>> 2);
  return t;
}

function dimOf(x: Tensor, dim: number, op: string): number {
  checkTensor(x, op);
  if (x.ndim === 0) throw new RangeError(`${op}: input must have at least one dimension`);
  return normAxis(dim, x.ndim, op);
}

/**
 * Options of `sort`.
 *
 * PyTorch: `torch.sort(x, dim, descending, stable)`.
 * @example sort(x, { dim: 0, descending: true })
 */
export interface SortOptions {
  dim?: number;
  descending?: boolean;
  /** Ties always keep their original order here (stable), so this flag changes nothing. */
  stable?: boolean;
}

/**
 * PyTorch's (dim, flag, ...) positionally or one options object in place of dim (with every
 * key known); flags must be booleans. Returns the options with the defaults filled in.
 */
function sortArgs<T extends { dim?: number }>(op: string, dimOrOptions: unknown, positional: Omit<T, 'dim'>, valid: readonly string[]): T & { dim: number } {
  if (isPlainObject(dimOrOptions)) {
    const o = checkOptions(op, dimOrOptions as T, valid);
    return { ...positional, ...o, dim: o.dim ?? -1 } as T & { dim: number };
  }
  if (typeof dimOrOptions !== 'number') throw new TypeError(`${op}: dim must be an integer or an options object { ${valid.join(', ')} }, got ${show(dimOrOptions)}`);
  return { ...positional, dim: dimOrOptions } as T & { dim: number };
}

const SORT_OPTIONS = keysOf<SortOptions>()('dim', 'descending', 'stable');

/** Indices that sort x along dim (default the last), ascending unless descending. */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor {
  const d = dimOf(x, dim, 'argsort');
  return sortedIndices(x, d, boolArg('argsort', 'descending', descending), x.shape[d], 'argsort');
}

/** [values, indices] of x sorted along dim; values carry the gradient back to their places. */
export function sort(x: Tensor, dimOrOptions: number | SortOptions = -1, descending = false): ValuesIndices {
  const op = 'sort';
  checkTensor(x, op);
  const o = sortArgs<SortOptions>(op, dimOrOptions, { descending }, SORT_OPTIONS);
  const d = dimOf(x, o.dim, op);
  boolArg(op, 'stable', o.stable, true);
  const indices = sortedIndices(x, d, boolArg(op, 'descending', o.descending, false), x.shape[d], op);
  return valuesIndices(gather(x, d, indices), indices);
}

/**
 * Options of `topk`.
 *
 * PyTorch: `torch.topk(x, k, dim, largest, sorted)`.
 * @example topk(scores, 5, { largest: false })
 */
export interface TopkOptions {
  dim?: number;
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Results come sorted either way (PyTorch leaves the order open when false). */
  sorted?: boolean;
}

const TOPK_OPTIONS = keysOf<TopkOptions>()('dim', 'largest', 'sorted');

/** [values, indices] of the k largest (or smallest) elements along dim (default the last), sorted. */
export function topk(x: Tensor, k: number, dimOrOptions: number | TopkOptions = -1, largest = true, sorted = true): ValuesIndices {
  checkTensor(x, 'topk');
  const o = sortArgs<TopkOptions>('topk', dimOrOptions, { largest, sorted }, TOPK_OPTIONS);
  const d = dimOf(x, o.dim, 'topk');
  boolArg('topk', 'sorted', o.sorted, true);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[d]) {
    throw new RangeError(`topk: k must be an integer in [0, ${x.shape[d]}] (the size of dim ${d} of the input ${fmt(x.shape)}), got ${k}`);
  }
  const indices = sortedIndices(x, d, boolArg('topk', 'largest', o.largest, true), k, 'topk');
  return valuesIndices(gather(x, d, indices), indices);
}
