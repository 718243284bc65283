/**
 * cdist: the p-norm distance between every row of x1 [..., P, M] and every row of x2
 * [..., R, M], giving [..., P, R] (batch dims broadcast), as torch.cdist. Euclidean distances
 * between many rows take PyTorch's matrix-product route (‖a‖² + ‖b‖² − 2a·b on the GEMM,
 * clamped at 1e-30 so that its gradient stays finite where rows coincide) when P or R exceeds
 * 25, as PyTorch's default compute mode does; everything else takes the differences and their
 * norm, whose gradient is 0 at zero distance.
 */
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { norm } from './stats.js';
import { matmul } from './matmul.js';
import { checkOptions, keysOf, show } from '../args.js';

/**
 * How `cdist` computes p = 2 distances: through a matrix product (fast; PyTorch's default when
 * both sides have more than 25 rows) or directly (exact to the last bits). PyTorch's snake_case
 * names are accepted too.
 * @example cdist(a, b, 2, { computeMode: 'doNotUseMmForEuclidDist' })
 */
export type CdistComputeMode = 'useMmForEuclidDistIfNecessary' | 'useMmForEuclidDist' | 'doNotUseMmForEuclidDist';
const SNAKE: Record<string, CdistComputeMode> = {
  use_mm_for_euclid_dist_if_necessary: 'useMmForEuclidDistIfNecessary',
  use_mm_for_euclid_dist: 'useMmForEuclidDist',
  donot_use_mm_for_euclid_dist: 'doNotUseMmForEuclidDist',
};

/**
 * Options of `cdist`.
 * @example cdist(a, b, 2, { computeMode: 'useMmForEuclidDist' })
 */
export interface CdistOptions {
  computeMode?: CdistComputeMode;
}

/**
 * p-norm distances between each row of x1 ([.., P, M]) and each row of x2 ([.., R, M]): [.., P, R].
 *
 * PyTorch: `torch.cdist`.
 * @example cdist(points, centroids)   // [P, K] Euclidean distances
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2, options: CdistOptions = {}): Tensor {
  const op = 'cdist';
  if (!(x1 instanceof Tensor) || !(x2 instanceof Tensor)) throw new TypeError('cdist: x1 and x2 must be Tensors');
  if (x1.ndim < 2 || x2.ndim < 2) throw new RangeError(`cdist: x1 and x2 must have at least 2 dims [..., rows, features], got ${fmt(x1.shape)} and ${fmt(x2.shape)}`);
  const M = x1.shape[x1.ndim - 1];
  if (x2.shape[x2.ndim - 1] !== M) {
    throw new RangeError(`cdist: x1 ${fmt(x1.shape)} and x2 ${fmt(x2.shape)} must have the same number of features (last dim)`);
  }
  if (typeof p !== 'number' || !(p >= 0)) throw new RangeError(`cdist: p must be a non-negative number or Infinity, got ${show(p)}`);
  const raw = checkOptions(op, options, keysOf<CdistOptions>()('computeMode')).computeMode ?? 'useMmForEuclidDistIfNecessary';
  const mode = SNAKE[raw] ?? raw;
  if (!Object.values(SNAKE).includes(mode)) throw new RangeError(`cdist: unknown computeMode ${show(raw)}; valid: ${Object.values(SNAKE).join(', ')}`);
  const P = x1.shape[x1.ndim - 2], R = x2.shape[x2.ndim - 2];
  const mm = p === 2 && (mode === 'useMmForEuclidDist' || (mode === 'useMmForEuclidDistIfNecessary' && (P > 25 || R > 25)));
  if (mm) {
    const n1 = x1.square().sum(-1, true); // [..., P, 1]
    const n2 = x2.square().sum(-1).unsqueeze(-2); // [..., 1, R]
    const cross = matmul(x1, x2.transpose(-2, -1)); // [..., P, R]
    // clamped at 1e-30 as PyTorch: sqrt's slope at 0 is infinite, and 0 · inf in the backward pass is NaN
    return n1.add(n2).sub(cross.mul(2)).clamp(1e-30).sqrt();
  }
  // [..., P, 1, M] − [..., 1, R, M] → the norm over M
  try {
    return norm(x1.unsqueeze(-2).sub(x2.unsqueeze(-3)), p, -1);
  } catch (err) {
    throw new RangeError(`${op}: x1 ${fmt(x1.shape)} and x2 ${fmt(x2.shape)} have batch dims that do not broadcast (${(err as Error).message})`);
  }
}
