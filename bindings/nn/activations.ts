/** Activation modules over the one-pass kernels of ops/activations.ts. */
import { Tensor } from '../tensor.js';
import { gelu, type GeluOptions } from '../ops/activations.js';
import { Module } from './module.js';

/** GELU(x) = x·Φ(x); `new GELU({ approximate: 'tanh' })` for the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: GeluOptions = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(options.approximate)}`);
    }
  }
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** SiLU (swish): x·σ(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return x.silu(); }
}
