/**
 * embedding (PyTorch's F.embedding): rows of a weight table picked by integer indices of any
 * shape, with paddingIdx, maxNorm and scaleGradByFreq. Kernels: gatherRows / scatterAddRows
 * (assembly/kernels/movement.ts).
 */
import { Tensor } from '../tensor.js';
import { record, noGrad } from '../autograd.js';
import { K, f32 } from '../wasm.js';
import { fmt } from '../shape.js';
import { withIndices } from './movement.js';
import { bindArgs, boolArg, keysOf, numberArg, show, unsupported } from '../args.js';

/**
 * Options of `F.embedding`.
 *
 * PyTorch: `F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)`.
 * @example embedding(ids, table, { paddingIdx: 0 })
 */
export interface EmbeddingOptions {
  /** This row's gradient is always zero (a padding token's embedding stays as it is). */
  paddingIdx?: number | null;
  /** Rows looked up are first renormalised in place to this norm when above it. */
  maxNorm?: number | null;
  /** The p of maxNorm's norm; default 2. */
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the input. */
  scaleGradByFreq?: boolean;
}

const OP = 'embedding';
export const EMBEDDING_ARGS = keysOf<EmbeddingOptions>()('paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq');

/** The indices as int32 (checked to be whole numbers), and the shape they come in. */
function indicesOf(input: Tensor | ArrayLike<number>): { idx: Int32Array; shape: number[] } {
  const values = input instanceof Tensor ? input._read() : input;
  if (!(input instanceof Tensor) && (values === null || typeof values !== 'object' || typeof values.length !== 'number')) {
    throw new TypeError(`${OP}: input must be a Tensor of indices or an array of them`);
  }
  const idx = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new TypeError(`${OP}: index ${i} is ${v}, not an integer`);
    idx[i] = v;
  }
  return { idx, shape: input instanceof Tensor ? input.shape.slice() : [idx.length] };
}

/** Rescales, in place, the looked-up rows whose p-norm exceeds maxNorm (PyTorch's embedding_renorm_). */
function renorm(weight: Tensor, idx: Int32Array, maxNorm: number, p: number): void {
  const D = weight.shape[1], base = weight.ptr >>> 2, view = f32();
  for (const r of new Set(idx)) {
    if (r < 0 || r >= weight.shape[0]) continue; // reported by the lookup
    let norm = 0;
    for (let j = 0; j < D; j++) norm += Math.abs(view[base + r * D + j]) ** p;
    norm **= 1 / p;
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < D; j++) view[base + r * D + j] *= scale;
    }
  }
}

/**
 * PyTorch's embedding(input, weight, paddingIdx?, maxNorm?, normType=2, scaleGradByFreq=false),
 * positionally or with the options last.
 */
export function embedding(input: Tensor | ArrayLike<number>, weight: Tensor, ...rest: (number | boolean | null | EmbeddingOptions | undefined)[]): Tensor {
  const options = bindArgs(OP, rest, EMBEDDING_ARGS, ['sparse']) as EmbeddingOptions & { sparse?: boolean };
  unsupported(OP, 'sparse', options.sparse, false, 'gradients are dense');
  if (options.scaleGradByFreq !== undefined) boolArg(OP, 'scaleGradByFreq', options.scaleGradByFreq);
  if (options.normType !== undefined) numberArg(OP, 'normType', options.normType);
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new RangeError(`${OP}: weight must be a 2-D Tensor [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? fmt(weight.shape) : typeof weight}`);
  }
  const [rows, D] = weight.shape;
  let pad = options.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -rows || pad >= rows) throw new RangeError(`${OP}: paddingIdx must be an integer within the ${rows} embeddings, got ${show(pad)}`);
    if (pad < 0) pad += rows;
  }
  const { idx, shape } = indicesOf(input);
  if (options.maxNorm !== undefined && options.maxNorm !== null) {
    const p = options.normType ?? 2;
    if (!(options.maxNorm > 0) || !(p > 0)) throw new RangeError(`${OP}: maxNorm and normType must be positive, got ${show(options.maxNorm)} and ${show(p)}`);
    noGrad(() => renorm(weight, idx, options.maxNorm!, p));
  }
  const n = idx.length;
  const out = Tensor._empty([...shape, D], OP);
  withIndices(idx, OP, (ptr) => {
    const bad = K().gatherRows(weight.ptr, ptr, out.ptr, n, D, rows);
    if (bad >= 0) throw new RangeError(`${OP}: index ${idx[bad]} at position ${bad} is out of range for ${rows} embeddings (weight ${fmt(weight.shape)})`);
  });
  return record(out, OP, [weight], (g) => {
    const dw = Tensor._like(weight, `${OP} backward`);
    K().fill(dw.ptr, dw.size, 0);
    withIndices(idx, OP, (ptr) => K().scatterAddRows(g.ptr, ptr, dw.ptr, n, D));
    const view = f32(), base = dw.ptr >>> 2;
    if (options.scaleGradByFreq) {
      const count = new Map<number, number>();
      for (const r of idx) count.set(r, (count.get(r) ?? 0) + 1);
      for (const [r, c] of count) for (let j = 0; j < D; j++) view[base + r * D + j] /= c;
    }
    if (pad !== null) view.fill(0, base + pad * D, base + (pad + 1) * D);
    return [dw];
  });
}
