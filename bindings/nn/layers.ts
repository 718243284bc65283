/**
 * Layers with PyTorch's names, shapes, defaults and initialisation (reset_parameters), over the
 * functional ops. Parameters are persistent (empty tensors filled by nn.init in place).
 */
import { Tensor, zeros, ones } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { fmt } from '../shape.js';
import * as F from './functional.js';
import { pair, poolParams, conv2dRelu, AVG_POOL_ARGS, type Pair, type Padding, type Pool2dOptions } from '../ops/conv.js';
import { bindArgs, boolArg, intArg, keysOf, numberArg, show, unsupported } from '../args.js';
import { Module } from './module.js';
import { batchNormRelu } from '../ops/batchnorm.js';
import * as init from './init.js';

/** PyTorch's reset_parameters for Linear and Conv: kaiming_uniform(a=√5), bias U(±1/√fanIn). */
export function resetAffine(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform(bias, -bound, bound);
  }
}

/** Reads a layer's arguments the way Python binds them (positionally, or by name in a trailing object). */
function layerArgs(op: string, args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  return bindArgs(op, args, names);
}

const positiveInt = (op: string, name: string, v: unknown): number => intArg(op, name, v, undefined, 1);

/**
 * Options of `nn.Linear` (also positional: `new nn.Linear(inFeatures, outFeatures, bias)`).
 * @example new nn.Linear({ inFeatures: 784, outFeatures: 10, bias: false })
 */
export interface LinearOptions {
  /** Size of each input row. PyTorch: `in_features`. */
  inFeatures?: number;
  /** Size of each output row. PyTorch: `out_features`. */
  outFeatures?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** y = x·Wᵀ + b: new Linear(784, 128), new Linear(784, 128, false), new Linear(784, 128, { bias: false }). */
export class Linear extends Module {
  /** Size of each input row. */
  readonly inFeatures: number;
  /** Size of each output row. */
  readonly outFeatures: number;
  /** [outFeatures, inFeatures], initialised uniform in ±1/√inFeatures as PyTorch. */
  readonly weight: Tensor;
  /** [outFeatures], or null when made with bias false. */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, bias?: boolean | LinearOptions, options?: LinearOptions);
  constructor(options: LinearOptions);
  constructor(...args: unknown[]) {
    super();
    const a = layerArgs('Linear', args, ['inFeatures', 'outFeatures', 'bias']);
    this.inFeatures = intArg('Linear', 'inFeatures', a.inFeatures, undefined, 0);
    this.outFeatures = intArg('Linear', 'outFeatures', a.outFeatures, undefined, 0);
    const bias = boolArg('Linear', 'bias', a.bias, true);
    this.weight = this.registerParameter('weight', zeros([this.outFeatures, this.inFeatures]));
    this.bias = this.registerParameter('bias', bias ? zeros([this.outFeatures]) : null);
    resetAffine(this.weight, this.bias);
  }

