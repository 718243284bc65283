/**
 * batchNorm: PyTorch's F.batch_norm as one op (assembly/kernels/batchnorm.ts), statistics and
 * gradients summed per channel in float64 as PyTorch's CPU kernel does. nn.BatchNorm1d/2d run on it.
 * Threads split by channel, so each channel's sums are made by one thread: the same bits on any
 * thread count.
 */
import { Tensor } from '../tensor.js';
import { record, noGrad } from '../autograd.js';
import { K } from '../wasm.js';
import { splitItems } from '../threads.js';
import { fmt } from '../shape.js';
import { show, numberArg, boolArg } from '../args.js';
import { isReluMaskedGradient } from './conv.js';

const OP = 'batchNorm';
// a sweep over x costs a few float operations per element (the thread split's size test)
const WORK_PER_ELEMENT = 8;

/**
 * Normalises each channel (dim 1) of x over the batch and every other dim: with the batch's
 * statistics when `training` (then running statistics, when given, move towards them by
 * `momentum`; the variance with Bessel's correction, as PyTorch), else with the running ones.
 * weight and bias scale and shift each channel when given.
 *
 * PyTorch: `F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)`.
 * @example batchNorm(x, runningMean, runningVar, weight, bias, true)
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null,
  bias?: Tensor | null, training = false, momentum = 0.1, eps = 1e-5): Tensor {
  return batchNormOp('batchNorm', x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
}

/**
 * relu(batchNorm(...)) in one op: the ReLU is applied where the normalised values are written and
 * its gradient inside the backward sweeps (the bytes of the two ops, one pass less each way).
 * nn.Sequential uses it for a BatchNorm followed by a ReLU.
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null,
  bias?: Tensor | null, training = false, momentum = 0.1, eps = 1e-5): Tensor {
  return batchNormOp('batchNormRelu', x, runningMean, runningVar, weight, bias, training, momentum, eps, true);
}

function batchNormOp(recordAs: string, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null | undefined,
  bias: Tensor | null | undefined, training: boolean, momentum: number, eps: number, relu: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${OP}: input must be a Tensor, got ${show(x)}`);
  if (x.ndim < 2) throw new RangeError(`${OP}: input must have a channel dim (at least 2-D [N, C, ...]), got ${fmt(x.shape)}`);
  const N = x.shape[0], C = x.shape[1], S = x.size / ((N * C) || 1);
  const given: [string, Tensor | null | undefined][] = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]];
  for (const [name, t] of given) {
    if (t === undefined || t === null) continue;
    if (!(t instanceof Tensor)) throw new TypeError(`${OP}: ${name} must be a Tensor or null, got ${show(t)} (the signature is batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps))`);
    if (t.ndim !== 1 || t.shape[0] !== C) throw new RangeError(`${OP}: ${name} must have shape [${C}] (the input's channels, dim 1), got ${fmt(t.shape)}`);
  }
  boolArg(OP, 'training', training);
  numberArg(OP, 'momentum', momentum, undefined, 0, 1);
  numberArg(OP, 'eps', eps, undefined, 0);
  if (!!runningMean !== !!runningVar) throw new TypeError(`${OP}: runningMean and runningVar must be given together`);
  const n = N * S;
  if (!training && !runningMean) throw new TypeError(`${OP}: evaluation (training false) needs runningMean and runningVar`);
  if (training && n <= 1) throw new RangeError(`${OP}: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);

  const k = K();
  const work = WORK_PER_ELEMENT * x.size;
  const invstd = Tensor._empty([C], 'batchNorm invstd');
  let mean: Tensor;
  if (training) {
    mean = Tensor._empty([C], 'batchNorm mean');
    const variance = Tensor._empty([C], 'batchNorm var');
    splitItems('batchNormStats', C, 2 * work, 1, (lo, hi) => [x.ptr, mean.ptr, variance.ptr, invstd.ptr, N, C, S, eps, lo, hi]);
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.mul_(1 - momentum).add_(mean, momentum);
        runningVar.mul_(1 - momentum).add_(variance, momentum * n / (n - 1));
      });
    }
  } else {
    // a copy: the backward pass must see this step's statistics even if they are updated before it
    mean = Tensor._empty([C], 'batchNorm mean');
    k.copyBytes(runningMean!.ptr, mean.ptr, 4 * C);
    k.batchNormInvstd(runningVar!.ptr, invstd.ptr, C, eps);
  }
  const out = Tensor._like(x, recordAs);
  splitItems('batchNormApply', C, work, 1, (lo, hi) => [x.ptr, out.ptr, mean.ptr, invstd.ptr, weight ? weight.ptr : 0, bias ? bias.ptr : 0, N, C, S, relu ? 1 : 0, lo, hi]);
  const inputs = [x];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  return record(out, recordAs, inputs, (gy) => {
    const dx = x.requiresGrad ? Tensor._like(x, 'batchNorm backward') : null;
    const dw = weight?.requiresGrad ? Tensor._empty([C], 'batchNorm backward') : null;
    const db = bias?.requiresGrad ? Tensor._empty([C], 'batchNorm backward') : null;
    // the ReLU's gradient, unless a max pool over this output already applied it (see maxPool2d)
    const mask = relu && !isReluMaskedGradient(gy);
    splitItems('batchNormBackward', C, 2 * work, 1, (lo, hi) => [gy.ptr, x.ptr, out.ptr, mean.ptr, invstd.ptr, weight ? weight.ptr : 0,
      dx ? dx.ptr : 0, dw ? dw.ptr : 0, db ? db.ptr : 0, N, C, S, training ? 1 : 0, mask ? 1 : 0, lo, hi]);
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(dw);
    if (bias) grads.push(db);
    return grads;
  });
}
