/**
 * conv2d and 2-d pooling (NCHW) with their gradients. Kernels: assembly/kernels/conv2d.ts (im2col
 * GEMM, direct tiles, or Winograd F(2×2, 3×3) from winograd.ts, chosen by shape) and pool.ts; the
 * workspace is borrowed from the heap for the duration of one call, and the big passes are split
 * across threads (threads.ts).
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { convParts, splitItems } from '../threads.js';
import { fmt } from '../shape.js';
import { Epilogue } from '../abi.generated.js';
import { bindArgs, boolArg, keysOf, show, unsupported } from '../args.js';

/**
 * One number for both spatial dims, or [height, width].
 * @example const stride: Pair = [2, 1];
 */
export type Pair = number | [number, number];
/**
 * Zero padding: a Pair, 'same' (output as large as the input, stride 1) or 'valid' (none).
 * @example conv2d(x, w, b, { padding: 'same' })
 */
export type Padding = Pair | 'same' | 'valid';

/** An int or a pair of ints, each ≥ min (a TypeError for the wrong kind, a RangeError below min). */
export function pair(v: unknown, dflt: number, op: string, param: string, min: number): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new TypeError(`${op}: ${param} must be an integer or a pair of integers, got ${show(v)}`);
  }
  if (!p.every((x) => x >= min)) throw new RangeError(`${op}: ${param} must be an integer >= ${min} or a pair of them, got ${show(v)}`);
  return [p[0], p[1]];
}

/**
 * Options of `F.conv2d`.
 *
 * PyTorch: `F.conv2d(x, w, b, stride, padding, dilation, groups)`.
 * @example conv2d(x, w, b, { stride: 2, padding: 1 })
 */
export interface Conv2dOptions {
  /** Step of the kernel (default 1), one number or [sH, sW]. */
  stride?: Pair;
  /** Zeros added on each side (default 0), or 'same' / 'valid'. */
  padding?: Padding;
  /** Spacing of the kernel's taps (default 1). */
  dilation?: Pair;
  /** Only 1 (grouped and depthwise convolutions are not implemented). */
  groups?: number;
}

const CONV_ARGS = keysOf<Conv2dOptions>()('stride', 'padding', 'dilation', 'groups');

interface ConvGeometry {
  N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number;
  sH: number; sW: number; pT: number; pL: number; dH: number; dW: number; OH: number; OW: number;
}

function convGeometry(x: Tensor, w: Tensor, o: Conv2dOptions): ConvGeometry {
  if (x.ndim !== 4) throw new RangeError(`conv2d: input must be 4-D [N, C, H, W], got ${fmt(x.shape)}`);
  if (w.ndim !== 4) throw new RangeError(`conv2d: weight must be 4-D [outChannels, inChannels, kH, kW], got ${fmt(w.shape)}`);
  const [N, C, H, W] = x.shape;
  const [OC, WC, KH, KW] = w.shape;
  if (WC !== C) throw new RangeError(`conv2d: input ${fmt(x.shape)} has ${C} channels but weight ${fmt(w.shape)} expects ${WC}`);
  const [sH, sW] = pair(o.stride, 1, 'conv2d', 'stride', 1);
  const [dH, dW] = pair(o.dilation, 1, 'conv2d', 'dilation', 1);
  unsupported('conv2d', 'groups', o.groups, 1, 'grouped convolutions are not implemented');
  let pT: number, pL: number, pB: number, pR: number;
  if (o.padding === 'same') {
    if (sH !== 1 || sW !== 1) throw new RangeError("conv2d: padding='same' needs stride 1 (as in PyTorch)");
    // PyTorch puts the odd pixel of 'same' padding at the bottom/right.
    const th = dH * (KH - 1), tw = dW * (KW - 1);
    pT = Math.floor(th / 2); pB = th - pT; pL = Math.floor(tw / 2); pR = tw - pL;
  } else if (o.padding === 'valid') {
    pT = pB = pL = pR = 0;
  } else {
    if (typeof o.padding === 'string') throw new RangeError(`conv2d: padding must be an integer, a pair, 'same' or 'valid', got ${show(o.padding)}`);
    [pT, pL] = pair(o.padding, 0, 'conv2d', 'padding', 0);
    pB = pT; pR = pL;
  }
  const OH = Math.floor((H + pT + pB - dH * (KH - 1) - 1) / sH) + 1;
  const OW = Math.floor((W + pL + pR - dW * (KW - 1) - 1) / sW) + 1;
  if (OH < 1 || OW < 1) {
    throw new RangeError(`conv2d: the (dilated) kernel ${KH}x${KW} is larger than the padded input ${H + pT + pB}x${W + pL + pR} (input ${fmt(x.shape)})`);
  }
  return { N, C, H, W, OC, KH, KW, sH, sW, pT, pL, dH, dW, OH, OW };
}

