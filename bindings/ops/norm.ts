/**
 * layerNorm over the trailing `normalizedShape` dims, with its gradient: one kernel sweep per
 * row forward and backward (assembly/kernels/norm.ts), rows split across threads; the weight and
 * bias gradients are split by columns instead, which keeps their sums in row order (same bits on
 * any thread count).
 */
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { K } from '../wasm.js';
import { splitItems, threadsFor } from '../threads.js';
import { fmt, sizeOf } from '../shape.js';
import { show } from '../args.js';

const OP = 'layerNorm';
// a forward or backward sweep costs ~10 float operations per element
const WORK_PER_ELEMENT = 10;

/** The normalised size n and the number of rows, after checking the trailing dims. */
function rowsOf(x: Tensor, normalizedShape: number | readonly number[]): [number, number, number[]] {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? normalizedShape.slice() : null;
  if (!ns || ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`${OP}: normalizedShape must be a positive integer or a non-empty list of them, got ${show(normalizedShape)}`);
  }
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.some((d, i) => d !== ns[i])) {
    throw new RangeError(`${OP}: input ${fmt(x.shape)} does not end in normalizedShape ${fmt(ns)}`);
  }
  const n = sizeOf(ns);
  return [n, x.size / n, ns];
}

/**
 * Normalises over the last dims given by normalizedShape (mean 0, variance 1 with eps), then
 * scales by weight and shifts by bias when given.
 *
 * PyTorch: `F.layer_norm`.
 * @example layerNorm(x, 64, gamma, beta)
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null,
  bias?: Tensor | null, eps = 1e-5): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${OP}: input must be a Tensor`);
  const [n, rows, ns] = rowsOf(x, normalizedShape);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== undefined && t !== null && !(t instanceof Tensor)) {
      throw new TypeError(`${OP}: ${name} must be a Tensor or null, got ${show(t)} (the signature is layerNorm(input, normalizedShape, weight, bias, eps))`);
    }
    if (t && (t.ndim !== ns.length || t.shape.some((d, i) => d !== ns[i]))) {
      throw new RangeError(`${OP}: ${name} must have the normalized shape ${fmt(ns)}, got ${fmt(t.shape)}`);
    }
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${OP}: eps must be a non-negative number, got ${show(eps)}`);
  const out = Tensor._like(x, OP);
  const mean = Tensor._empty([rows], 'layerNorm mean'), rstd = Tensor._empty([rows], 'layerNorm rstd');
  const w = weight ? weight.ptr : 0, b = bias ? bias.ptr : 0;
  const work = WORK_PER_ELEMENT * x.size, rb = 4 * n;
  splitItems('layerNormForward', rows, work, 1, (lo, hi) => [x.ptr + lo * rb, w, b, out.ptr + lo * rb,
    mean.ptr + 4 * lo, rstd.ptr + 4 * lo, hi - lo, n, eps]);
  const inputs = [x];
  if (weight) inputs.push(weight);
  if (bias) inputs.push(bias);
  return record(out, OP, inputs, (gy) => {
    const needW = !!weight?.requiresGrad, needB = !!bias?.requiresGrad;
    const dx = x.requiresGrad ? Tensor._like(x, 'layerNorm backward') : null;
    const dw = needW ? Tensor._empty(weight!.shape, 'layerNorm backward') : null;
    const db = needB ? Tensor._empty(bias!.shape, 'layerNorm backward') : null;
    const dxp = dx ? dx.ptr : 0, dwp = dw ? dw.ptr : 0, dbp = db ? db.ptr : 0;
    if (threadsFor(work) > 1) {
      if (dx) {
        splitItems('layerNormBackward', rows, work, 1, (lo, hi) => [gy.ptr + lo * rb, x.ptr + lo * rb, w,
          mean.ptr + 4 * lo, rstd.ptr + 4 * lo, dxp + lo * rb, 0, 0, hi - lo, n]);
      }
      if (dw || db) {
        splitItems('layerNormParamGrads', n, work, 4, (lo, hi) => [gy.ptr + 4 * lo, x.ptr + 4 * lo, mean.ptr, rstd.ptr,
          dw ? dwp + 4 * lo : 0, db ? dbp + 4 * lo : 0, rows, hi - lo, n]);
      }
    } else {
      if (dw) K().fill(dwp, n, 0);
      if (db) K().fill(dbp, n, 0);
      K().layerNormBackward(gy.ptr, x.ptr, w, mean.ptr, rstd.ptr, dxp, dwp, dbp, rows, n);
    }
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(dw);
    if (bias) grads.push(db);
    return grads;
  });
}
