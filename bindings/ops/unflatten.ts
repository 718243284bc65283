/** unflatten (PyTorch's Tensor.unflatten): one dim split into several, a view with reshape's gradient. */
import { Tensor } from '../tensor.js';
import { fmt, normAxis } from '../shape.js';
import { reshape } from './movement.js';
import { show } from '../args.js';

/**
 * One dim split into several sizes (one may be −1); the inverse of flatten.
 *
 * PyTorch: `torch.unflatten` / `Tensor.unflatten`.
 * @example unflatten(x, 1, [1, 28, 28])   // [N, 784] -> [N, 1, 28, 28]
 */
export function unflatten(x: Tensor, dim: number, sizes: number[]): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('unflatten: input must be a Tensor');
  const d = normAxis(dim, x.ndim, 'unflatten');
  if (!Array.isArray(sizes) || sizes.length === 0) throw new RangeError(`unflatten: sizes must be a non-empty list, got ${show(sizes)}`);
  const s = sizes.slice();
  const infer = s.indexOf(-1);
  const known = s.reduce((a, b) => (b === -1 ? a : a * b), 1);
  if (infer >= 0 && known > 0 && x.shape[d] % known === 0) s[infer] = x.shape[d] / known;
  if (s.some((v) => !Number.isInteger(v) || v < 0) || s.reduce((a, b) => a * b, 1) !== x.shape[d]) {
    throw new RangeError(`unflatten: sizes ${fmt(sizes)} do not multiply to ${x.shape[d]}, the size of dim ${dim} of ${fmt(x.shape)}`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...s, ...x.shape.slice(d + 1)]);
}
