/**
 * Losses with PyTorch's names, options and reductions. Cross-entropy is fused (log-softmax, pick
 * and gradient p − onehot in one kernel each way); class weights, ignoreIndex and label
 * smoothing are compositions of differentiable ops around it, with PyTorch 1.13's formulas
 * (aten/src/ATen/native/LossNLL.cpp), checked against torch in tests/losses.test.ts.
 */
import { Tensor, TensorLike, fromValues } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { broadcastShapes, fmt, sameShape } from '../shape.js';
import { boolArg, checkOptions, intArg, numberArg, oneOf, show } from '../args.js';
import { where } from './select.js';
import { gt } from './elementwise.js';
import { withIndices } from './movement.js';
import { asTensor } from './elementwise.js';
import { logSoftmax } from './reduce.js';
import { splitItems } from '../threads.js';

/**
 * How a loss reduces over elements: their mean (default), their sum, or none (one loss per element);
 * 'batchmean' (the sum over the batch size) is the KL divergence's alone, as in PyTorch.
 * @example mseLoss(pred, y, { reduction: 'sum' })
 */
export type Reduction = 'mean' | 'sum' | 'none' | 'batchmean';
/**
 * Options every loss takes.
 * @example crossEntropy(logits, labels, { reduction: 'none' })
 */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/**
 * Options of `nllLoss`.
 *
 * PyTorch: `F.nll_loss(input, target, weight, ignore_index, reduction)`.
 * @example nllLoss(logp, labels, { ignoreIndex: 0 })
 */
export interface NLLLossOptions extends LossOptions {
  /** A manual rescaling weight per class ([C]), as PyTorch's weight. */
  weight?: Tensor | null;
  /** Samples with this label contribute nothing (default −100, as PyTorch). */
  ignoreIndex?: number;
}

/**
 * Options of `crossEntropy`.
 *
 * PyTorch: `F.cross_entropy(..., label_smoothing=)`.
 * @example crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** In [0, 1]: the target mixes (1 − ε)·onehot with ε/C uniform (Szegedy et al., as PyTorch). */
  labelSmoothing?: number;
}

/**
 * Options of `binaryCrossEntropy`.
 *
 * PyTorch: `F.binary_cross_entropy(input, target, weight, reduction)`.
 * @example binaryCrossEntropy(p, y, { weight: w })
 */
export interface BCELossOptions extends LossOptions {
  /** A rescaling weight broadcast against the loss of each element. */
  weight?: Tensor | null;
}

/**
 * Options of `binaryCrossEntropyWithLogits`.
 *
 * PyTorch: `F.binary_cross_entropy_with_logits(..., pos_weight=)`.
 * @example binaryCrossEntropyWithLogits(logits, y, { posWeight: tensor([3]) })
 */
