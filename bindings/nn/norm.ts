/** LayerNorm: PyTorch's nn.LayerNorm (weight 1, bias 0; elementwiseAffine and bias options). */
import { Tensor, ones, zeros } from '../tensor.js';
import { fmt } from '../shape.js';
import { layerNorm } from '../ops/norm.js';
import { Module } from './module.js';
import { bindArgs, boolArg, numberArg, show } from '../args.js';

/**
 * Options of `nn.LayerNorm`.
 *
 * PyTorch: `nn.LayerNorm(normalized_shape, eps, elementwise_affine, bias)`.
 * @example new nn.LayerNorm(64, { eps: 1e-6 })
 */
export interface LayerNormOptions {
  eps?: number;
  /** Learn a per-element weight (and bias); default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the bias; default true. */
  bias?: boolean;
}

/**
 * Layer normalisation over the last dims (normalizedShape), with a learned per-element weight and bias.
 *
 * PyTorch: `nn.LayerNorm`.
 * @example new nn.LayerNorm(64)
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  /** PyTorch's LayerNorm(normalizedShape, eps=1e-5, elementwiseAffine=true, bias=true), positionally or by name. */
  constructor(normalizedShape: number | number[], ...rest: (number | boolean | LayerNormOptions | undefined)[]);
  constructor(...args: unknown[]) {
    super();
    const { normalizedShape, ...options } = bindArgs('LayerNorm', args, ['normalizedShape', 'eps', 'elementwiseAffine', 'bias']) as unknown as LayerNormOptions & { normalizedShape: number | number[] };
    if (normalizedShape === undefined) throw new TypeError('LayerNorm: normalizedShape is required');
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? normalizedShape.slice() : [NaN];
    if (this.normalizedShape.length === 0 || !this.normalizedShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${show(normalizedShape)}`);
    }
    this.eps = numberArg('LayerNorm', 'eps', options.eps, 1e-5, 0);
    const affine = boolArg('LayerNorm', 'elementwiseAffine', options.elementwiseAffine, true);
    boolArg('LayerNorm', 'bias', options.bias, true);
    this.weight = this.registerParameter('weight', affine ? ones(this.normalizedShape) : null);
    this.bias = this.registerParameter('bias', affine && options.bias !== false ? zeros(this.normalizedShape) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
