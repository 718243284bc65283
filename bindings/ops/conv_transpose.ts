/**
 * convTranspose2d (groups = 1), NCHW, weight [inChannels, outChannels, kH, kW] as PyTorch lays it
 * out. A transposed convolution is the adjoint of a convolution, so it runs on the conv2d kernels
 * (assembly/kernels/conv2d.ts) with the roles swapped, on their fast paths and thread splits:
 *   forward  y  = conv2dBackwardInput(dy := x)          (the col2im GEMM)
 *   dX       dx = conv2dForward(x := gy)                 (im2col GEMM, or the direct path)
 *   dW       dw = conv2dBackwardWeight(x := gy, dy := x)
 * The "convolution" seen by those kernels maps the output y [N, outC, OH, OW] to the input
 * x [N, inC, H, W], with the same stride, padding and dilation.
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { convParts } from '../threads.js';
import { fmt } from '../shape.js';
import { Epilogue } from '../abi.generated.js';
import { pair, convBiasGrad, type Pair } from './conv.js';
import { bindArgs, keysOf, show, unsupported } from '../args.js';
import { Bin } from './codes.js';

/**
 * Options of `F.convTranspose2d`.
 *
 * PyTorch: `F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)`.
 * @example convTranspose2d(z, w, b, { stride: 2, padding: 1 })
 */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Zero padding removed from each side of the full output (dilation·(k−1) − padding is added). */
  padding?: Pair;
  /** Extra rows/columns on the bottom/right of the output; must be below stride or dilation. */
  outputPadding?: Pair;
  dilation?: Pair;
  /** Only 1 is supported. */
  groups?: number;
}

interface Geometry {
  N: number; inC: number; H: number; W: number; outC: number; KH: number; KW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number; OH: number; OW: number;
}

const OP = 'convTranspose2d';
/** PyTorch's positional order (groups comes before dilation). */
const CONV_TRANSPOSE_ARGS = keysOf<ConvTranspose2dOptions>()('stride', 'padding', 'outputPadding', 'groups', 'dilation');

/** The output size (H−1)·s − 2p + d·(k−1) + outputPadding + 1 along one dim. */
export function convTransposeSize(inSize: number, k: number, s: number, p: number, d: number, outputPadding: number): number {
  return (inSize - 1) * s - 2 * p + d * (k - 1) + outputPadding + 1;
}

function geometry(x: Tensor, w: Tensor, o: ConvTranspose2dOptions): Geometry {
  if (x.ndim !== 4) throw new RangeError(`${OP}: input must be 4-D [N, C, H, W], got ${fmt(x.shape)}`);
  if (w.ndim !== 4) throw new RangeError(`${OP}: weight must be 4-D [inChannels, outChannels, kH, kW], got ${fmt(w.shape)}`);
  unsupported(OP, 'groups', o.groups, 1, 'grouped transposed convolution is not implemented');
  const [N, inC, H, W] = x.shape;
  const [wIn, outC, KH, KW] = w.shape;
  if (wIn !== inC) {
    throw new RangeError(`${OP}: input ${fmt(x.shape)} has ${inC} channels but weight ${fmt(w.shape)} expects ${wIn} (weight is [inChannels, outChannels, kH, kW])`);
  }
  const [sH, sW] = pair(o.stride, 1, OP, 'stride', 1);
  const [pH, pW] = pair(o.padding, 0, OP, 'padding', 0);
  const [dH, dW] = pair(o.dilation, 1, OP, 'dilation', 1);
  const [oH, oW] = pair(o.outputPadding, 0, OP, 'outputPadding', 0);
  if (oH >= Math.max(sH, dH) || oW >= Math.max(sW, dW)) {
    throw new RangeError(`${OP}: outputPadding (${oH}, ${oW}) must be smaller than either stride (${sH}, ${sW}) or dilation (${dH}, ${dW})`);
  }
  const OH = convTransposeSize(H, KH, sH, pH, dH, oH), OW = convTransposeSize(W, KW, sW, pW, dW, oW);
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${OP}: the output size ${OH}x${OW} is not positive: input ${fmt(x.shape)}, weight ${fmt(w.shape)}, `
      + `stride (${sH}, ${sW}), padding (${pH}, ${pW}), dilation (${dH}, ${dW}), outputPadding (${oH}, ${oW}) `
      + '(each side is (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1)');
  }
  return { N, inC, H, W, outC, KH, KW, sH, sW, pH, pW, dH, dW, OH, OW };
}

/** The geometry arguments of the conv2d kernels for the convolution y -> x. */
function convArgs(g: Geometry): number[] {
  return [g.N, g.outC, g.OH, g.OW, g.inC, g.KH, g.KW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, g.H, g.W];
}

/**
 * PyTorch's conv_transpose2d(input, weight, bias?, stride?, padding?, outputPadding?, groups?,
 * dilation?), positionally or with the options last.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: (Pair | ConvTranspose2dOptions | undefined)[]): Tensor {
  const options = bindArgs(OP, rest, CONV_TRANSPOSE_ARGS) as ConvTranspose2dOptions;
  if (!(x instanceof Tensor)) throw new TypeError(`${OP}: input must be a Tensor, got ${show(x)}`);
  if (!(weight instanceof Tensor)) throw new TypeError(`${OP}: weight must be a Tensor, got ${show(weight)}`);
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new TypeError(`${OP}: bias must be a Tensor or null, got ${show(bias)}`);
  const g = geometry(x, weight, options);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== g.outC)) {
    throw new RangeError(`${OP}: bias must have shape [${g.outC}] (the weight's dim 1), got ${fmt(bias.shape)}`);
  }
  const k = K();
  const args = convArgs(g);
  const wsBytes = k.conv2dWorkspaceBytes(g.N, g.outC, g.OH, g.OW, g.inC, g.KH, g.KW, g.H, g.W);
  const flops = 2 * g.N * g.inC * g.H * g.W * g.outC * g.KH * g.KW;
  const out = Tensor._empty([g.N, g.outC, g.OH, g.OW], OP);
  convParts('conv2dBackwardInput', flops, wsBytes, [x.ptr, weight.ptr, out.ptr], args);
  const OHW = g.OH * g.OW;
  if (bias && out.size > 0) {
    // y[n, c, :] += bias[c], in place
    k.binary(Bin.ADD, out.ptr, bias.ptr, out.ptr, 1, g.N, g.outC, OHW, 0, g.outC * OHW, OHW, 1, 0, 0, 1, 0);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(out, OP, inputs, (gy) => {
    const grads: (Tensor | null)[] = [null, null, null];
    if (x.requiresGrad) {
      const dx = Tensor._empty(x.shape, `${OP} backward`);
      convParts('conv2dForward', flops, wsBytes, [gy.ptr, weight.ptr, 0, dx.ptr], [...args, Epilogue.NONE]);
      grads[0] = dx;
    }
    if (weight.requiresGrad) {
      const dw = Tensor._empty(weight.shape, `${OP} backward`);
      convParts('conv2dBackwardWeight', flops, wsBytes, [gy.ptr, x.ptr, dw.ptr], args);
      grads[1] = dw;
    }
    if (bias && bias.requiresGrad) {
      const db = Tensor._empty(bias.shape, `${OP} backward`);
      convBiasGrad(gy, db, g.N, g.outC, OHW);
      grads[2] = db;
    }
    return grads;
  });
}
