/** Upsample, AdaptiveAvgPool2d, Dropout2d and Embedding: PyTorch's modules over the ops. */
import { Tensor } from '../tensor.js';
import { f32 } from '../wasm.js';
import { randn, dropout2d } from '../ops/random.js';
import { fmt } from '../shape.js';
import { interpolate, adaptiveAvgPool2d, INTERPOLATE_ARGS, type InterpolateOptions } from '../ops/resample.js';
import { embedding, type EmbeddingOptions } from '../ops/embedding.js';
import { Module } from './module.js';
import { bindArgs, boolArg, intArg, numberArg, oneOf, show, unsupported } from '../args.js';

/**
 * F.interpolate as a module, PyTorch's Upsample(size?, scaleFactor?, mode='nearest',
 * alignCorners?, recomputeScaleFactor?): new Upsample({ scaleFactor: 2, mode: 'bilinear' }) or
 * new Upsample(null, 2, 'bilinear').
 */
export class Upsample extends Module {
  readonly options: InterpolateOptions;
  constructor(...args: (number | number[] | string | boolean | null | InterpolateOptions | undefined)[]) {
    super();
    const options = bindArgs('Upsample', args, INTERPOLATE_ARGS) as InterpolateOptions;
    for (const k of Object.keys(options) as (keyof InterpolateOptions)[]) if (options[k] === null) delete options[k];
    this.options = options;
    const positive = (v: unknown, integer: boolean) => typeof v === 'number' && v > 0 && Number.isFinite(v) && (!integer || Number.isInteger(v));
    for (const [k, integer] of [['size', true], ['scaleFactor', false]] as const) {
      const v = options[k];
      if (v !== undefined && !(positive(v, integer) || (Array.isArray(v) && v.length > 0 && v.every((e) => positive(e, integer))))) {
        throw new TypeError(`Upsample: ${k} must be a positive ${integer ? 'integer' : 'number'} or a list of them, got ${show(v)}`);
      }
    }
    oneOf('Upsample', 'mode', options.mode, ['nearest', 'nearest-exact', 'bilinear', 'area'], 'nearest');
    if (options.alignCorners !== undefined) boolArg('Upsample', 'alignCorners', options.alignCorners);
    if (options.recomputeScaleFactor !== undefined) boolArg('Upsample', 'recomputeScaleFactor', options.recomputeScaleFactor);
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new RangeError('Upsample: give exactly one of size and scaleFactor');
    }
  }
  forward(x: Tensor): Tensor { return interpolate(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}

/** Nearest-neighbour upsampling of [N, C, H, W] (PyTorch's UpsamplingNearest2d). */
export class UpsamplingNearest2d extends Upsample {
  /** PyTorch's UpsamplingNearest2d(size?, scaleFactor?). */
  constructor(...args: (number | number[] | null | { size?: number | number[]; scaleFactor?: number | number[] } | undefined)[]) {
    super({ ...bindArgs('UpsamplingNearest2d', args, ['size', 'scaleFactor']), mode: 'nearest' });
  }
}

/** Bilinear upsampling with alignCorners true (PyTorch's UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  /** PyTorch's UpsamplingBilinear2d(size?, scaleFactor?). */
  constructor(...args: (number | number[] | null | { size?: number | number[]; scaleFactor?: number | number[] } | undefined)[]) {
    super({ ...bindArgs('UpsamplingBilinear2d', args, ['size', 'scaleFactor']), mode: 'bilinear', alignCorners: true });
  }
}

/** Average pooling to a fixed output size (1: global average pooling). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | (number | null)[];
  /** PyTorch's AdaptiveAvgPool2d(outputSize): a size, or [H, W] with null keeping the input's. */
  constructor(outputSize: number | (number | null)[] | { outputSize: number | (number | null)[] });
  constructor(...args: unknown[]) {
    super();
    const { outputSize } = bindArgs('AdaptiveAvgPool2d', args, ['outputSize']);
    const ok = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1);
    if (!(typeof outputSize === 'number' ? ok(outputSize) : Array.isArray(outputSize) && outputSize.length === 2 && outputSize.every(ok))) {
      throw new TypeError(`AdaptiveAvgPool2d: outputSize must be a positive integer or [H, W] of them (null keeps the input's), got ${show(outputSize)}`);
    }
    this.outputSize = outputSize as number | (number | null)[];
  }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string { return `outputSize=${JSON.stringify(this.outputSize)}`; }
}