export interface BCEWithLogitsOptions extends BCELossOptions {
  /** A weight of positive examples per class (broadcast along the last dim), as PyTorch's pos_weight. */
  posWeight?: Tensor | null;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

type LossKey = 'reduction' | 'weight' | 'ignoreIndex' | 'labelSmoothing' | 'posWeight' | 'delta' | 'beta' | 'logTarget';
interface ParsedLossOptions {
  reduction: Reduction; weight: Tensor | null; ignoreIndex: number; labelSmoothing: number; posWeight: Tensor | null;
  delta: number; beta: number; logTarget: boolean;
}

/** A loss's options, checked: only `keys` allowed, each of the right kind (also used by the nn.*Loss modules). */
export function lossOptions(op: string, options: object | undefined, keys: readonly LossKey[]): ParsedLossOptions {
  const o = checkOptions(op, options as Record<string, unknown> | undefined, keys);
  return {
    // 'batchmean' belongs to the KL divergence alone (the only loss with a logTarget option)
    reduction: oneOf(op, 'reduction', o.reduction, keys.includes('logTarget') ? [...REDUCTIONS, 'batchmean'] : REDUCTIONS, 'mean') as Reduction,
    weight: optionalTensor(op, 'weight', o.weight),
    ignoreIndex: intArg(op, 'ignoreIndex', o.ignoreIndex, -100),
    labelSmoothing: numberArg(op, 'labelSmoothing', o.labelSmoothing, 0, 0, 1),
    posWeight: optionalTensor(op, 'posWeight', o.posWeight),
    delta: numberArg(op, 'delta', o.delta, 1, Number.MIN_VALUE),
    beta: numberArg(op, 'beta', o.beta, 1, 0),
    logTarget: boolArg(op, 'logTarget', o.logTarget, false),
  };
}

function reduce(x: Tensor, r: Reduction): Tensor {
  if (r === 'batchmean') return x.sum().div(x.ndim === 0 ? 1 : x.shape[0]);
  return r === 'none' ? x : r === 'sum' ? x.sum() : x.mean();
}

function checkInput(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  return x;
}

function sameShapes(pred: Tensor, target: Tensor, op: string): void {
  if (!sameShape(pred.shape, target.shape)) {
    throw new RangeError(`${op}: input shape ${fmt(pred.shape)} and target shape ${fmt(target.shape)} differ`);
  }
}

function optionalTensor(op: string, name: string, v: unknown): Tensor | null {
  if (v === undefined || v === null) return null;
  if (!(v instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null, got ${show(v)}`);
  return v;
}

/**
 * Mean squared error between pred and target (a tensor or a number, broadcast to pred's shape).
 *
 * PyTorch: `F.mse_loss`.
 * @example mseLoss(model.forward(x), y)
 */
export function mseLoss(pred: Tensor, target: TensorLike, options?: LossOptions): Tensor {
  const r = lossOptions('mseLoss', options, ['reduction']).reduction;
  const t = asTensor(target, 'mseLoss', 'target');
  sameShapes(checkInput(pred, 'mseLoss'), t, 'mseLoss');
  return reduce(pred.sub(t).square(), r);
}

type Labels = Tensor | ArrayLike<number>;

/**
 * Class labels as i32, checked: whole numbers in [0, C), or equal to ignoreIndex. Ignored ones
 * become 0 in `labels` (so the fused kernels never see them) and 1 in `ignored` (null if none).
 */
function readLabels(op: string, target: unknown, N: number, C: number, ignoreIndex: number): { labels: Int32Array; ignored: Uint8Array | null } {
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    if (target.ndim > 1) {
      throw new RangeError(`${op}: target must be 1-D class indices [${N}], got shape ${fmt(target.shape)} (a [N, C] target of class probabilities needs the shape of the input)`);
    }
    values = target._read();
  } else if (typeof target === 'number') {
    values = [target];
  } else if (Array.isArray(target) || (ArrayBuffer.isView(target) && !(target instanceof DataView))) {
    values = target as ArrayLike<number>;
  } else {
    throw new TypeError(`${op}: target must be a Tensor or an array of class indices, got ${show(target)}`);
  }
  if (values.length !== N) throw new RangeError(`${op}: ${values.length} labels for a batch of ${N}`);
  const labels = new Int32Array(N);
  let ignored: Uint8Array | null = null;
  for (let i = 0; i < N; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      (ignored ??= new Uint8Array(N))[i] = 1;
      continue;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new RangeError(`${op}: label ${show(v)} of sample ${i} is not an integer class index`);
    if (v < 0 || v >= C) throw new RangeError(`${op}: label ${v} of sample ${i} is outside [0, ${C})`);
    labels[i] = v;
  }
  return { labels, ignored };
}

/** Per-sample −logp[i, label_i] from the fused kernels (logits for 'ce', log-probabilities for 'nll'). */
function pickedLoss(op: string, x: Tensor, labels: Int32Array, fused: 'ce' | 'nll'): Tensor {
  const [N, C] = x.shape;
  const k = K();
  const losses = Tensor._empty([N], op);
  const logp = fused === 'ce' ? Tensor._empty([N, C], `${op} log-probabilities`) : null;
  // Cross-entropy's rows split across threads (each row whole on one thread: the same bits for
  // any count); a row is ~20 FLOP-equivalents per class (exp, log, the max and sums).
  const work = N * C * 20, row = 4 * C;
  withIndices(labels, op, (lp) => {
    if (fused === 'ce') {
      splitItems('crossEntropyForward', N, work, 1, (lo, hi) =>
        [x.ptr + lo * row, lp + 4 * lo, losses.ptr + 4 * lo, logp!.ptr + lo * row, hi - lo, C]);
    } else {
      k.nllForward(x.ptr, lp, losses.ptr, N, C);
    }
  });
  return record(losses, op, [x], (g) => {
    const dx = Tensor._empty(x.shape, `${op} backward`);
    withIndices(labels, op, (lp) => {
      if (fused === 'ce') {
        splitItems('crossEntropyBackward', N, work, 1, (lo, hi) =>
          [logp!.ptr + lo * row, lp + 4 * lo, g.ptr + 4 * lo, dx.ptr + lo * row, hi - lo, C]);
      } else {
        k.nllBackward(lp, g.ptr, dx.ptr, N, C);
      }
    });
    return [dx];
  });
}

const NLL_KEYS: LossKey[] = ['reduction', 'weight', 'ignoreIndex'];
const CE_KEYS: LossKey[] = [...NLL_KEYS, 'labelSmoothing'];

/** The shared body of crossEntropy and nllLoss over [N, C] (or [C] with one label). */
function classLoss(op: string, input: Tensor, target: unknown, options: CrossEntropyOptions | undefined, fused: 'ce' | 'nll'): Tensor {
  const { reduction: r, labelSmoothing: eps, ignoreIndex, weight } = lossOptions(op, options, fused === 'ce' ? CE_KEYS : NLL_KEYS);
  const x0 = checkInput(input, op);
  if (x0.ndim > 2) return spatialClassLoss(op, x0, target, options, fused, r);
  if (x0.ndim !== 2 && x0.ndim !== 1) throw new RangeError(`${op}: input must be [batch, classes, d1, ...] (or 1-D [classes]), got ${fmt(x0.shape)}`);
  const x = x0.ndim === 1 ? x0.reshape([1, x0.shape[0]]) : x0;
  const [N, C] = x.shape;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) throw new RangeError(`${op}: weight must have shape [${C}] (one per class), got ${fmt(weight.shape)}`);
  if (target instanceof Tensor && target.ndim === x0.ndim && target.ndim > 0 && sameShape(target.shape, x0.shape) && !(x0.ndim === 1 && C === 1)) {
    if (fused === 'nll') throw new RangeError(`${op}: target must hold class indices [${N}], got the input's shape ${fmt(target.shape)}`);
    if ((options as NLLLossOptions | undefined)?.ignoreIndex !== undefined) throw new RangeError(`${op}: ignoreIndex applies only to class-index targets, not to class probabilities`);
    return probabilityLoss(op, x, target.reshape(x.shape.slice()), weight, eps, r, x0.ndim === 1);
  }
  const { labels, ignored } = readLabels(op, target instanceof Tensor && x0.ndim === 1 ? target.reshape([-1]) : target, N, C, ignoreIndex);
  let losses = pickedLoss(op, x, labels, fused);
  // Per-sample weights: the class weight of the label, 0 for ignored samples.
  let weightSum = N;
  if (weight || ignored) {
    const w = weight ? weight._read() : null;
    const sampleWeight = new Float32Array(N);
    weightSum = 0;
    for (let i = 0; i < N; i++) {
      sampleWeight[i] = ignored?.[i] ? 0 : w ? w[labels[i]] : 1;
      weightSum += sampleWeight[i];
    }
    losses = losses.mul(fromValues(sampleWeight, [N], `${op} weights`, true));
  }
  let out = r === 'none' ? losses : r === 'sum' ? losses.sum() : losses.sum().div(weightSum);
  if (eps > 0) {
    // PyTorch: (1 − ε)·nll + ε/C · smooth, smooth_i = −Σ_c w_c·logp_ic (0 where ignored); its mean
    // divides by the same Σ of sample weights as the nll term (the count of samples not ignored).
    let smooth = logSoftmax(x, 1);
    if (weight) smooth = smooth.mul(weight);
    smooth = smooth.sum(1).neg();
    if (ignored) smooth = smooth.mul(fromValues(ignored.map((v) => 1 - v), [N], `${op} mask`, true));
    const s = r === 'none' ? smooth : r === 'sum' ? smooth.sum() : smooth.sum().div(weightSum);
    out = out.mul(1 - eps).add(s.mul(eps / C));
  }
  return x0.ndim === 1 && r === 'none' ? out.reshape([]) : out;
}

/**
 * [N, C, d1, ...] input (per-pixel classes): the classes move last and every position becomes a
 * sample, so weights, ignoreIndex, label smoothing and the 'mean' over non-ignored positions are
 * exactly the [N·d1·..., C] case's (PyTorch's definition); 'none' gives [N, d1, ...].
 */
function spatialClassLoss(op: string, x: Tensor, target: unknown, options: CrossEntropyOptions | undefined, fused: 'ce' | 'nll', r: Reduction): Tensor {
  const C = x.shape[1];
  const rest = [x.shape[0], ...x.shape.slice(2)];
  const perm = [0, ...x.shape.slice(2).map((_, i) => i + 2), 1];
  const flat = x.permute(perm).reshape([-1, C]);
  let t: unknown;
  if (target instanceof Tensor && sameShape(target.shape, x.shape)) {
    if (fused === 'nll') throw new RangeError(`${op}: target must hold class indices ${fmt(rest)}, got the input's shape ${fmt(target.shape)}`);
    t = target.permute(perm).reshape([-1, C]);
  } else if (target instanceof Tensor) {
    if (!sameShape(target.shape, rest)) throw new RangeError(`${op}: for input ${fmt(x.shape)} the target must hold class indices of shape ${fmt(rest)} (or class probabilities of the input's shape), got ${fmt(target.shape)}`);
    t = target.reshape([-1]);
  } else {
    throw new TypeError(`${op}: for input ${fmt(x.shape)} the target must be a Tensor of class indices ${fmt(rest)}, got ${show(target)}`);
  }
  const out = classLoss(op, flat, t, options, fused);
  return r === 'none' ? out.reshape(rest) : out;
}

/** Cross-entropy against class probabilities [N, C]: −Σ_c w_c·t'_ic·logp_ic, t' the smoothed target; mean divides by N. */
function probabilityLoss(op: string, x: Tensor, t: Tensor, weight: Tensor | null, eps: number, r: Reduction, oneD: boolean): Tensor {
  const C = x.shape[1];
  const target = eps > 0 ? t.mul(1 - eps).add(eps / C) : t;
  let prod = logSoftmax(x, 1).mul(target);
  if (weight) prod = prod.mul(weight);
  const losses = prod.sum(1).neg();
  const out = reduce(losses, r);
  return oneD && r === 'none' ? out.reshape([]) : out;
}

/**
 * Softmax cross-entropy from logits [N, C] (or [N, C, d1, ...]) and integer class labels [N]
 * ([N, d1, ...]; a tensor, or an array for 2-D logits), or class probabilities of the logits'
 * shape; options as PyTorch's cross_entropy.
 */
export function crossEntropy(logits: Tensor, labels: Labels, options?: CrossEntropyOptions): Tensor {
  return classLoss('crossEntropy', logits, labels, options, 'ce');
}

/** Negative log-likelihood from log-probabilities [N, C] and integer labels. */
export function nllLoss(logProbs: Tensor, labels: Labels, options?: NLLLossOptions): Tensor {
  return classLoss('nllLoss', logProbs, labels, options, 'nll');
}

/** A weight for elementwise losses must broadcast to the loss's shape. */
function weighted(op: string, loss: Tensor, weight: Tensor | null): Tensor {
  if (!weight) return loss;
  const w = loss.mul(weight);
  if (!sameShape(w.shape, loss.shape)) throw new RangeError(`${op}: weight of shape ${fmt(weight.shape)} does not broadcast to the input's shape ${fmt(loss.shape)}`);
  return w;
}

/** BCE on probabilities; logs are clamped at −100 as PyTorch does, so p = 0 or 1 stays finite. */
export function binaryCrossEntropy(prob: Tensor, target: TensorLike, options?: BCELossOptions): Tensor {
  const op = 'binaryCrossEntropy';
  const o = lossOptions(op, options, ['reduction', 'weight']);
  const t = asTensor(target, op, 'target');
  sameShapes(checkInput(prob, op), t, op);
  const logP = prob.log().clamp(-100);
  const log1mP = prob.neg().add(1).log().clamp(-100);
  const loss = t.mul(logP).add(t.neg().add(1).mul(log1mP)).neg();
  return reduce(weighted(op, loss, o.weight), o.reduction);
}

/**
 * BCE from logits in the stable form (1 − t)·x + lw·(log(1 + e^−|x|) + max(−x, 0)), with
 * lw = 1 + (posWeight − 1)·t (PyTorch's formula; lw = 1 without posWeight).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: TensorLike, options?: BCEWithLogitsOptions): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const o = lossOptions(op, options, ['reduction', 'weight', 'posWeight']);
  const t = asTensor(target, op, 'target');
  sameShapes(checkInput(logits, op), t, op);
  const posWeight = o.posWeight;
  const softplusNeg = logits.abs().neg().softplus().add(logits.neg().relu()); // log(1 + e^−x), stably
  let loss: Tensor;
  if (posWeight) {
    const lw = t.mul(posWeight.sub(1)).add(1);
    if (!sameShape(lw.shape, t.shape)) throw new RangeError(`${op}: posWeight of shape ${fmt(posWeight.shape)} does not broadcast to the target's shape ${fmt(t.shape)}`);
    loss = t.neg().add(1).mul(logits).add(lw.mul(softplusNeg));
  } else {
    loss = t.neg().add(1).mul(logits).add(softplusNeg);
  }
  return reduce(weighted(op, loss, o.weight), o.reduction);
}

/**
 * Options of `klDiv`. PyTorch: `F.kl_div(input, target, reduction, log_target)`.
 * @example klDiv(logp, q, { reduction: 'batchmean' })
 */
export interface KLDivOptions {
  /** 'mean' averages over every element (PyTorch warns it is not the KL divergence); 'batchmean' divides the sum by the batch size. */
  reduction?: Reduction;
  /** The target holds log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

/**
 * PyTorch's kl_div(input, target): input holds log-probabilities; pointwise
 * target·(log target − input) (0 where target = 0), or exp(target)·(target − input) with
 * logTarget. 'batchmean' gives the mathematical KL divergence per sample.
 */
export function klDiv(input: Tensor, target: TensorLike, options?: KLDivOptions): Tensor {
  const op = 'klDiv';
  const o = lossOptions(op, options, ['reduction', 'logTarget']);
  const t = asTensor(target, op, 'target');
  const x = checkInput(input, op);
  let fits = false;
  try { fits = sameShape(broadcastShapes(op, x.shape, t.shape), x.shape); } catch { /* reported below */ }
  if (!fits) throw new RangeError(`${op}: target shape ${fmt(t.shape)} does not broadcast to the input's shape ${fmt(x.shape)}`);
  let loss: Tensor;
  if (o.logTarget) {
    loss = t.exp().mul(t.sub(x));
  } else {
    // xlogy: 0·log 0 = 0; where(t > 0, t, 1) keeps the log (and its gradient) finite at t = 0
    const logT = where(gt(t, 0), t, 1).log();
    loss = t.mul(logT.sub(x));
  }
  return reduce(loss, o.reduction);
}

/** Elementwise input − target, shapes checked. */
function difference(op: string, input: Tensor, target: TensorLike): Tensor {
  const t = asTensor(target, op, 'target');
  sameShapes(checkInput(input, op), t, op);
  return input.sub(t);
}

/** 0.5·d² where |d| < k, else k·(|d| − 0.5·k): Huber's loss (scale = 1) and, divided by k, smooth L1. */
function huberTerms(d: Tensor, k: number): Tensor {
  const a = d.abs();
  return where(a.lt(k), d.square().mul(0.5), a.sub(0.5 * k).mul(k));
}

/**
 * Options of `huberLoss`. PyTorch: `F.huber_loss(input, target, reduction, delta)`.
 * @example huberLoss(pred, y, { delta: 0.5 })
 */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, positive). */
  delta?: number;
}

/** PyTorch's huber_loss: 0.5·d² for |d| < delta, delta·(|d| − 0.5·delta) beyond. */
export function huberLoss(input: Tensor, target: TensorLike, options?: HuberLossOptions): Tensor {
  const op = 'huberLoss';
  const o = lossOptions(op, options, ['reduction', 'delta']);
  return reduce(huberTerms(difference(op, input, target), o.delta), o.reduction);
}

/**
 * Options of `smoothL1Loss`. PyTorch: `F.smooth_l1_loss(input, target, reduction, beta)`.
 * @example smoothL1Loss(pred, y, { beta: 0.5 })
 */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** PyTorch's smooth_l1_loss: 0.5·d²/beta for |d| < beta, |d| − 0.5·beta beyond (the L1 loss for beta 0). */
export function smoothL1Loss(input: Tensor, target: TensorLike, options?: SmoothL1LossOptions): Tensor {
  const op = 'smoothL1Loss';
  const o = lossOptions(op, options, ['reduction', 'beta']);
  const d = difference(op, input, target);
  // beta 0: no quadratic piece (and no division by 0 whose NaN would leak through where's gradient)
  return reduce(o.beta === 0 ? d.abs() : huberTerms(d, o.beta).div(o.beta), o.reduction);
}
