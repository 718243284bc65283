/**
 * interpolate (nearest, nearest-exact, bilinear with alignCorners false/true, area) and
 * adaptiveAvgPool2d, with their gradients. The index and weight tables follow PyTorch's coordinate
 * rules (upsample kernels in ATen, including its float32 nearest scale and 1/scaleFactor when a
 * scale factor is given); the planes are resampled by assembly/kernels/resample.ts, split across
 * threads.
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { f32, i32 } from '../wasm.js';
import { withScratch } from '../memory.js';
import { splitItems } from '../threads.js';
import { fmt } from '../shape.js';
import { bindArgs, boolArg, keysOf, show } from '../args.js';

/**
 * The resampling rule of `F.interpolate`, with PyTorch's coordinate rules.
 * @example interpolate(x, { scaleFactor: 2, mode: 'bilinear' })
 */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'bilinear' | 'area';
const MODES: readonly string[] = ['nearest', 'nearest-exact', 'bilinear', 'area'];
/** PyTorch's positional order of interpolate's options. */
export const INTERPOLATE_ARGS = keysOf<InterpolateOptions>()('size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor');

/**
 * Options of `F.interpolate` and `nn.Upsample`.
 *
 * PyTorch: `F.interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor)`.
 * @example interpolate(x, { size: [14, 14], mode: 'area' })
 */
export interface InterpolateOptions {
  /** Output size of the spatial dims (a number for all of them). Give size or scaleFactor. */
  size?: number | number[];
  scaleFactor?: number | number[];
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /** bilinear only: map corner pixel centres onto each other (default false). */
  alignCorners?: boolean;
  /** Use in/out sizes instead of 1/scaleFactor for the coordinate mapping (default false). */
  recomputeScaleFactor?: boolean;
}

/** Per output index along one dim: source index (nearest) or two indices and weights (linear). */
interface Axis { idx: Int32Array; w: Float32Array | null }

function nearestAxis(inSize: number, outSize: number, scale: number | undefined, exact: boolean): Axis {
  const idx = new Int32Array(outSize);
  // ATen computes this scale in float32: 1/scaleFactor when given, else in/out
  const s = Math.fround(scale !== undefined ? 1 / scale : inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (!exact && outSize === inSize) idx[o] = o;
    else if (!exact && outSize === 2 * inSize) idx[o] = o >> 1;
    else idx[o] = Math.min(Math.floor(Math.fround((exact ? o + 0.5 : o) * s)), inSize - 1);
  }
  return { idx, w: null };
}

