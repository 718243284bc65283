/** Loss modules (PyTorch's nn.*Loss) wrapping the functional losses; forward(input, target). */
import type { Tensor, TensorLike } from '../tensor.js';
import * as F from './functional.js';
import type { LossOptions, Reduction } from '../ops/loss.js';
import { Module } from './module.js';

type Labels = Tensor | ArrayLike<number>;

abstract class Loss<T> extends Module {
  readonly reduction: Reduction;

  constructor(options: LossOptions = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }

  abstract override forward(input: Tensor, target: T): Tensor;

  override call(input: Tensor, target: T): Tensor {
    return this.forward(input, target);
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

export class MSELoss extends Loss<TensorLike> {
  forward(input: Tensor, target: TensorLike): Tensor { return F.mseLoss(input, target, this); }
}

/** Logits [N, C] and integer class labels. */
export class CrossEntropyLoss extends Loss<Labels> {
  forward(input: Tensor, target: Labels): Tensor { return F.crossEntropy(input, target, this); }
}

/** Log-probabilities [N, C] and integer class labels. */
export class NLLLoss extends Loss<Labels> {
  forward(input: Tensor, target: Labels): Tensor { return F.nllLoss(input, target, this); }
}

/** Probabilities and 0/1 targets. */
export class BCELoss extends Loss<TensorLike> {
  forward(input: Tensor, target: TensorLike): Tensor { return F.binaryCrossEntropy(input, target, this); }
}

export class BCEWithLogitsLoss extends Loss<TensorLike> {
  forward(input: Tensor, target: TensorLike): Tensor { return F.binaryCrossEntropyWithLogits(input, target, this); }
}
