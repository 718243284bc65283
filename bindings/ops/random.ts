/**
 * Random tensors and dropout, all drawn from the one seeded generator in wasm
 * (assembly/kernels/random.ts), so a seed gives the same numbers in Node and in browsers.
 */
import { Tensor, FactoryOptions, SizeArgs } from '../tensor.js';
import { record, isGradEnabled } from '../autograd.js';
import { K, i32 } from '../wasm.js';
import { withScratch } from '../memory.js';
import { splitItems } from '../threads.js';
import { binaryRaw } from './elementwise.js';
import { Bin } from './codes.js';
import { boolArg, checkDims, checkOptions, intArg, isPlainObject, keysOf, numberArg, show, sizeArgs, unsupported } from '../args.js';
import { RNG_STATE_BYTES } from '../abi.generated.js';

const RNG_STATE_WORDS = RNG_STATE_BYTES / 4;

/** Seeds the generator (any integer up to 2^53, or a 32-bit pair). */
export function manualSeed(seed: number): void {
  intArg('manualSeed', 'seed', seed, undefined, 0, Number.MAX_SAFE_INTEGER);
  K().rngSeed(seed >>> 0, Math.floor(seed / 4294967296) >>> 0);
}

function made(shape: number[], op: string, requiresGrad: boolean, fill: (ptr: number, n: number) => void): Tensor {
  const t = Tensor._empty(shape, op, false);
  fill(t.ptr, t.size);
  t.requiresGrad = requiresGrad;
  return t;
}

/**
 * Options of `rand`/`randLike`: the uniform distribution's bounds and the factory options.
 * @example rand([3], { low: -1, high: 1 })
 */
export interface RandOptions extends FactoryOptions {
  /** Bounds of the uniform distribution (default [0, 1)); PyTorch writes torch.empty(...).uniform_(low, high). */
  low?: number;
  high?: number;
}

/**
 * Options of `randn`/`randnLike`: the normal distribution's mean and std and the factory options.
 * @example randn([3], { mean: 0, std: 0.01 })
 */
export interface RandnOptions extends FactoryOptions {
  /** Default 0 and 1; PyTorch writes torch.normal(mean, std, size) or torch.empty(...).normal_(mean, std). */
  mean?: number;
  std?: number;
}

function uniformIn(op: string, shape: number[], options: RandOptions | undefined): Tensor {
  const o = checkOptions(op, options, keysOf<RandOptions>()('requiresGrad', 'low', 'high'));
  const lo = numberArg(op, 'low', o.low, 0), hi = numberArg(op, 'high', o.high, 1);
  if (lo > hi) throw new RangeError(`${op}: low (${lo}) must not exceed high (${hi})`);
  return made(shape, op, boolArg(op, 'requiresGrad', o.requiresGrad, false), (p, n) => K().rngUniform(p, n, lo, hi));
}

function normalIn(op: string, shape: number[], options: RandnOptions | undefined): Tensor {
  const o = checkOptions(op, options, keysOf<RandnOptions>()('requiresGrad', 'mean', 'std'));
  const mean = numberArg(op, 'mean', o.mean, 0), std = numberArg(op, 'std', o.std, 1, 0);
  return made(shape, op, boolArg(op, 'requiresGrad', o.requiresGrad, false), (p, n) => K().rngNormal(p, n, mean, std));
}

function likeShape(t: unknown, op: string): number[] {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(t)}`);
  return t.shape.slice();
}

/** Uniform on [low, high) (default [0, 1)): rand(2, 3), rand([2, 3], { requiresGrad: true }). */
export function rand(...args: SizeArgs<RandOptions>): Tensor {
  const { size, options } = sizeArgs('rand', args);
  return uniformIn('rand', size, options);
}

/** Normal with the given mean and std (default standard normal): randn(2, 3), randn([2, 3]). */
export function randn(...args: SizeArgs<RandnOptions>): Tensor {
  const { size, options } = sizeArgs('randn', args);
  return normalIn('randn', size, options);
}

/**
 * Uniform random numbers in [0, 1) (or [low, high)) with t's shape, from the seeded generator.
 *
 * PyTorch: `torch.rand_like`.
 * @example randLike(w)
 */
export const randLike = (t: Tensor, options?: RandOptions): Tensor => uniformIn('randLike', likeShape(t, 'randLike'), options);
/**
 * Standard normal random numbers (or mean/std) with t's shape, from the seeded generator.
 *
 * PyTorch: `torch.randn_like`.
 * @example randnLike(mu)
 */
export const randnLike = (t: Tensor, options?: RandnOptions): Tensor => normalIn('randnLike', likeShape(t, 'randnLike'), options);

/** Integers are exact in float32 up to 2^24. */
const INT_LIMIT = 2 ** 24;

/**
 * Integers in [low, high) as float32 values, as PyTorch's randint(high, size) and
 * randint(low, high, size); size is an array (a tuple in PyTorch).
 */
export function randint(low: number, high: number | readonly number[], size?: readonly number[]): Tensor;
export function randint(...args: unknown[]): Tensor {
  if (isPlainObject(args[args.length - 1])) checkOptions('randint', args.pop() as object, []);
  if (args.length === 2) args.unshift(0);
  if (args.length !== 3) throw new TypeError(`randint: expected (high, size) or (low, high, size), got ${args.length} arguments`);
  const [low, high, size] = args;
  const lo = intArg('randint', 'low', low, undefined, -INT_LIMIT, INT_LIMIT);
  const hi = intArg('randint', 'high', high, undefined, -INT_LIMIT, INT_LIMIT);
  if (hi <= lo) throw new RangeError(`randint: need low < high, got low ${lo} and high ${hi}`);
  if (!Array.isArray(size)) {
    throw new TypeError(`randint: size must be an array such as [3] (PyTorch's randint(low, high, size) takes a tuple), got ${show(size)}`);
  }
  return made(checkDims('randint', size), 'randint', false, (p, n) => K().rngIntegers(p, n, lo, hi));
}

