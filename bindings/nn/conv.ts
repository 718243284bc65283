/** ConvTranspose2d: PyTorch's layout, defaults, initialisation and output_size argument. */
import { Tensor, zeros } from '../tensor.js';
import { fmt } from '../shape.js';
import { convTranspose2d, convTransposeSize, type ConvTranspose2dOptions } from '../ops/conv_transpose.js';
import { pair, type Pair } from '../ops/conv.js';
import { Module } from './module.js';
import { bindArgs, boolArg, intArg, unsupported } from '../args.js';
import { resetAffine } from './layers.js';

/**
 * Options of `nn.ConvTranspose2d`: those of `F.convTranspose2d` and bias.
 * @example new nn.ConvTranspose2d(64, 1, 4, { stride: 2, padding: 1 })
 */
export interface ConvTranspose2dLayerOptions extends ConvTranspose2dOptions {
  bias?: boolean;
}

/**
 * A 2-D transposed convolution ("deconvolution") layer with learned weight [in, out, kH, kW]
 * and bias, initialised as PyTorch's.
 *
 * PyTorch: `nn.ConvTranspose2d`.
 * @example new nn.ConvTranspose2d(128, 64, 4, 2, 1)   // doubles H and W
 */
export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];

  readonly inChannels: number;
  readonly outChannels: number;
  readonly options: ConvTranspose2dLayerOptions;

  /**
   * PyTorch's ConvTranspose2d(inChannels, outChannels, kernelSize, stride=1, padding=0,
   * outputPadding=0, groups=1, bias=true, dilation=1, paddingMode='zeros'), positionally or with
   * the rest by name: new ConvTranspose2d(16, 8, 4, 2, 1) or (16, 8, 4, { stride: 2, padding: 1 }).
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, ...rest: (Pair | boolean | string | ConvTranspose2dLayerOptions | undefined)[]);
  constructor(...args: unknown[]) {
    super();
    const op = 'ConvTranspose2d';
    const { inChannels, outChannels, kernelSize, paddingMode, ...options } = bindArgs(op, args,
      ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode']);
    this.inChannels = intArg(op, 'inChannels', inChannels, undefined, 1);
    this.outChannels = intArg(op, 'outChannels', outChannels, undefined, 1);
    if (kernelSize === undefined) throw new TypeError(`${op}: kernelSize is required`);
    this.kernelSize = pair(kernelSize, 1, op, 'kernelSize', 1);
    unsupported(op, 'paddingMode', paddingMode, 'zeros', 'only zero padding is implemented');
    unsupported(op, 'groups', options.groups, 1, 'grouped transposed convolution is not implemented');
    boolArg(op, 'bias', options.bias, true);
    for (const [name, min] of [['stride', 1], ['padding', 0], ['outputPadding', 0], ['dilation', 1]] as const) pair(options[name], min, op, name, min);
    this.options = options as ConvTranspose2dLayerOptions;
    const inChannels_ = this.inChannels, outChannels_ = this.outChannels;
    // weight [in, out, kH, kW]: fan in (PyTorch's, from dim 1) is out·kH·kW
    this.weight = this.registerParameter('weight', zeros([inChannels_, outChannels_, ...this.kernelSize]));
    this.bias = this.registerParameter('bias', options.bias === false ? null : zeros([outChannels_]));
    resetAffine(this.weight, this.bias);
  }

  /**
   * outputSize ([H, W], or [N, C, H, W]) picks the outputPadding that gives that size, as
   * PyTorch's forward(input, output_size) does (stride > 1 makes several sizes possible).
   */
  forward(x: Tensor, outputSize?: number[]): Tensor {
    const { stride, padding, dilation, outputPadding } = this.options;
    let op = outputPadding;
    if (outputSize !== undefined) op = this.outputPaddingFor(x, outputSize);
    return convTranspose2d(x, this.weight, this.bias, { stride, padding, dilation, outputPadding: op });
  }

  private outputPaddingFor(x: Tensor, outputSize: number[]): [number, number] {
    const size = outputSize.slice(-2);
    if (size.length !== 2 || (outputSize.length !== 2 && outputSize.length !== 4)) {
      throw new RangeError(`ConvTranspose2d: outputSize must be [H, W] or [N, C, H, W], got ${fmt(outputSize)}`);
    }
    if (x.ndim !== 4) throw new RangeError(`ConvTranspose2d: input must be 4-D [N, C, H, W], got ${fmt(x.shape)}`);
    const s = pair(this.options.stride, 1, 'ConvTranspose2d', 'stride', 1);
    const p = pair(this.options.padding, 0, 'ConvTranspose2d', 'padding', 0);
    const d = pair(this.options.dilation, 1, 'ConvTranspose2d', 'dilation', 1);
    return [0, 1].map((i) => {
      const least = convTransposeSize(x.shape[2 + i], this.kernelSize[i], s[i], p[i], d[i], 0);
      const extra = size[i] - least;
      if (!Number.isInteger(size[i]) || extra < 0 || extra >= Math.max(s[i], d[i])) {
        throw new RangeError(`ConvTranspose2d: requested output size ${fmt(size)} is not reachable from input ${fmt(x.shape)}: `
          + `dim ${i} can be ${least} to ${least + Math.max(s[i], d[i]) - 1}`);
      }
      return extra;
    }) as [number, number];
  }

  override extraRepr(): string {
    const { stride = 1, padding = 0, outputPadding = 0, dilation = 1 } = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${JSON.stringify(stride)}, `
      + `padding=${JSON.stringify(padding)}, outputPadding=${JSON.stringify(outputPadding)}, dilation=${JSON.stringify(dilation)}`;
  }
}
