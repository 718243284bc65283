/**
 * torch.nn.utils: gradient clipping. Both act in place on the `.grad` of each parameter (those
 * without a gradient are skipped), outside the autodiff graph. Norms are accumulated in float64.
 */
import { Tensor, fromValues } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { boolArg, numberArg, show } from '../args.js';

type Parameters = Tensor | Iterable<Tensor>;

function gradsOf(op: string, parameters: Parameters): Tensor[] {
  // A string or a Map is iterable too, but never a list of parameters (an empty one would pass silently).
  const iterable = parameters && typeof parameters === 'object' && !(parameters instanceof Map) && typeof (parameters as Iterable<Tensor>)[Symbol.iterator] === 'function';
  const list = parameters instanceof Tensor ? [parameters] : iterable ? [...parameters] : null;
  if (!list) throw new TypeError(`${op}: parameters must be a Tensor or an iterable of Tensors (e.g. model.parameters()), got ${show(parameters)}`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor (${show(p)})`);
  });
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null && g !== undefined);
}

/** Overwrites g with f(g) elementwise (float32 results). */
function rewrite(g: Tensor, f: (v: number) => number, op: string): void {
  const v = g._read();
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]);
  noGrad(() => { g.copy_(fromValues(v, g.shape, op, true)); });
}

/**
 * Scales the gradients so that their joint norm (the p-norm of all gradient entries together)
 * is at most maxNorm, as torch.nn.utils.clip_grad_norm_: coefficient maxNorm / (norm + 1e-6),
 * applied when below 1. Returns the total norm before clipping as a 0-d tensor.
 */
export function clipGradNorm_(parameters: Parameters, maxNorm: number, normType: number = 2, errorIfNonfinite: boolean = false): Tensor {
  const op = 'clipGradNorm_';
  const max = numberArg(op, 'maxNorm', maxNorm, undefined, 0);
  const p = normType === Infinity ? Infinity : numberArg(op, 'normType', normType, 2);
  if (!(p > 0)) throw new RangeError(`${op}: normType must be positive (or Infinity), got ${p}`);
  const raise = boolArg(op, 'errorIfNonfinite', errorIfNonfinite, false);
  const grads = gradsOf(op, parameters);
  let total = 0;
  if (p === Infinity) {
    for (const g of grads) for (const v of g._read()) total = Math.max(total, Math.abs(v));
  } else {
    let s = 0;
    for (const g of grads) for (const v of g._read()) s += p === 2 ? v * v : p === 1 ? Math.abs(v) : Math.abs(v) ** p;
    total = p === 2 ? Math.sqrt(s) : p === 1 ? s : s ** (1 / p);
  }
  if (!Number.isFinite(total) && raise) {
    throw new RangeError(`${op}: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped (errorIfNonfinite is true)`);
  }
  const coef = max / (total + 1e-6);
  if (coef < 1) {
    const c = Math.fround(coef);
    for (const g of grads) rewrite(g, (v) => v * c, op);
  }
  return fromValues([total], [], op, true);
}

/** Clamps every gradient entry into [−clipValue, clipValue] in place, as torch.nn.utils.clip_grad_value_. */
export function clipGradValue_(parameters: Parameters, clipValue: number): void {
  const op = 'clipGradValue_';
  const c = numberArg(op, 'clipValue', clipValue, undefined, 0);
  for (const g of gradsOf(op, parameters)) rewrite(g, (v) => (v > c ? c : v < -c ? -c : v), op);
}