function geomArgs(g: ConvGeometry): number[] {
  return [g.N, g.C, g.H, g.W, g.OC, g.KH, g.KW, g.sH, g.sW, g.pT, g.pL, g.dH, g.dW, g.OH, g.OW];
}

/**
 * PyTorch's conv2d(input, weight, bias?, stride?, padding?, dilation?, groups?), positionally or
 * with the options last: conv2d(x, w, b, 1, 1) or conv2d(x, w, b, { padding: 1 }).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: (Pair | Padding | Conv2dOptions | undefined)[]): Tensor {
  return convOp('conv2d', x, weight, bias, rest, false);
}

/**
 * relu(conv2d(x, weight, bias, ...)) in one op (as torch.nn.intrinsic.ConvReLU2d): the ReLU is
 * applied where the kernel adds the bias, and its gradient where the bias gradient is summed, so
 * the convolution's output is not read and written again by a separate relu pass (bytes identical
 * to the two ops). nn.Sequential uses it for a Conv2d followed by a ReLU.
 */
export function conv2dRelu(x: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: (Pair | Padding | Conv2dOptions | undefined)[]): Tensor {
  return convOp('conv2dRelu', x, weight, bias, rest, true);
}

function convOp(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined,
  rest: (Pair | Padding | Conv2dOptions | undefined)[], relu: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor, got ${show(weight)}`);
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null, got ${show(bias)}`);
  const g = convGeometry(x, weight, bindArgs(op, rest, CONV_ARGS) as Conv2dOptions);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== g.OC)) {
    throw new RangeError(`${op}: bias must have shape [${g.OC}], got ${fmt(bias.shape)}`);
  }
  const k = K();
  const args = geomArgs(g);
  const wsBytes = k.conv2dWorkspaceBytes(g.N, g.C, g.H, g.W, g.OC, g.KH, g.KW, g.OH, g.OW);
  // multiply-adds of each pass (forward, dX and dW alike), for the thread split's size test
  const flops = 2 * g.N * g.OC * g.OH * g.OW * g.C * g.KH * g.KW;
  const out = Tensor._empty([g.N, g.OC, g.OH, g.OW], op);
  convParts('conv2dForward', flops, wsBytes, [x.ptr, weight.ptr, bias ? bias.ptr : 0, out.ptr], [...args, relu ? Epilogue.RELU : Epilogue.NONE]);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, op, inputs, (gy) => {
    const grads: (Tensor | null)[] = [null, null, null];
    const wantDb = bias !== null && bias !== undefined && bias.requiresGrad;
    const db = wantDb ? Tensor._empty(bias.shape, `${op} backward`) : null;
    const OHW = g.OH * g.OW;
    // the bias gradient still to sum from gy: with dW's kernel when there is one (it reads gy anyway)
    let dbFromGy = db;
    if (relu && !reluMaskedGradients.has(gy)) {
      // the gradient at the ReLU's input, with the bias gradient summed in the same pass (unless a
      // max pool's gradient already dropped what the ReLU's gradient would: see maxPool2d)
      const gz = Tensor._empty(out.shape, `${op} backward`);
      splitItems('reluBackwardBias', g.OC, 16 * out.size, 1, (lo, hi) => [gy.ptr, out.ptr, gz.ptr, db ? db.ptr : 0, g.N, g.OC, OHW, lo, hi]);
      gy = gz;
      dbFromGy = null;
    }
    if (dbFromGy && !weight.requiresGrad) convBiasGrad(gy, dbFromGy, g.N, g.OC, OHW);
    grads[2] = db;
    if (x.requiresGrad) {
      const dx = Tensor._empty(x.shape, `${op} backward`);
      convParts('conv2dBackwardInput', flops, wsBytes, [gy.ptr, weight.ptr, dx.ptr], args);
      grads[0] = dx;
    }
    if (weight.requiresGrad) {
      const dw = Tensor._empty(weight.shape, `${op} backward`);
      convParts('conv2dBackwardWeightBias', flops, wsBytes, [x.ptr, gy.ptr, dw.ptr, dbFromGy ? dbFromGy.ptr : 0], args);
      grads[1] = dw;
    }
    return grads;
  });
}