/** A random permutation of 0..n−1 (for shuffling), as an Int32Array. */
export function randperm(n: number): Int32Array {
  intArg('randperm', 'n', n, undefined, 0, 2 ** 30);
  return withScratch(Math.max(n, 1) * 4, (ptr) => {
    K().rngPermutation(ptr, n);
    return i32().slice(ptr >>> 2, (ptr >>> 2) + n);
  });
}

/** The generator's state, to save in checkpoints. */
export function getRngState(): number[] {
  return withScratch(RNG_STATE_BYTES, (ptr) => {
    K().rngGetState(ptr);
    return Array.from(i32().slice(ptr >>> 2, (ptr >>> 2) + RNG_STATE_WORDS));
  });
}

/**
 * Restores the generator to a state saved by `getRngState()`, so the same random numbers follow.
 *
 * PyTorch: `torch.set_rng_state`.
 * @example const s = getRngState(); randn([2]); setRngState(s);
 */
export function setRngState(state: number[]): void {
  if (!Array.isArray(state) || state.length !== RNG_STATE_WORDS || !state.every((v) => Number.isInteger(v))) {
    throw new TypeError(`setRngState: expected the ${RNG_STATE_WORDS} integers from getRngState(), got ${show(state)}`);
  }
  withScratch(RNG_STATE_BYTES, (ptr) => {
    i32().set(state, ptr >>> 2);
    K().rngSetState(ptr);
  });
}

/**
 * Fills `mask` with 0 (probability p) or 1/(1−p): the dropout masks' one generator. Two words of
 * the seeded stream make a Philox-4×32-10 key for this mask; element i's bits then depend on that
 * key and i alone (counter-based), so the mask is split over threads and is the same for any
 * thread count, and a mask advances the seeded stream by two words whatever its size.
 */
export function bernoulliMask(mask: Tensor, p: number): void {
  const k = K();
  const k0 = k.rngNextU32(), k1 = k.rngNextU32();
  const keep = p === 1 ? 0 : 1 / (1 - p);
  splitItems('philoxBernoulliMask', mask.size, 16 * mask.size, 16, (lo, hi) => [mask.ptr, lo, hi, p, keep, k0, k1]);
}

/** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p). */
export function dropout(x: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`dropout: input must be a Tensor, got ${show(x)}`);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${show(p)}`);
  boolArg('dropout', 'training', training);
  unsupported('dropout', 'inplace', inplace, false, 'it returns a new tensor');
  if (!training || p === 0) return x;
  const mask = Tensor._empty(x.shape, 'dropout mask');
  bernoulliMask(mask, p);
  const out = Tensor._empty(x.shape, 'dropout');
  if (x.size > 0) binaryRaw(Bin.MUL, 'dropout', x, mask, out);
  if (!isGradEnabled()) return out;
  return record(out, 'dropout', [x], (g) => [g.mul(mask)]);
}

/**
 * Channel dropout (PyTorch's dropout2d): zeroes whole channels of [N, C, H, W] (or [C, H, W])
 * with probability p and scales the kept ones by 1/(1−p). The mask, one value per channel, comes
 * from the same seeded generator as dropout.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout2d: p must be in [0, 1], got ${show(p)}`);
  boolArg('dropout2d', 'training', training);
  unsupported('dropout2d', 'inplace', inplace, false, 'it returns a new tensor');
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new RangeError(`dropout2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`);
  }
  if (!training || p === 0) return x;
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  const mask = Tensor._empty(maskShape, 'dropout2d mask');
  bernoulliMask(mask, p);
  return x.mul(mask);
}
