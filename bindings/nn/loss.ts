/**
 * Loss modules (PyTorch's nn.*Loss) wrapping the functional losses; forward(input, target).
 * Like every module they are callable, so `const criterion = new nn.CrossEntropyLoss();
 * criterion(out, y)` works and a loss module can go wherever a loss function is expected.
 * Arguments bind as in PyTorch: positionally in its order (the deprecated sizeAverage/reduce
 * slots included, accepted only empty) or by name in a trailing options object.
 */
import type { Tensor, TensorLike } from '../tensor.js';
import * as F from './functional.js';
import { lossOptions, type Reduction } from '../ops/loss.js';
import { bindArgs, unsupported } from '../args.js';
import { Module } from './module.js';

type Labels = Tensor | ArrayLike<number>;

abstract class Loss<T> extends Module {
  readonly reduction: Reduction;
  /** The options handed to the functional loss (validated there, and once here at construction). */
  protected readonly options: Record<string, unknown>;

  constructor(op: string, args: readonly unknown[], names: readonly string[], check: (o: Record<string, unknown>) => unknown) {
    super();
    const { sizeAverage, reduce, ...options } = bindArgs(op, args, names);
    unsupported(op, 'sizeAverage', sizeAverage ?? undefined, undefined, "deprecated in PyTorch; use reduction: 'sum' or 'mean'");
    unsupported(op, 'reduce', reduce ?? undefined, undefined, "deprecated in PyTorch; use reduction: 'none'");
    for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
    check(options);
    this.options = options;
    this.reduction = (options.reduction as Reduction | undefined) ?? 'mean';
  }

  abstract override forward(input: Tensor, target: T): Tensor;

  override call(input: Tensor, target: T): Tensor {
    return this.forward(input, target);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/** PyTorch's MSELoss(sizeAverage, reduce, reduction='mean'). */
export class MSELoss extends Loss<TensorLike> {
  constructor(...args: unknown[]) {
    super('MSELoss', args, ['sizeAverage', 'reduce', 'reduction'], (o) => lossOptions('MSELoss', o, ['reduction']));
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.mseLoss(input, target, this.options); }
}

/**
 * PyTorch's CrossEntropyLoss(weight, sizeAverage, ignoreIndex=-100, reduce, reduction='mean',
 * labelSmoothing=0): logits [N, C] and integer class labels (or class probabilities).
 */
export class CrossEntropyLoss extends Loss<Labels | Tensor> {
  constructor(...args: unknown[]) {
    super('CrossEntropyLoss', args, ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction', 'labelSmoothing'],
      (o) => lossOptions('CrossEntropyLoss', o, ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']));
  }

  forward(input: Tensor, target: Labels): Tensor { return F.crossEntropy(input, target, this.options); }
}

/** PyTorch's NLLLoss(weight, sizeAverage, ignoreIndex=-100, reduce, reduction='mean'): log-probabilities [N, C] and labels. */
export class NLLLoss extends Loss<Labels> {
  constructor(...args: unknown[]) {
    super('NLLLoss', args, ['weight', 'sizeAverage', 'ignoreIndex', 'reduce', 'reduction'],
      (o) => lossOptions('NLLLoss', o, ['weight', 'ignoreIndex', 'reduction']));
  }

  forward(input: Tensor, target: Labels): Tensor { return F.nllLoss(input, target, this.options); }
}

/** PyTorch's BCELoss(weight, sizeAverage, reduce, reduction='mean'): probabilities and 0/1 targets. */
export class BCELoss extends Loss<TensorLike> {
  constructor(...args: unknown[]) {
    super('BCELoss', args, ['weight', 'sizeAverage', 'reduce', 'reduction'], (o) => lossOptions('BCELoss', o, ['weight', 'reduction']));
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.binaryCrossEntropy(input, target, this.options); }
}

/** PyTorch's BCEWithLogitsLoss(weight, sizeAverage, reduce, reduction='mean', posWeight). */
export class BCEWithLogitsLoss extends Loss<TensorLike> {
  constructor(...args: unknown[]) {
    super('BCEWithLogitsLoss', args, ['weight', 'sizeAverage', 'reduce', 'reduction', 'posWeight'],
      (o) => lossOptions('BCEWithLogitsLoss', o, ['weight', 'reduction', 'posWeight']));
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.binaryCrossEntropyWithLogits(input, target, this.options); }
}

/** PyTorch's KLDivLoss(sizeAverage, reduce, reduction='mean', logTarget=false): log-probabilities and a target distribution. */
export class KLDivLoss extends Loss<TensorLike> {
  /** Whether the target holds log-probabilities. */
  readonly logTarget: boolean;
  constructor(...args: unknown[]) {
    super('KLDivLoss', args, ['sizeAverage', 'reduce', 'reduction', 'logTarget'], (o) => lossOptions('KLDivLoss', o, ['reduction', 'logTarget']));
    this.logTarget = this.options.logTarget === true;
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.klDiv(input, target, this.options); }
  override extraRepr(): string { return `reduction=${this.reduction}, logTarget=${this.logTarget}`; }
}

/** PyTorch's HuberLoss(reduction='mean', delta=1.0). */
export class HuberLoss extends Loss<TensorLike> {
  /** Where the loss turns from quadratic to linear. */
  readonly delta: number;
  constructor(...args: unknown[]) {
    super('HuberLoss', args, ['reduction', 'delta'], (o) => lossOptions('HuberLoss', o, ['reduction', 'delta']));
    this.delta = (this.options.delta as number | undefined) ?? 1;
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.huberLoss(input, target, this.options); }
  override extraRepr(): string { return `reduction=${this.reduction}, delta=${this.delta}`; }
}

/** PyTorch's SmoothL1Loss(sizeAverage, reduce, reduction='mean', beta=1.0). */
export class SmoothL1Loss extends Loss<TensorLike> {
  /** Where the loss turns from quadratic to linear (0: the L1 loss). */
  readonly beta: number;
  constructor(...args: unknown[]) {
    super('SmoothL1Loss', args, ['sizeAverage', 'reduce', 'reduction', 'beta'], (o) => lossOptions('SmoothL1Loss', o, ['reduction', 'beta']));
    this.beta = (this.options.beta as number | undefined) ?? 1;
  }

  forward(input: Tensor, target: TensorLike): Tensor { return F.smoothL1Loss(input, target, this.options); }
  override extraRepr(): string { return `reduction=${this.reduction}, beta=${this.beta}`; }
}