/** db[oc] = Σ gy[:, oc] of gy [N, OC, OHW], split over threads by channel (each sum made whole by one). */
export function convBiasGrad(gy: Tensor, db: Tensor, N: number, OC: number, OHW: number): void {
  splitItems('conv2dBackwardBias', OC, 16 * N * OC * OHW, 1, (lo, hi) => [gy.ptr, db.ptr, N, OC, OHW, lo, hi]);
}

/**
 * Options of `F.maxPool2d` and `F.avgPool2d`.
 *
 * PyTorch: `F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)`.
 * @example maxPool2d(x, { kernelSize: 2 })
 */
export interface Pool2dOptions {
  /** Window size, one number or [kH, kW] (required). PyTorch: `kernel_size`. */
  kernelSize: Pair;
  /** Default: kernelSize (as PyTorch). */
  stride?: Pair | null;
  /** Implicit padding on each side (default 0), as PyTorch. */
  padding?: Pair;
  /** maxPool2d: only 1. */
  dilation?: Pair;
  /** Only false (output sizes round down). */
  ceilMode?: boolean;
  /** maxPool2d: only false (the indices stay internal). */
  returnIndices?: boolean;
  /** avgPool2d: only true (padding zeros count in the average, PyTorch's default). */
  countIncludePad?: boolean;
  /** avgPool2d: only null. */
  divisorOverride?: number | null;
}

/** PyTorch's argument order: F.max_pool2d and F.avg_pool2d differ after padding. */
export const MAX_POOL_ARGS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] as const;
export const AVG_POOL_ARGS = ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;

export interface PoolParams { KH: number; KW: number; sH: number; sW: number; pH: number; pW: number }

/** Checks a pooling op's arguments (PyTorch's order `names`, or by name) without an input. */
export function poolParams(op: string, args: readonly unknown[], names: readonly string[]): PoolParams {
  const o = bindArgs(op, args, names) as Partial<Pool2dOptions>;
  if (o.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required: ${op}(x, 2) or ${op}(x, { kernelSize: 2 })`);
  const [KH, KW] = pair(o.kernelSize, 1, op, 'kernelSize', 1);
  const [sH, sW] = pair(o.stride ?? o.kernelSize, 1, op, 'stride', 1);
  const [pH, pW] = pair(o.padding, 0, op, 'padding', 0);
  const [dH, dW] = pair(o.dilation, 1, op, 'dilation', 1);
  if (dH !== 1 || dW !== 1) unsupported(op, 'dilation', o.dilation, 1, 'dilated pooling is not implemented');
  if (o.ceilMode !== undefined) boolArg(op, 'ceilMode', o.ceilMode);
  unsupported(op, 'ceilMode', o.ceilMode, false, 'output sizes round down');
  unsupported(op, 'returnIndices', o.returnIndices, false, 'the indices stay internal');
  unsupported(op, 'countIncludePad', o.countIncludePad, true, 'padding zeros always count in the average');
  unsupported(op, 'divisorOverride', o.divisorOverride ?? undefined, undefined);
  if (2 * pH > KH || 2 * pW > KW) throw new RangeError(`${op}: padding (${pH}, ${pW}) must be at most half the kernel size (${KH}, ${KW})`);
  return { KH, KW, sH, sW, pH, pW };
}

function poolGeometry(x: Tensor, args: unknown[], op: string, names: readonly string[]) {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  const { KH, KW, sH, sW, pH, pW } = poolParams(op, args, names);
  if (x.ndim !== 4 && x.ndim !== 3) throw new RangeError(`${op}: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${fmt(x.shape)}`);
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  const P = x.size / (H * W || 1);
  const OH = Math.floor((H + 2 * pH - KH) / sH) + 1;
  const OW = Math.floor((W + 2 * pW - KW) / sW) + 1;
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: kernel ${KH}x${KW} is larger than the padded input ${H + 2 * pH}x${W + 2 * pW} (input ${fmt(x.shape)})`);
  return { P, H, W, KH, KW, sH, sW, pH, pW, OH, OW, outShape: [...x.shape.slice(0, -2), OH, OW] };
}

/** A pooling pass's size for the thread split: memory-bound, ~16 FLOP-equivalents per element read. */
function poolWork(g: { P: number; H: number; W: number }): number {
  return 16 * g.P * g.H * g.W;
}

