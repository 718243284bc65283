/**
 * scaledDotProductAttention (PyTorch's F.scaled_dot_product_attention) with its gradient: the
 * QKᵀ, softmax and ·V of every (batch, head) problem run inside one kernel call
 * (assembly/kernels/attention.ts), problems split across threads, no per-head JavaScript loop.
 */
import { Tensor, fromValues } from '../tensor.js';
import { record } from '../autograd.js';
import { K, i32 } from '../wasm.js';
import { alloc, free, withScratch } from '../memory.js';
import { runGemmParts, threadsFor } from '../threads.js';
import { broadcastShapes, broadcastStrides, fmt, sameShape, sizeOf } from '../shape.js';
import { sumTo } from './reduce.js';
import { bernoulliMask } from './random.js';
import { bindArgs, boolArg, keysOf } from '../args.js';

/** Nested arrays of booleans: a boolean mask (tensors hold float32 only). */
export type BoolMask = boolean[] | BoolMask[];

/**
 * Options of `F.scaledDotProductAttention`.
 *
 * PyTorch: `F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale)`.
 * @example scaledDotProductAttention(q, k, v, { isCausal: true })
 */
export interface ScaledDotProductAttentionOptions {
  /**
   * A Tensor is added to the scores q·kᵀ·scale before the softmax (PyTorch's float mask: 0 to
   * keep a key, −Infinity to hide it; any values work, e.g. a relative-position bias, and it gets
   * a gradient if it requires one). Nested boolean arrays are PyTorch's boolean mask: true =
   * take part in attention. Either must broadcast to [..., L, S].
   */
  attnMask?: Tensor | BoolMask | null;
  /** Dropout on the attention weights (applied whenever > 0, as PyTorch's functional form). */
  dropoutP?: number;
  /** Hide key j from query i when j > i (PyTorch: ones(L, S).tril()); not with attnMask. */
  isCausal?: boolean;
  /** Default 1/√E. */
  scale?: number | null;
}

const OP = 'scaledDotProductAttention';

/**
 * A boolean mask as an additive float mask: 0 where a key takes part, −Infinity where it is
 * hidden; `hide` says which boolean value hides (true for MultiheadAttention's masks, false for
 * scaledDotProductAttention's, as in PyTorch). Tensors pass through unchanged.
 */
export function additiveMask(mask: Tensor | BoolMask | null | undefined, hide: boolean, op: string, param: string): Tensor | null {
  if (mask === null || mask === undefined || mask instanceof Tensor) return mask ?? null;
  if (!Array.isArray(mask)) throw new TypeError(`${op}: ${param} must be a Tensor (added to the scores) or nested arrays of booleans, got ${typeof mask}`);
  const shape: number[] = [];
  for (let p: unknown = mask; Array.isArray(p); p = p[0]) shape.push(p.length);
  const values: number[] = [];
  const walk = (x: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      if (typeof x !== 'boolean') throw new TypeError(`${op}: ${param}${path} is ${typeof x}; a mask given as arrays must hold booleans`);
      values.push(x === hide ? -Infinity : 0);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d]) throw new RangeError(`${op}: ${param}${path} should be an array of length ${shape[d]} (ragged mask)`);
    x.forEach((v, i) => walk(v, d + 1, `${path}[${i}]`));
  };
  walk(mask, 0, '');
  return fromValues(values, shape, `${op} mask`, true);
}

interface Geometry { batch: number[]; B: number; L: number; S: number; E: number; Ev: number }

