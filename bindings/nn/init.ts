/**
 * Initialisers with PyTorch's formulas (torch.nn.init): calculateGain, fans with the conv
 * receptive field, Xavier/Glorot and Kaiming/He in uniform and normal form. They draw from the
 * engine's seeded generator and overwrite the tensor in place, so a seed fixes a model's
 * initial weights and the tensors a model and optimiser hold stay the same objects.
 */
import { Tensor } from '../tensor.js';
import { rand, randn } from '../ops/random.js';
import { fmt } from '../shape.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

/** The recommended gain for a nonlinearity (param: leakyRelu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** [fanIn, fanOut]: dims 1 and 0 times the receptive field (the product of the remaining dims). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out need a tensor with at least 2 dims, got shape ${fmt(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fill(t: Tensor, make: (shape: number[]) => Tensor): Tensor {
  const src = make(t.shape.slice());
  t.copy_(src);
  src.dispose();
  return t;
}

export const uniform = (t: Tensor, a = 0, b = 1): Tensor => fill(t, (s) => rand(s, { low: a, high: b }));
export const normal = (t: Tensor, mean = 0, std = 1): Tensor => fill(t, (s) => randn(s, { mean, std }));
export const constant = (t: Tensor, value: number): Tensor => t.fill_(value);
export const zeros = (t: Tensor): Tensor => t.fill_(0);
export const ones = (t: Tensor): Tensor => t.fill_(1);

function xavierStd(t: Tensor, gain: number): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const a = Math.sqrt(3) * xavierStd(t, gain);
  return uniform(t, -a, a);
}

/** N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  return normal(t, 0, xavierStd(t, gain));
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (used when nonlinearity is leakyRelu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new RangeError(`init: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3 / fan); PyTorch's default nonlinearity is leakyRelu with a = 0. */
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound);
}

/** N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options));
}
