/**
 * Layers with PyTorch's names, shapes, defaults and initialisation (reset_parameters), over the
 * functional ops. Parameters are persistent (empty tensors filled by nn.init in place).
 */
import { Tensor, zeros, ones } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { fmt } from '../shape.js';
import * as F from './functional.js';
import type { Pair, Padding } from '../ops/conv.js';
import { Module } from './module.js';
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

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : zeros([outFeatures]));
    resetAffine(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  bias?: boolean;
}

const pairOf = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, readonly options: Conv2dOptions = {}) {
    super();
    this.kernelSize = pairOf(kernelSize);
    this.weight = this.registerParameter('weight', zeros([outChannels, inChannels, ...this.kernelSize]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : zeros([outChannels]));
    resetAffine(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation } = this.options;
    return F.conv2d(x, this.weight, this.bias, { stride, padding, dilation });
  }

  override extraRepr(): string {
    const { stride = 1, padding = 0, dilation = 1 } = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${JSON.stringify(stride)}, padding=${JSON.stringify(padding)}, dilation=${JSON.stringify(dilation)}`;
  }
}

export interface Pool2dOptions {
  stride?: Pair;
  padding?: Pair;
}

/** Shared shape of the pooling modules: a kernel size, options, and the functional op. */
abstract class Pool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: Pool2dOptions, private readonly op: typeof F.maxPool2d) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.op(x, { kernelSize: this.kernelSize, ...this.options });
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, options=${JSON.stringify(this.options)}`;
  }
}

export class MaxPool2d extends Pool2d {
  constructor(kernelSize: Pair, options: Pool2dOptions = {}) {
    super(kernelSize, options, F.maxPool2d);
  }
}

export class AvgPool2d extends Pool2d {
  constructor(kernelSize: Pair, options: Pool2dOptions = {}) {
    super(kernelSize, options, F.avgPool2d);
  }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average (PyTorch's convention). */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over every dim but the channel dim (1). Training uses the batch's mean
 * and biased variance and updates the running mean and the *unbiased* running variance in place,
 * as PyTorch does; eval mode uses the running statistics.
 */
abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, options: BatchNormOptions, private readonly ndims: number[]) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
    const track = options.trackRunningStats ?? true;
    this.runningMean = track ? this.registerBuffer('runningMean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.registerBuffer('runningVar', ones([numFeatures])) : null;
    this.numBatchesTracked = track ? this.registerBuffer('numBatchesTracked', zeros([])) : null;
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!this.ndims.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${name}: expected a ${this.ndims.join('-D or ')}-D input with ${this.numFeatures} channels in dim 1, got ${fmt(x.shape)}`);
    }
    const C = this.numFeatures;
    const bshape = x.shape.map((d, i) => (i === 1 ? C : 1));
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const useBatch = this.training || !this.runningMean;
    let y: Tensor;
    if (useBatch) {
      const n = x.size / C;
      if (this.training && n <= 1) throw new RangeError(`${name}: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
      const mean = x.mean(dims, true);
      const centered = x.sub(mean);
      const varB = centered.square().mean(dims, true);
      y = centered.div(varB.add(this.eps).sqrt());
      if (this.training && this.runningMean) this.updateRunningStats(mean, varB, n);
    } else {
      y = x.sub(this.runningMean!.reshape(bshape)).div(this.runningVar!.reshape(bshape).add(this.eps).sqrt());
    }
    if (this.weight) y = y.mul(this.weight.reshape(bshape)).add(this.bias!.reshape(bshape));
    return y;
  }

  private updateRunningStats(mean: Tensor, varBiased: Tensor, n: number): void {
    const m = this.momentum;
    noGrad(() => {
      this.runningMean!.mul_(1 - m).add_(mean.detach().reshape([this.numFeatures]), m);
      this.runningVar!.mul_(1 - m).add_(varBiased.detach().reshape([this.numFeatures]), m * n / (n - 1));
      this.numBatchesTracked!.add_(1);
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}`;
  }
}

/** BatchNorm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** BatchNorm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

// ---- activations ------------------------------------------------------------------------------

export class ReLU extends Module {
  forward(x: Tensor): Tensor { return x.relu(); }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return x.tanh(); }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

export class Softmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.softmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) { super(); }
  forward(x: Tensor): Tensor { return x.logSoftmax(this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