/**
 * Input gradients of max pools over a conv2dRelu or batchNormRelu output that already are the
 * gradient at the ReLU's input: those ops' backward takes them as they are, without masking (one read
 * of the output and one of the gradient, one write, over the layer's largest tensor). A gradient
 * summed from several consumers is a new tensor, so it is never in here.
 */
const reluMaskedGradients = new WeakSet<Tensor>();

/** Whether gy is a max pool's gradient that already is the one at the ReLU's input (see above). */
export function isReluMaskedGradient(gy: Tensor): boolean {
  return reluMaskedGradients.has(gy);
}

/** Ops whose output is a ReLU's (the pool below drops the gradient of windows whose maximum is 0). */
const RELU_OUTPUT_OPS = new Set(['conv2dRelu', 'batchNormRelu']);

/** PyTorch's max_pool2d(input, kernelSize, stride?, padding?, ...), positionally or as maxPool2d(x, { kernelSize: 2 }). */
export function maxPool2d(x: Tensor, ...args: (Pair | boolean | null | Pool2dOptions | undefined)[]): Tensor {
  const g = poolGeometry(x, args, 'maxPool2d', MAX_POOL_ARGS);
  const out = Tensor._empty(g.outShape, 'maxPool2d');
  // The argmax indices are kept (as an i32 block owned by a tensor) for the backward pass.
  const argmax = Tensor._empty(g.outShape, 'maxPool2d indices');
  const inPlane = 4 * g.H * g.W, outPlane = 4 * g.OH * g.OW, work = poolWork(g);
  // Over a ReLU's output, windows whose maximum is 0 send no gradient (the ReLU's gradient is 0
  // there): the pooled values are the same, and the input gradient is already the ReLU input's.
  const overRelu = x._node !== null && RELU_OUTPUT_OPS.has(x._node.op);
  // planes are independent (argmax indices are relative to their plane): split over planes
  splitItems('maxPool2dForward', g.P, work, 1, (lo, hi) => [x.ptr + lo * inPlane, out.ptr + lo * outPlane,
    argmax.ptr + lo * outPlane, hi - lo, g.H, g.W, g.KH, g.KW, g.sH, g.sW, g.pH, g.pW, g.OH, g.OW, overRelu ? 1 : 0]);
  return record(out, 'maxPool2d', [x], (gy) => {
    const dx = Tensor._empty(x.shape, 'maxPool2d backward');
    // windows that tile the plane (2×2, stride 2) write dx once instead of zeroing it and adding
    const tiled = g.KH === 2 && g.KW === 2 && g.sH === 2 && g.sW === 2 && g.pH === 0 && g.pW === 0;
    splitItems(tiled ? 'maxPool2x2Backward' : 'maxPool2dBackward', g.P, work, 1, (lo, hi) => [gy.ptr + lo * outPlane, argmax.ptr + lo * outPlane,
      dx.ptr + lo * inPlane, hi - lo, g.H, g.W, g.OH, g.OW]);
    if (overRelu) reluMaskedGradients.add(dx);
    return [dx];
  });
}

/** PyTorch's avg_pool2d(input, kernelSize, stride?, padding?, ...), positionally or as avgPool2d(x, { kernelSize: 2 }). */
export function avgPool2d(x: Tensor, ...args: (Pair | boolean | null | Pool2dOptions | undefined)[]): Tensor {
  const g = poolGeometry(x, args, 'avgPool2d', AVG_POOL_ARGS);
  const out = Tensor._empty(g.outShape, 'avgPool2d');
  const dims = [g.H, g.W, g.KH, g.KW, g.sH, g.sW, g.pH, g.pW, g.OH, g.OW] as const;
  const inPlane = 4 * g.H * g.W, outPlane = 4 * g.OH * g.OW, work = poolWork(g);
  splitItems('avgPool2dForward', g.P, work, 1, (lo, hi) => [x.ptr + lo * inPlane, out.ptr + lo * outPlane, hi - lo, ...dims]);
  return record(out, 'avgPool2d', [x], (gy) => {
    const dx = Tensor._empty(x.shape, 'avgPool2d backward');
    splitItems('avgPool2dBackward', g.P, work, 1, (lo, hi) => [gy.ptr + lo * outPlane, dx.ptr + lo * inPlane, hi - lo, ...dims]);
    return [dx];
  });
}