function linearAxis(inSize: number, outSize: number, scale: number | undefined, alignCorners: boolean): Axis {
  const idx = new Int32Array(2 * outSize), w = new Float32Array(2 * outSize);
  const s = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : (scale !== undefined ? 1 / scale : inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    const src = alignCorners ? s * o : Math.max(s * (o + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const l1 = Math.min(Math.max(src - i0, 0), 1);
    idx[2 * o] = i0;
    idx[2 * o + 1] = i0 + (i0 < inSize - 1 ? 1 : 0);
    w[2 * o] = 1 - l1;
    w[2 * o + 1] = l1;
  }
  return { idx, w };
}

/** Runs fn with the arrays copied into one scratch block; fn gets each array's address. */
function withTables<T>(arrays: (Int32Array | Float32Array | null)[], fn: (ptrs: number[]) => T): T {
  const sizes = arrays.map((a) => (a ? Math.ceil((a.length * 4) / 64) * 64 : 0));
  return withScratch(Math.max(64, sizes.reduce((a, b) => a + b, 0)), (base) => {
    const ptrs: number[] = [];
    let at = base;
    arrays.forEach((a, i) => {
      ptrs.push(a ? at : 0);
      if (a instanceof Int32Array) i32().set(a, at >>> 2);
      else if (a) f32().set(a, at >>> 2);
      at += sizes[i];
    });
    return fn(ptrs);
  });
}

/** [P, H, W] planes of a 3-D [N, C, L] (H = 1) or 4-D [N, C, H, W] input. */
function planes(x: Tensor, op: string, modes: string): { P: number; H: number; W: number; dims: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: input must be 3-D [N, C, L] or 4-D [N, C, H, W] (${modes}), got ${fmt(x.shape)}`);
  const dims = x.ndim - 2;
  const H = dims === 2 ? x.shape[2] : 1, W = x.shape[x.ndim - 1];
  return { P: x.shape[0] * x.shape[1], H, W, dims };
}

/** Memory-bound: ~16 FLOP-equivalents per element touched, for the thread split's size test. */
const work = (P: number, a: number, b: number) => 16 * P * (a + b);

/**
 * PyTorch's interpolate(input, size?, scaleFactor?, mode='nearest', alignCorners?,
 * recomputeScaleFactor?), positionally or as interpolate(x, { scaleFactor: 2, mode: 'bilinear' }).
 */
export function interpolate(x: Tensor, ...args: (number | number[] | string | boolean | null | InterpolateOptions | undefined)[]): Tensor {
  const op = 'interpolate';
  const options = bindArgs(op, args, INTERPOLATE_ARGS) as InterpolateOptions;
  if (options.alignCorners !== undefined) boolArg(op, 'alignCorners', options.alignCorners);
  if (options.recomputeScaleFactor !== undefined) boolArg(op, 'recomputeScaleFactor', options.recomputeScaleFactor);
  const mode = options?.mode ?? 'nearest';
  if (!MODES.includes(mode)) throw new RangeError(`${op}: mode must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${show(mode)}`);
  const { P, H, W, dims } = planes(x, op, 'batch and channel dims first');
  if (mode === 'bilinear' && dims !== 2) throw new RangeError(`${op}: mode 'bilinear' needs a 4-D input [N, C, H, W], got ${fmt(x.shape)}`);
  const alignCorners = options.alignCorners;
  if (alignCorners !== undefined && mode !== 'bilinear') throw new RangeError(`${op}: alignCorners only applies to mode 'bilinear' (got mode '${mode}')`);
  const list = (v: number | number[] | undefined, name: string): number[] | undefined => {
    if (v === undefined || v === null) return undefined;
    const a = typeof v === 'number' ? new Array<number>(dims).fill(v) : v;
    if (!Array.isArray(a) || a.length !== dims) throw new RangeError(`${op}: ${name} must be a number or a list of ${dims} for input ${fmt(x.shape)}, got ${show(v)}`);
    return a;
  };
  const size = list(options.size, 'size'), factor = list(options.scaleFactor, 'scaleFactor');
  if ((size === undefined) === (factor === undefined)) throw new RangeError(`${op}: give exactly one of size and scaleFactor`);
  const inSizes = dims === 2 ? [H, W] : [W];
  const outSizes = size ?? inSizes.map((n, i) => Math.floor(n * factor![i]));
  if (!outSizes.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`${op}: the output size ${fmt(outSizes)} must hold positive integers (input ${fmt(x.shape)})`);
  }
  if (factor && !factor.every((f) => f > 0 && Number.isFinite(f))) throw new RangeError(`${op}: scaleFactor must be positive, got ${show(options.scaleFactor)}`);
  if (mode === 'area') return adaptiveAvgPool(x, outSizes, op);
  const scales = factor && !options.recomputeScaleFactor ? factor : inSizes.map(() => undefined);
  const axis = (i: number) => (mode === 'bilinear'
    ? linearAxis(inSizes[i], outSizes[i], scales[i], !!alignCorners)
    : nearestAxis(inSizes[i], outSizes[i], scales[i], mode === 'nearest-exact'));
  const wAxis = axis(dims - 1), hAxis = dims === 2 ? axis(0) : { idx: new Int32Array(1), w: null };
  const OH = dims === 2 ? outSizes[0] : 1, OW = outSizes[dims - 1];
  const linear = mode === 'bilinear' ? 1 : 0;
  const tables = [hAxis.idx, wAxis.idx, hAxis.w, wAxis.w];
  const out = Tensor._empty([...x.shape.slice(0, 2), ...outSizes], op);
  const inPlane = 4 * H * W, outPlane = 4 * OH * OW, cost = work(P, H * W, OH * OW);
  withTables(tables, ([hi, wi, hw, ww]) => {
    splitItems('interpolateForward', P, cost, 1, (lo, hi2) => [x.ptr + lo * inPlane, out.ptr + lo * outPlane, hi2 - lo,
      H, W, OH, OW, hi, wi, hw, ww, linear]);
  });
  return record(out, op, [x], (gy) => {
    const dx = Tensor._like(x, `${op} backward`);
    withTables(tables, ([hi, wi, hw, ww]) => {
      splitItems('interpolateBackward', P, cost, 1, (lo, hi2) => [gy.ptr + lo * outPlane, dx.ptr + lo * inPlane, hi2 - lo,
        H, W, OH, OW, hi, wi, hw, ww, linear]);
    });
    return [dx];
  });
}

/** PyTorch's adaptive windows: [floor(o·in/out), ceil((o+1)·in/out)). */
function windows(inSize: number, outSize: number): Int32Array {
  const t = new Int32Array(2 * outSize);
  for (let o = 0; o < outSize; o++) {
    t[o] = Math.floor((o * inSize) / outSize);
    t[outSize + o] = Math.ceil(((o + 1) * inSize) / outSize);
  }
  return t;
}

function adaptiveAvgPool(x: Tensor, outSizes: number[], op: string): Tensor {
  const { P, H, W, dims } = planes(x, op, 'batch and channel dims first');
  const OH = dims === 2 ? outSizes[0] : 1, OW = outSizes[dims - 1];
  const tables = [dims === 2 ? windows(H, OH) : Int32Array.of(0, 1), windows(W, OW)];
  const out = Tensor._empty([...x.shape.slice(0, 2), ...outSizes], op);
  const inPlane = 4 * H * W, outPlane = 4 * OH * OW, cost = work(P, H * W, OH * OW);
  withTables(tables, ([hb, wb]) => {
    splitItems('adaptiveAvgPool2dForward', P, cost, 1, (lo, hi) => [x.ptr + lo * inPlane, out.ptr + lo * outPlane, hi - lo, H, W, OH, OW, hb, wb]);
  });
  return record(out, op, [x], (gy) => {
    const dx = Tensor._like(x, `${op} backward`);
    withTables(tables, ([hb, wb]) => {
      splitItems('adaptiveAvgPool2dBackward', P, cost, 1, (lo, hi) => [gy.ptr + lo * outPlane, dx.ptr + lo * inPlane, hi - lo, H, W, OH, OW, hb, wb]);
    });
    return [dx];
  });
}

/**
 * Average pooling to a fixed output size: outputSize is a number, or [OH, OW] where null keeps
 * that input size. 4-D [N, C, H, W] or 3-D [C, H, W] input. outputSize 1 is global average pooling.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${fmt(x.shape)}`);
  const [H, W] = x.shape.slice(-2);
  const pairOf = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(pairOf) || pairOf.length !== 2) throw new RangeError(`${op}: outputSize must be a number or [OH, OW], got ${show(outputSize)}`);
  const sizes = [pairOf[0] ?? H, pairOf[1] ?? W];
  if (!sizes.every((n) => Number.isInteger(n) && n > 0)) throw new RangeError(`${op}: outputSize must hold positive integers (or null), got ${show(outputSize)}`);
  const x4 = x.ndim === 3 ? x.unsqueeze(0) : x;
  const y = adaptiveAvgPool(x4, sizes, op);
  return x.ndim === 3 ? y.squeeze(0) : y;
}
