/**
 * MultiheadAttention: PyTorch's nn.MultiheadAttention (parameters, initialisation, layouts and
 * masks), its heads batched through one scaledDotProductAttention call (ops/attention.ts).
 */
import { Tensor, zeros, fromValues } from '../tensor.js';
import { fmt, sameShape } from '../shape.js';
import { linear } from '../ops/matmul.js';
import { attention, additiveMask, type BoolMask } from '../ops/attention.js';
import { Module } from './module.js';
import { bindArgs, boolArg, intArg, keysOf, numberArg } from '../args.js';
import { Linear } from './layers.js';
import * as init from './init.js';

/**
 * Options of `nn.MultiheadAttention`.
 *
 * PyTorch: `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, ..., kdim, vdim, batch_first)`.
 * @example new nn.MultiheadAttention(64, 8, { batchFirst: true })
 */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode; default 0. */
  dropout?: number;
  /** Biases of the input and output projections; default true. */
  bias?: boolean;
  /** Width of the keys / values when it differs from embedDim (separate projection weights). */
  kdim?: number;
  vdim?: number;
  /** Inputs and outputs [N, L, E] instead of PyTorch's default [L, N, E]. */
  batchFirst?: boolean;
  /** Not supported (an error says so). */
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
}

/**
 * Options of `MultiheadAttention.forward(query, key, value, options)`.
 * @example mha.forward(x, x, x, { needWeights: false, isCausal: true })
 */
export interface MultiheadAttentionForwardOptions {
  /**
   * Shape [N, S]. A Tensor is added to every query's scores of that key (0 keep, −Infinity ignore);
   * booleans: true = ignore that key (PyTorch's key_padding_mask).
   */
  keyPaddingMask?: Tensor | BoolMask | null;
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: a Tensor is added to the scores; booleans: true = not allowed to attend. */
  attnMask?: Tensor | BoolMask | null;
  /** Average the returned weights over heads (default true) or return them per head. */
  averageAttnWeights?: boolean;
  /** Causal masking (query i sees keys j <= i) when no attnMask is given; with one, a hint only. */
  isCausal?: boolean;
}

const NAME = 'MultiheadAttention';
const FORWARD_ARGS = keysOf<MultiheadAttentionForwardOptions>()('keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights', 'isCausal');

/**
 * Multi-head attention with learned input and output projections; `forward` returns
 * [output, attention weights or null].
 *
 * PyTorch: `nn.MultiheadAttention`.
 * @example const [y, w] = new nn.MultiheadAttention(64, 8, { batchFirst: true }).forward(x, x, x);
 */
export class MultiheadAttention extends Module<[Tensor, Tensor | null]> {
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  /** [3·embedDim, embedDim] when key and value widths equal embedDim, else null. */
  readonly inProjWeight: Tensor | null;
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;

  readonly embedDim: number;
  readonly numHeads: number;