  /**
   * x · weightᵀ + bias for x of shape [..., inFeatures].
   * @example new nn.Linear(4, 2).forward(randn([8, 4]))   // [8, 2]
   */
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Options of `nn.Conv2d` (also positional, in PyTorch's order).
 * @example new nn.Conv2d({ inChannels: 1, outChannels: 32, kernelSize: 3, padding: 'same' })
 */
export interface Conv2dOptions {
  /** Channels of the input. PyTorch: `in_channels`. */
  inChannels?: number;
  /** Channels of the output. PyTorch: `out_channels`. */
  outChannels?: number;
  /** Kernel size, one number or [kH, kW]. PyTorch: `kernel_size`. */
  kernelSize?: Pair;
  /** Step of the kernel (default 1). */
  stride?: Pair;
  /** Zeros on each side (default 0), or 'same' / 'valid'. */
  padding?: Padding;
  /** Spacing of the kernel's taps (default 1). */
  dilation?: Pair;
  /** Only 1. */
  groups?: number;
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
  /** Only 'zeros'. */
  paddingMode?: 'zeros';
}

const CONV2D_ARGS = keysOf<Conv2dOptions>()('inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode');

/**
 * PyTorch's Conv2d(inChannels, outChannels, kernelSize, stride=1, padding=0, dilation=1,
 * groups=1, bias=true, paddingMode='zeros'): new Conv2d(1, 8, 3, 1, 1), or with the rest by name,
 * new Conv2d(1, 8, 3, { padding: 1 }).
 */
export class Conv2d extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output (number of filters). */
  readonly outChannels: number;
  /** [kH, kW]. */
  readonly kernelSize: [number, number];
  /** [sH, sW]. */
  readonly stride: [number, number];
  /** [pH, pW], or 'same' / 'valid' as given. */
  readonly padding: [number, number] | 'same' | 'valid';
  /** [dH, dW]. */
  readonly dilation: [number, number];
  /** [outChannels, inChannels, kH, kW], initialised as PyTorch's (Kaiming uniform, a = √5). */
  readonly weight: Tensor;
  /** [outChannels], or null when made with bias false. */
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...rest: (Pair | Padding | boolean | string | Conv2dOptions | undefined)[]);
  constructor(options: Conv2dOptions);
  constructor(...args: unknown[]) {
    super();
    const op = 'Conv2d';
    const a = layerArgs(op, args, CONV2D_ARGS);
    this.inChannels = positiveInt(op, 'inChannels', a.inChannels);
    this.outChannels = positiveInt(op, 'outChannels', a.outChannels);
    if (a.kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
    this.kernelSize = pair(a.kernelSize, 1, op, 'kernelSize', 1);
    this.stride = pair(a.stride, 1, op, 'stride', 1);
    this.dilation = pair(a.dilation, 1, op, 'dilation', 1);
    if (a.padding === 'same' || a.padding === 'valid') {
      if (a.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new RangeError(`${op}: padding='same' needs stride 1 (as in PyTorch)`);
      this.padding = a.padding;
    } else {
      if (typeof a.padding === 'string') throw new RangeError(`${op}: padding must be an integer, a pair, 'same' or 'valid', got ${show(a.padding)}`);
      this.padding = pair(a.padding, 0, op, 'padding', 0);
    }
    unsupported(op, 'groups', a.groups, 1, 'grouped convolutions are not implemented');
    unsupported(op, 'paddingMode', a.paddingMode, 'zeros', 'only zero padding is implemented');
    const bias = boolArg(op, 'bias', a.bias, true);
    this.weight = this.registerParameter('weight', zeros([this.outChannels, this.inChannels, ...this.kernelSize]));
    this.bias = this.registerParameter('bias', bias ? zeros([this.outChannels]) : null);
    resetAffine(this.weight, this.bias);
  }

  /**
   * The convolution of x [N, inChannels, H, W].
   * @example new nn.Conv2d(1, 8, 3).forward(randn([2, 1, 28, 28]))   // [2, 8, 26, 26]
   */
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  /** relu(forward(x)) as one op (see Sequential); null if a subclass overrides forward. */
  forwardRelu(x: Tensor): Tensor | null {
    if (this.forward !== Conv2d.prototype.forward) return null;
    return conv2dRelu(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${typeof this.padding === 'string' ? this.padding : fmt(this.padding)}, dilation=${fmt(this.dilation)}, bias=${this.bias !== null}`;
  }
}

export type { Pool2dOptions };

/** Shared shape of the pooling modules: PyTorch's arguments, checked once, and the functional op. */
abstract class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(op: string, args: readonly unknown[], names: readonly string[], private readonly fn: typeof F.maxPool2d) {
    super();
    const p = poolParams(op, args, names);
    this.kernelSize = [p.KH, p.KW];
    this.stride = [p.sH, p.sW];
    this.padding = [p.pH, p.pW];
  }

  forward(x: Tensor): Tensor {
    return this.fn(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }

  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.padding)}`;
  }
}

/** The module's order differs from F.max_pool2d's after dilation (as in PyTorch). */
const MAX_POOL_MODULE_ARGS = ['kernelSize', 'stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'];

/** PyTorch's MaxPool2d(kernelSize, stride=kernelSize, padding=0, dilation=1, returnIndices=false, ceilMode=false). */
export class MaxPool2d extends Pool2d {
  constructor(kernelSize: Pair | Pool2dOptions, ...rest: (Pair | boolean | null | Partial<Pool2dOptions> | undefined)[]);
  constructor(...args: unknown[]) {
    super('MaxPool2d', args, MAX_POOL_MODULE_ARGS, F.maxPool2d);
  }
}

/** PyTorch's AvgPool2d(kernelSize, stride=kernelSize, padding=0, ceilMode=false, countIncludePad=true, divisorOverride=null). */
export class AvgPool2d extends Pool2d {
  constructor(kernelSize: Pair | Pool2dOptions, ...rest: (Pair | boolean | null | Partial<Pool2dOptions> | undefined)[]);
  constructor(...args: unknown[]) {
    super('AvgPool2d', args, [...AVG_POOL_ARGS], F.avgPool2d);
  }
}

/** No arguments beyond PyTorch's `inplace` (accepted only as false: wasmgrad never modifies inputs). */
function inplaceOnly(op: string, args: readonly unknown[], names: readonly string[] = ['inplace']): Record<string, unknown> {
  const a = layerArgs(op, args, names);
  unsupported(op, 'inplace', a.inplace, false, 'layers return new tensors');
  return a;
}

/**
 * Flattens dims startDim..endDim (default 1..−1: everything but the batch).
 *
 * PyTorch: `nn.Flatten`.
 * @example new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10))
 */
export class Flatten extends Module {
  /** First dim flattened (default 1). */
  readonly startDim: number;
  /** Last dim flattened (default −1). */
  readonly endDim: number;

  /** PyTorch's Flatten(startDim=1, endDim=-1). */
  constructor(startDim?: number | { startDim?: number; endDim?: number }, endDim?: number);
  constructor(...args: unknown[]) {
    super();
    const a = layerArgs('Flatten', args, ['startDim', 'endDim']);
    this.startDim = intArg('Flatten', 'startDim', a.startDim, 1);
    this.endDim = intArg('Flatten', 'endDim', a.endDim, -1);
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1 − p);
 * the identity in eval mode.
 *
 * PyTorch: `nn.Dropout`.
 * @example new nn.Dropout(0.2)
 */
export class Dropout extends Module {
  /** Probability of zeroing an element in training mode. */
  readonly p: number;

  /** PyTorch's Dropout(p=0.5, inplace=false). */
  constructor(p?: number | { p?: number; inplace?: boolean }, inplace?: boolean);
  constructor(...args: unknown[]) {
    super();
    const a = inplaceOnly('Dropout', args, ['p', 'inplace']);
    this.p = numberArg('Dropout', 'p', a.p, 0.5, 0, 1);
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Options of `nn.BatchNorm1d` / `nn.BatchNorm2d`.
 *
 * PyTorch: `nn.BatchNorm2d(num_features, eps, momentum, affine, track_running_stats)`.
 * @example new nn.BatchNorm2d(32, { momentum: 0.01 })
 */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch statistic in the running average (PyTorch's convention); null makes
   * it a cumulative average (1 / batches seen), as PyTorch's momentum=None.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running mean and variance for eval mode (default true). PyTorch: `track_running_stats`. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over every dim but the channel dim (1). Training uses the batch's mean
 * and biased variance and updates the running mean and the *unbiased* running variance in place,
 * as PyTorch does; eval mode uses the running statistics.
 */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(op: string, args: readonly unknown[], private readonly ndims: number[]) {
    super();
    const a = layerArgs(op, args, ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats']);
    this.numFeatures = positiveInt(op, 'numFeatures', a.numFeatures);
    this.eps = numberArg(op, 'eps', a.eps, 1e-5, 0);
    this.momentum = a.momentum === null ? null : numberArg(op, 'momentum', a.momentum, 0.1, 0, 1);
    const affine = boolArg(op, 'affine', a.affine, true);
    const track = boolArg(op, 'trackRunningStats', a.trackRunningStats, true);
    const n = this.numFeatures;
    this.weight = this.registerParameter('weight', affine ? ones([n]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([n]) : null);
    this.runningMean = track ? this.registerBuffer('runningMean', zeros([n])) : null;
    this.runningVar = track ? this.registerBuffer('runningVar', ones([n])) : null;
    this.numBatchesTracked = track ? this.registerBuffer('numBatchesTracked', zeros([])) : null;
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /** relu(forward(x)) as one op (see Sequential); null if a subclass overrides forward. */
  forwardRelu(x: Tensor): Tensor | null {
    if (this.forward !== BatchNorm.prototype.forward) return null;
    return this.normalize(x, true);
  }

  private normalize(x: Tensor, relu: boolean): Tensor {
    const name = this.constructor.name;
    if (!this.ndims.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${name}: expected a ${this.ndims.join('-D or ')}-D input with ${this.numFeatures} channels in dim 1, got ${fmt(x.shape)}`);
    }
    const track = this.training && this.runningMean !== null;
    // momentum null: the cumulative average, weight 1 / (batches seen including this one)
    const m = this.momentum ?? (track ? 1 / (this.numBatchesTracked!._read()[0] + 1) : 0);
    // batch statistics when training, or when there are no running ones to use
    const y = (relu ? batchNormRelu : F.batchNorm)(x, this.runningMean, this.runningVar, this.weight, this.bias,
      this.training || !this.runningMean, m, this.eps);
    if (track) noGrad(() => { this.numBatchesTracked!.add_(1); });
    return y;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}`;
  }
}

/** PyTorch's BatchNorm1d(numFeatures, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true), over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number | (BatchNormOptions & { numFeatures?: number }), ...rest: (number | boolean | null | BatchNormOptions | undefined)[]);
  constructor(...args: unknown[]) {
    super('BatchNorm1d', args, [2, 3]);
  }
}

/** PyTorch's BatchNorm2d(numFeatures, eps=1e-5, momentum=0.1, affine=true, trackRunningStats=true), over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number | (BatchNormOptions & { numFeatures?: number }), ...rest: (number | boolean | null | BatchNormOptions | undefined)[]);
  constructor(...args: unknown[]) {
    super('BatchNorm2d', args, [4]);
  }
}

// ---- activations ------------------------------------------------------------------------------

/**
 * max(x, 0) as a layer.
 *
 * PyTorch: `nn.ReLU`.
 * @example new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU())
 */
export class ReLU extends Module {
  /** PyTorch's ReLU(inplace=false). */
  constructor(...args: (boolean | { inplace?: boolean })[]) { super(); inplaceOnly('ReLU', args); }
  forward(x: Tensor): Tensor { return x.relu(); }
  /** Whether Sequential may fuse this ReLU into the layer before it (not if forward is overridden). */
  fusableRelu(): boolean { return this.forward === ReLU.prototype.forward; }
}

/**
 * The logistic function as a layer.
 *
 * PyTorch: `nn.Sigmoid`.
 * @example new nn.Sigmoid()
 */
export class Sigmoid extends Module {
  constructor(...args: never[]) { super(); layerArgs('Sigmoid', args, []); }
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}

/**
 * tanh as a layer.
 *
 * PyTorch: `nn.Tanh`.
 * @example new nn.Tanh()
 */
export class Tanh extends Module {
  constructor(...args: never[]) { super(); layerArgs('Tanh', args, []); }
  forward(x: Tensor): Tensor { return x.tanh(); }
}

/**
 * x for x > 0, negativeSlope · x otherwise, as a layer.
 *
 * PyTorch: `nn.LeakyReLU`.
 * @example new nn.LeakyReLU(0.2)
 */
export class LeakyReLU extends Module {
  /** Slope for x < 0. PyTorch: `negative_slope`. */
  readonly negativeSlope: number;
  /** PyTorch's LeakyReLU(negativeSlope=0.01, inplace=false). */
  constructor(negativeSlope?: number | { negativeSlope?: number; inplace?: boolean }, inplace?: boolean);
  constructor(...args: unknown[]) {
    super();
    this.negativeSlope = numberArg('LeakyReLU', 'negativeSlope', inplaceOnly('LeakyReLU', args, ['negativeSlope', 'inplace']).negativeSlope, 0.01);
  }
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** The dim is required (PyTorch's implicit dim is deprecated there). */
function softmaxDim(op: string, args: readonly unknown[]): number {
  const dim = layerArgs(op, args, ['dim']).dim;
  if (dim === undefined || dim === null) throw new TypeError(`${op}: dim is required, e.g. new nn.${op}(1) (PyTorch's implicit dim is deprecated)`);
  return intArg(op, 'dim', dim);
}

/**
 * softmax along dim as a layer (dim is required).
 *
 * PyTorch: `nn.Softmax`.
 * @example new nn.Softmax(1)
 */
export class Softmax extends Module {
  /** The dim the softmax normalises. */
  readonly dim: number;
  constructor(dim: number | { dim: number });
  constructor(...args: unknown[]) { super(); this.dim = softmaxDim('Softmax', args); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/**
 * log-softmax along dim as a layer (dim is required).
 *
 * PyTorch: `nn.LogSoftmax`.
 * @example new nn.LogSoftmax(1)
 */
export class LogSoftmax extends Module {
  /** The dim the log-softmax normalises. */
  readonly dim: number;
  constructor(dim: number | { dim: number });
  constructor(...args: unknown[]) { super(); this.dim = softmaxDim('LogSoftmax', args); }
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
