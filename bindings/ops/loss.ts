/**
 * Losses with PyTorch's names and reductions. Cross-entropy is fused (log-softmax, pick and
 * gradient p − onehot in one kernel each way); the others are compositions of differentiable ops.
 */
import { Tensor, TensorLike } from '../tensor.js';
import { record } from '../autograd.js';
import { K, i32 } from '../wasm.js';
import { fmt, sameShape } from '../shape.js';
import { withIndices } from './movement.js';
import { asTensor } from './elementwise.js';

export type Reduction = 'mean' | 'sum' | 'none';
export interface LossOptions {
  reduction?: Reduction;
}

function reductionOf(o: LossOptions | undefined, op: string): Reduction {
  const r = o?.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
  }
  return r;
}

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'none' ? x : r === 'sum' ? x.sum() : x.mean();
}

function sameShapes(pred: Tensor, target: Tensor, op: string): void {
  if (!sameShape(pred.shape, target.shape)) {
    throw new RangeError(`${op}: input shape ${fmt(pred.shape)} and target shape ${fmt(target.shape)} differ`);
  }
}

export function mseLoss(pred: Tensor, target: TensorLike, options?: LossOptions): Tensor {
  const t = asTensor(target, 'mseLoss', 'target');
  sameShapes(pred, t, 'mseLoss');
  return reduce(pred.sub(t).square(), reductionOf(options, 'mseLoss'));
}

type Labels = Tensor | ArrayLike<number>;

function labelCount(labels: Labels): number {
  return labels instanceof Tensor ? labels.size : labels.length;
}

/** Per-sample losses of a fused [N, C] kernel with integer labels, and its gradient rule. */
function classLoss(op: string, x: Tensor, labels: Labels, options: LossOptions | undefined, fused: 'ce' | 'nll'): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  const r = reductionOf(options, op);
  if (x.ndim !== 2) throw new RangeError(`${op}: input must be 2-D [batch, classes], got ${fmt(x.shape)}`);
  const [N, C] = x.shape;
  if (labelCount(labels) !== N) throw new RangeError(`${op}: ${labelCount(labels)} labels for a batch of ${N} (input ${fmt(x.shape)})`);
  const k = K();
  const losses = Tensor._empty([N], op);
  const logp = fused === 'ce' ? Tensor._empty([N, C], `${op} log-probabilities`) : null;
  const labelsCopy = Int32Array.from(labels instanceof Tensor ? labels._read() : labels);
  withIndices(labelsCopy, op, (lp) => {
    const bad = fused === 'ce'
      ? k.crossEntropyForward(x.ptr, lp, losses.ptr, logp!.ptr, N, C)
      : k.nllForward(x.ptr, lp, losses.ptr, N, C);
    if (bad >= 0) throw new RangeError(`${op}: label ${i32()[(lp >>> 2) + bad]} of sample ${bad} is outside [0, ${C})`);
  });
  record(losses, op, [x], (g) => {
    const dx = Tensor._empty(x.shape, `${op} backward`);
    withIndices(labelsCopy, op, (lp) => {
      if (fused === 'ce') k.crossEntropyBackward(logp!.ptr, lp, g.ptr, dx.ptr, N, C);
      else k.nllBackward(lp, g.ptr, dx.ptr, N, C);
    });
    return [dx];
  });
  return reduce(losses, r);
}

/** Softmax cross-entropy from logits [N, C] and integer class labels (a tensor or array). */
export function crossEntropy(logits: Tensor, labels: Labels, options?: LossOptions): Tensor {
  return classLoss('crossEntropy', logits, labels, options, 'ce');
}

/** Negative log-likelihood from log-probabilities [N, C] and integer labels. */
export function nllLoss(logProbs: Tensor, labels: Labels, options?: LossOptions): Tensor {
  return classLoss('nllLoss', logProbs, labels, options, 'nll');
}

/** BCE on probabilities; logs are clamped at −100 as PyTorch does, so p = 0 or 1 stays finite. */
export function binaryCrossEntropy(prob: Tensor, target: TensorLike, options?: LossOptions): Tensor {
  const t = asTensor(target, 'binaryCrossEntropy', 'target');
  sameShapes(prob, t, 'binaryCrossEntropy');
  const logP = prob.log().clamp(-100);
  const log1mP = prob.neg().add(1).log().clamp(-100);
  const loss = t.mul(logP).add(t.neg().add(1).mul(log1mP)).neg();
  return reduce(loss, reductionOf(options, 'binaryCrossEntropy'));
}

/** BCE from logits, in the stable form max(x,0) − x·t + log(1 + e^−|x|). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: TensorLike, options?: LossOptions): Tensor {
  const t = asTensor(target, 'binaryCrossEntropyWithLogits', 'target');
  sameShapes(logits, t, 'binaryCrossEntropyWithLogits');
  const loss = logits.relu().sub(logits.mul(t)).add(logits.abs().neg().softplus());
  return reduce(loss, reductionOf(options, 'binaryCrossEntropyWithLogits'));
}
