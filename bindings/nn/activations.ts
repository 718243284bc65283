/** Activation modules over the one-pass kernels of ops/activations.ts. */
import { Tensor } from '../tensor.js';
import { gelu, type GeluOptions } from '../ops/activations.js';
import { Module } from './module.js';
import { bindArgs, oneOf, unsupported } from '../args.js';

/** GELU(x) = x·Φ(x); `new GELU('tanh')` or `new GELU({ approximate: 'tanh' })` for the tanh approximation. */
export class GELU extends Module {
  /** 'none' (exact) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';
  constructor(...args: ('none' | 'tanh' | GeluOptions | undefined)[]) {
    super();
    this.approximate = oneOf('GELU', 'approximate', bindArgs('GELU', args, ['approximate']).approximate, ['none', 'tanh'], 'none');
  }
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** SiLU (swish): x·σ(x). */
export class SiLU extends Module {
  /** PyTorch's SiLU(inplace=false). */
  constructor(...args: (boolean | { inplace?: boolean })[]) {
    super();
    unsupported('SiLU', 'inplace', bindArgs('SiLU', args, ['inplace']).inplace, false, 'layers return new tensors');
  }
  forward(x: Tensor): Tensor { return x.silu(); }
}