  /**
   * PyTorch's MultiheadAttention(embedDim, numHeads, dropout=0, bias=true, addBiasKv=false,
   * addZeroAttn=false, kdim=embedDim, vdim=embedDim, batchFirst=false), positionally or by name.
   */
  constructor(embedDim: number, numHeads: number, ...rest: (number | boolean | null | MultiheadAttentionOptions | undefined)[]);
  constructor(...args: unknown[]) {
    super();
    const { embedDim, numHeads, ...options } = bindArgs(NAME, args,
      ['embedDim', 'numHeads', 'dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst']) as unknown as MultiheadAttentionOptions & { embedDim: number; numHeads: number };
    this.embedDim = intArg(NAME, 'embedDim', embedDim, undefined, 1);
    this.numHeads = intArg(NAME, 'numHeads', numHeads, undefined, 1);
    for (const k of ['bias', 'addBiasKv', 'addZeroAttn', 'batchFirst'] as const) boolArg(NAME, k, options[k], k === 'bias');
    for (const k of ['kdim', 'vdim'] as const) if (options[k] !== undefined && options[k] !== null) intArg(NAME, k, options[k], undefined, 1);
    if (!Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1) {
      throw new RangeError(`${NAME}: embedDim and numHeads must be positive integers, got ${embedDim} and ${numHeads}`);
    }
    if (embedDim % numHeads !== 0) throw new RangeError(`${NAME}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    if (typeof options.dropout !== 'undefined') numberArg(NAME, 'dropout', options.dropout, 0, 0, 1);
    if (options.addBiasKv || options.addZeroAttn) throw new RangeError(`${NAME}: addBiasKv and addZeroAttn are not supported`);
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? this.embedDim;
    this.vdim = options.vdim ?? this.embedDim;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`${NAME}: dropout must be in [0, 1], got ${options.dropout}`);
    this.batchFirst = options.batchFirst ?? false;
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    const param = (name: string, shape: number[], on: boolean) => this.registerParameter(name, on ? zeros(shape) : null);
    this.inProjWeight = param('inProjWeight', [3 * embedDim, embedDim], packed);
    this.qProjWeight = param('qProjWeight', [embedDim, embedDim], !packed);
    this.kProjWeight = param('kProjWeight', [embedDim, this.kdim], !packed);
    this.vProjWeight = param('vProjWeight', [embedDim, this.vdim], !packed);
    this.inProjBias = param('inProjBias', [3 * embedDim], options.bias !== false);
    this.outProj = this.registerModule('outProj', new Linear(embedDim, embedDim, { bias: options.bias !== false }));
    // PyTorch's _reset_parameters: Xavier-uniform projections, zero biases (outProj's weight keeps Linear's init)
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) init.xavierUniform(w);
    this.inProjBias?.fill_(0);
    this.outProj.bias?.fill_(0);
  }

  /**
   * query [L, N, E] (or [N, L, E] with batchFirst, or unbatched [L, E]), key [S, N, kdim],
   * value [S, N, vdim] -> [output like query, weights [N, L, S] (per head: [N, H, L, S]) or null].
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key,
    ...rest: (Tensor | BoolMask | boolean | null | MultiheadAttentionForwardOptions | undefined)[]): [Tensor, Tensor | null] {
    // PyTorch's forward(query, key, value, keyPaddingMask, needWeights, attnMask, averageAttnWeights, isCausal)
    const options = bindArgs(NAME, rest, FORWARD_ARGS) as MultiheadAttentionForwardOptions;
    for (const k of ['needWeights', 'averageAttnWeights', 'isCausal'] as const) if (options[k] !== undefined) boolArg(NAME, k, options[k]);
    const E = this.embedDim;
    const unbatched = query.ndim === 2;
    const want = unbatched ? 2 : 3;
    for (const [name, t, width] of [['query', query, E], ['key', key, this.kdim], ['value', value, this.vdim]] as const) {
      if (!(t instanceof Tensor)) throw new TypeError(`${NAME}: ${name} must be a Tensor`);
      if (t.ndim !== want || t.shape[t.ndim - 1] !== width) {
        throw new RangeError(`${NAME}: ${name} must be ${unbatched ? '[length, ' : this.batchFirst ? '[N, length, ' : '[length, N, '}${width}], got ${fmt(t.shape)}`);
      }
    }
    // to [N, length, features]
    const toBatchFirst = (t: Tensor) => (unbatched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q = toBatchFirst(query), k = toBatchFirst(key), v = toBatchFirst(value);
    const [N, L] = q.shape, S = k.shape[1];
    if (v.shape[1] !== S || k.shape[0] !== N || v.shape[0] !== N) {
      throw new RangeError(`${NAME}: query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} disagree on the batch size or key length`);
    }
    const [qh, kh, vh] = this.project(q, k, v, query === key && key === value);
    const mask = this.mask(options, N, L, S);
    const training = this.training && this.dropout > 0;
    const r = attention(qh, kh, vh, {
      attnMask: mask, isCausal: mask === null && options.isCausal === true, dropoutP: training ? this.dropout : 0,
    }, NAME);
    let out = this.outProj.forward(r.output.transpose(1, 2).reshape([N, L, E]));
    out = unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (options.needWeights === false) return [out, null];
    let w = r.weights();
    if (options.averageAttnWeights !== false) w = w.mean(1);
    return [out, unbatched ? w.squeeze(0) : w];
  }

  /**
   * The input projections, split into heads [N, H, length, headDim]: self-attention with the
   * packed weight is one GEMM and one permute; otherwise one GEMM per input.
   */
  private project(q: Tensor, k: Tensor, v: Tensor, self: boolean): [Tensor, Tensor, Tensor] {
    const E = this.embedDim, H = this.numHeads, hd = this.headDim, b = this.inProjBias;
    const [N, L] = q.shape, S = k.shape[1];
    if (this.inProjWeight && self) {
      const qkv = linear(q, this.inProjWeight, b).reshape([N, L, 3, H, hd]).permute([2, 0, 3, 1, 4]);
      const one = (i: number) => qkv.slice(0, i, i + 1).reshape([N, H, L, hd]);
      return [one(0), one(1), one(2)];
    }
    const part = (t: Tensor | null, i: number) => (t ? t.slice(0, i * E, (i + 1) * E) : null);
    const wq = this.inProjWeight ? part(this.inProjWeight, 0)! : this.qProjWeight!;
    const wk = this.inProjWeight ? part(this.inProjWeight, 1)! : this.kProjWeight!;
    const wv = this.inProjWeight ? part(this.inProjWeight, 2)! : this.vProjWeight!;
    const heads = (t: Tensor, len: number) => t.reshape([N, len, H, hd]).transpose(1, 2);
    return [heads(linear(q, wq, part(b, 0)), L), heads(linear(k, wk, part(b, 1)), S), heads(linear(v, wv, part(b, 2)), S)];
  }

  /** attnMask and keyPaddingMask as one additive mask broadcasting to [N, H, L, S] (or null). */
  private mask(o: MultiheadAttentionForwardOptions, N: number, L: number, S: number): Tensor | null {
    const H = this.numHeads;
    let m = additiveMask(o.attnMask, true, NAME, 'attnMask');
    if (m) {
      if (sameShape(m.shape, [L, S])) m = m.reshape([1, 1, L, S]);
      else if (sameShape(m.shape, [N * H, L, S])) m = m.reshape([N, H, L, S]);
      else throw new RangeError(`${NAME}: attnMask must be [L, S] = ${fmt([L, S])} or [N·numHeads, L, S] = ${fmt([N * H, L, S])}, got ${fmt(m.shape)}`);
    }
    let kpm = additiveMask(o.keyPaddingMask, true, NAME, 'keyPaddingMask');
    if (kpm) {
      if (!sameShape(kpm.shape, [N, S]) && !(N === 1 && sameShape(kpm.shape, [S]))) {
        throw new RangeError(`${NAME}: keyPaddingMask must be [N, S] = ${fmt([N, S])}, got ${fmt(kpm.shape)}`);
      }
      kpm = kpm.reshape([N, 1, 1, S]);
      if (!m && o.isCausal) {
        // the causal mask written out, to add the padding mask to
        const causal = new Float32Array(L * S);
        for (let i = 0; i < L; i++) for (let j = i + 1; j < S; j++) causal[i * S + j] = -Infinity;
        m = fromValues(causal, [1, 1, L, S], 'causal mask', true);
      }
      m = m ? m.add(kpm) : kpm;
    }
    return m;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}`;
  }
}