/** Zeroes whole channels with probability p in training mode. */
export class Dropout2d extends Module {
  readonly p: number;
  /** PyTorch's Dropout2d(p=0.5, inplace=false). */
  constructor(p?: number | { p?: number; inplace?: boolean }, inplace?: boolean);
  constructor(...args: unknown[]) {
    super();
    const a = bindArgs('Dropout2d', args, ['p', 'inplace']);
    unsupported('Dropout2d', 'inplace', a.inplace, false, 'layers return new tensors');
    this.p = numberArg('Dropout2d', 'p', a.p, 0.5, 0, 1);
  }
  forward(x: Tensor): Tensor { return dropout2d(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}`; }
}

/**
 * Options of `nn.Embedding`: those of `F.embedding` (sparse gradients are not supported).
 * @example new nn.Embedding(1000, 64, { paddingIdx: 0 })
 */
export interface EmbeddingLayerOptions extends EmbeddingOptions {
  /** Not supported (an error says so): gradients are dense. */
  sparse?: boolean;
}

/** A lookup table [numEmbeddings, embeddingDim], N(0, 1) initialised; the paddingIdx row starts at 0. */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly options: EmbeddingLayerOptions;

  /**
   * PyTorch's Embedding(numEmbeddings, embeddingDim, paddingIdx?, maxNorm?, normType=2,
   * scaleGradByFreq=false, sparse=false, weight?), positionally or with the rest by name.
   */
  constructor(numEmbeddings: number, embeddingDim: number, ...rest: (number | boolean | null | Tensor | (EmbeddingLayerOptions & { weight?: Tensor }) | undefined)[]);
  constructor(...args: unknown[]) {
    super();
    const { numEmbeddings: ne, embeddingDim: ed, weight: w, ...opts } = bindArgs('Embedding', args,
      ['numEmbeddings', 'embeddingDim', 'paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse', 'weight']);
    const weight = w === undefined || w === null ? undefined : w as Tensor;
    if (weight !== undefined && !(weight instanceof Tensor)) throw new TypeError(`Embedding: weight must be a Tensor, got ${show(w)}`);
    for (const k of Object.keys(opts)) if (opts[k] === undefined) delete opts[k];
    const options = opts as EmbeddingLayerOptions;
    const numEmbeddings = this.numEmbeddings = intArg('Embedding', 'numEmbeddings', ne, undefined, 1);
    const embeddingDim = this.embeddingDim = intArg('Embedding', 'embeddingDim', ed, undefined, 1);
    this.options = options;
    if (options.sparse) throw new RangeError('Embedding: sparse gradients are not supported (sparse: true)');
    if (options.maxNorm !== undefined && options.maxNorm !== null) numberArg('Embedding', 'maxNorm', options.maxNorm, undefined, Number.MIN_VALUE);
    if (options.normType !== undefined) numberArg('Embedding', 'normType', options.normType, undefined, Number.MIN_VALUE);
    if (options.scaleGradByFreq !== undefined) boolArg('Embedding', 'scaleGradByFreq', options.scaleGradByFreq);
    const pad = options.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx must be an integer within the ${numEmbeddings} embeddings, got ${pad}`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    if (weight && (weight.ndim !== 2 || weight.shape[0] !== numEmbeddings || weight.shape[1] !== embeddingDim)) {
      throw new RangeError(`Embedding: weight must be [${numEmbeddings}, ${embeddingDim}], got ${fmt(weight.shape)}`);
    }
    this.weight = this.registerParameter('weight', weight ?? randn([numEmbeddings, embeddingDim]));
    if (!weight && this.paddingIdx !== null) {
      const row = (this.weight.ptr >>> 2) + this.paddingIdx * embeddingDim;
      f32().fill(0, row, row + embeddingDim);
    }
  }

  /** An Embedding holding a copy of `embeddings` [num, dim]; frozen (no gradient) unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: EmbeddingLayerOptions & { freeze?: boolean } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) throw new RangeError('Embedding.fromPretrained: embeddings must be a 2-D Tensor');
    const { freeze = true, ...rest } = options;
    const m = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...rest, weight: embeddings.clone().detach().keep() });
    m.weight.requiresGrad = !freeze;
    return m;
  }

  forward(input: Tensor | ArrayLike<number>): Tensor {
    return embedding(input, this.weight, { ...this.options, paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
