/** Upsample, AdaptiveAvgPool2d, Dropout2d and Embedding: PyTorch's modules over the ops. */
import { Tensor } from '../tensor.js';
import { f32 } from '../wasm.js';
import { randn, dropout2d } from '../ops/random.js';
import { fmt } from '../shape.js';
import { interpolate, adaptiveAvgPool2d, type InterpolateOptions } from '../ops/resample.js';
import { embedding, type EmbeddingOptions } from '../ops/embedding.js';
import { Module } from './module.js';

/** F.interpolate as a module: new Upsample({ scaleFactor: 2, mode: 'bilinear' }). */
export class Upsample extends Module {
  constructor(readonly options: InterpolateOptions) {
    super();
    if (!options || (options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new RangeError('Upsample: give exactly one of size and scaleFactor');
    }
  }
  forward(x: Tensor): Tensor { return interpolate(x, this.options); }
  override extraRepr(): string { return JSON.stringify(this.options); }
}

/** Nearest-neighbour upsampling of [N, C, H, W] (PyTorch's UpsamplingNearest2d). */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: number | number[]; scaleFactor?: number | number[] }) {
    super({ ...options, mode: 'nearest' });
  }
}

/** Bilinear upsampling with alignCorners true (PyTorch's UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: number | number[]; scaleFactor?: number | number[] }) {
    super({ ...options, mode: 'bilinear', alignCorners: true });
  }
}

/** Average pooling to a fixed output size (1: global average pooling). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | (number | null)[]) {
    super();
  }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string { return `outputSize=${JSON.stringify(this.outputSize)}`; }
}

/** Zeroes whole channels with probability p in training mode. */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout2d: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor { return dropout2d(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}`; }
}

export interface EmbeddingLayerOptions extends EmbeddingOptions {
  /** Not supported (an error says so): gradients are dense. */
  sparse?: boolean;
}

/** A lookup table [numEmbeddings, embeddingDim], N(0, 1) initialised; the paddingIdx row starts at 0. */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, readonly options: EmbeddingLayerOptions = {},
    weight?: Tensor) {
    super();
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 1 || !Number.isInteger(embeddingDim) || embeddingDim < 1) {
      throw new RangeError(`Embedding: numEmbeddings and embeddingDim must be positive integers, got ${numEmbeddings} and ${embeddingDim}`);
    }
    if (options.sparse) throw new RangeError('Embedding: sparse gradients are not supported (sparse: true)');
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
    const m = new Embedding(embeddings.shape[0], embeddings.shape[1], rest, embeddings.clone().detach().keep());
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