function geometry(q: Tensor, k: Tensor, v: Tensor, op: string): Geometry {
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor`);
    if (t.ndim < 2) throw new RangeError(`${op}: ${name} must have at least 2 dims [..., length, features], got ${fmt(t.shape)}`);
  }
  const batch = q.shape.slice(0, -2);
  const [L, E] = q.shape.slice(-2), [S, Ek] = k.shape.slice(-2), [Sv, Ev] = v.shape.slice(-2);
  if (!sameShape(k.shape.slice(0, -2), batch) || !sameShape(v.shape.slice(0, -2), batch) || Ek !== E || Sv !== S) {
    throw new RangeError(`${op}: query ${fmt(q.shape)}, key ${fmt(k.shape)} and value ${fmt(v.shape)} do not fit `
      + '[..., L, E], [..., S, E], [..., S, Ev] (the same leading dims, key and query of the same width, key and value of the same length)');
  }
  return { batch, B: sizeOf(batch), L, S, E, Ev };
}

/** Per-problem mask offsets (i32, in floats) and the row/column strides of the mask inside [..., L, S]. */
function maskLayout(mask: Tensor, g: Geometry, op: string): { offsets: Int32Array; row: number; col: number } {
  const target = [...g.batch, g.L, g.S];
  let fits = mask.ndim <= target.length;
  if (fits) {
    try {
      fits = sameShape(broadcastShapes(op, mask.shape, target), target);
    } catch {
      fits = false;
    }
  }
  if (!fits) throw new RangeError(`${op}: attnMask of shape ${fmt(mask.shape)} does not broadcast to the attention scores ${fmt(target)} ([..., L, S])`);
  const st = broadcastStrides(mask.shape, target);
  const nb = g.batch.length, offsets = new Int32Array(g.B);
  const idx = new Array<number>(nb).fill(0);
  for (let b = 0; b < g.B; b++) {
    let off = 0;
    for (let d = 0; d < nb; d++) off += idx[d] * st[d];
    offsets[b] = off;
    for (let d = nb - 1; d >= 0; d--) { if (++idx[d] < g.batch[d]) break; idx[d] = 0; }
  }
  return { offsets, row: st[nb], col: st[nb + 1] };
}

/** The B problems cut into one range per thread: [lo, hi) pairs. */
function problemRanges(B: number, flops: number): [number, number][] {
  const parts = Math.max(1, Math.min(threadsFor(flops), B));
  const per = Math.ceil(B / parts), out: [number, number][] = [];
  for (let lo = 0; lo < B; lo += per) out.push([lo, Math.min(B, lo + per)]);
  return out.length ? out : [[0, 0]];
}

export interface AttentionResult {
  output: Tensor;
  /** The attention weights (after dropout), [..., L, S], made on request; not part of the graph. */
  weights(): Tensor;
}

/** Attention and its weights; scaledDotProductAttention returns the output alone. */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions = {}, op = OP): AttentionResult {
  const g = geometry(q, k, v, op);
  const { dropoutP = 0, isCausal = false } = options ?? {};
  const attnMask = additiveMask(options?.attnMask, false, op, 'attnMask');
  const scale = options?.scale ?? 1 / Math.sqrt(g.E);
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${op}: dropoutP must be in [0, 1], got ${dropoutP}`);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new RangeError(`${op}: scale must be a finite number, got ${scale}`);
  if (attnMask && isCausal) throw new RangeError(`${op}: give either attnMask or isCausal, not both (as PyTorch)`);
  const layout = attnMask ? maskLayout(attnMask, g, op) : null;
  const { B, L, S, E, Ev } = g;
  const LS = L * S;
  const probs = Tensor._empty([...g.batch, L, S], `${op} weights`);
  const out = Tensor._empty([...g.batch, L, Ev], op);
  let drop: Tensor | null = null;
  if (dropoutP > 0) {
    drop = Tensor._empty(probs.shape, `${op} dropout mask`);
    bernoulliMask(drop, dropoutP);
  }
  const flops = 2 * B * LS * (E + Ev);
  const ranges = problemRanges(B, flops);
  const wsEach = drop ? Math.ceil((LS * 4) / 64) * 64 : 0;
  const offBytes = layout ? Math.max(4, 4 * B) : 0;
  const offPtr = layout ? alloc(offBytes) : 0;
  try {
    if (layout) i32().set(layout.offsets, offPtr >>> 2);
    withScratch(Math.max(64, wsEach * ranges.length), (ws) => {
      runGemmParts('attentionForward', flops, ranges.map(([lo, hi], i) => [
        q.ptr + 4 * lo * L * E, k.ptr + 4 * lo * S * E, v.ptr + 4 * lo * S * Ev,
        attnMask ? attnMask.ptr : 0, offPtr + 4 * lo, layout?.row ?? 0, layout?.col ?? 0,
        drop ? drop.ptr + 4 * lo * LS : 0, probs.ptr + 4 * lo * LS, out.ptr + 4 * lo * L * Ev, ws + i * wsEach,
        hi - lo, L, S, E, Ev, scale, isCausal ? 1 : 0,
      ]));
    });
  } finally {
    if (offPtr) free(offPtr, offBytes);
  }
  const weights = () => (drop ? probs.mul(drop) : probs);
  const inputs = attnMask ? [q, k, v, attnMask] : [q, k, v];
  const output = record(out, op, inputs, (gy) => {
    const dq = q.requiresGrad ? Tensor._like(q, `${op} backward`) : null;
    const dk = k.requiresGrad ? Tensor._like(k, `${op} backward`) : null;
    const dv = v.requiresGrad ? Tensor._like(v, `${op} backward`) : null;
    const dScores = Tensor._empty(probs.shape, `${op} backward`);
    withScratch(Math.max(64, wsEach * ranges.length), (ws) => {
      runGemmParts('attentionBackward', 2 * flops, ranges.map(([lo, hi], i) => [
        q.ptr + 4 * lo * L * E, k.ptr + 4 * lo * S * E, v.ptr + 4 * lo * S * Ev, probs.ptr + 4 * lo * LS,
        drop ? drop.ptr + 4 * lo * LS : 0, gy.ptr + 4 * lo * L * Ev,
        dq ? dq.ptr + 4 * lo * L * E : 0, dk ? dk.ptr + 4 * lo * S * E : 0, dv ? dv.ptr + 4 * lo * S * Ev : 0,
        dScores.ptr + 4 * lo * LS, ws + i * wsEach, hi - lo, L, S, E, Ev, scale,
      ]));
    });
    const dMask = attnMask?.requiresGrad ? sumTo(dScores, attnMask.shape) : null;
    return [dq, dk, dv, dMask];
  });
  return { output, weights };
}

/**
 * softmax(q·kᵀ·scale + attnMask)·v over the last two dims, batched over the leading ones:
 * query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev].
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
  ...rest: (Tensor | BoolMask | number | boolean | null | ScaledDotProductAttentionOptions | undefined)[]): Tensor {
  // PyTorch's (query, key, value, attnMask?, dropoutP?, isCausal?, scale?), positionally or by name
  const options = bindArgs(OP, rest, keysOf<ScaledDotProductAttentionOptions>()('attnMask', 'dropoutP', 'isCausal', 'scale'));
  if (options.isCausal !== undefined) boolArg(OP, 'isCausal', options.isCausal);
  return attention(query, key, value, options as ScaledDotProductAttentionOptions).output;
}
