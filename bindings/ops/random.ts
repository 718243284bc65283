/**
 * Random tensors and dropout, all drawn from the one seeded generator in wasm
 * (assembly/kernels/random.ts), so a seed gives the same numbers in Node and in browsers.
 */
import { Tensor, TensorOptions } from '../tensor.js';
import { record, isGradEnabled } from '../autograd.js';
import { K, i32 } from '../wasm.js';
import { withScratch } from '../memory.js';
import { checkShape } from '../shape.js';
import { RNG_STATE_BYTES } from '../abi.generated.js';

const RNG_STATE_WORDS = RNG_STATE_BYTES / 4;

/** Seeds the generator (any integer up to 2^53, or a 32-bit pair). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`manualSeed: seed must be a non-negative safe integer, got ${seed}`);
  }
  K().rngSeed(seed >>> 0, Math.floor(seed / 4294967296) >>> 0);
}

function made(shape: number[], op: string, fill: (ptr: number, n: number) => void, options?: TensorOptions): Tensor {
  const s = checkShape(shape, op);
  const t = Tensor._empty(s, op, false);
  fill(t.ptr, t.size);
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform on [low, high) (default [0, 1)). */
export function rand(shape: number[], options?: TensorOptions & { low?: number; high?: number }): Tensor {
  const lo = options?.low ?? 0, hi = options?.high ?? 1;
  return made(shape, 'rand', (p, n) => K().rngUniform(p, n, lo, hi), options);
}

/** Normal with the given mean and std (default standard normal). */
export function randn(shape: number[], options?: TensorOptions & { mean?: number; std?: number }): Tensor {
  const mean = options?.mean ?? 0, std = options?.std ?? 1;
  return made(shape, 'randn', (p, n) => K().rngNormal(p, n, mean, std), options);
}

/** Integers in [low, high) as float32 values. */
export function randint(low: number, high: number, shape: number[]): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: need integers low < high, got ${low}, ${high}`);
  }
  return made(shape, 'randint', (p, n) => K().rngIntegers(p, n, low, high));
}

/** A random permutation of 0..n−1 (for shuffling), as an Int32Array. */
export function randperm(n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
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

export function setRngState(state: number[]): void {
  if (!Array.isArray(state) || state.length !== RNG_STATE_WORDS) throw new TypeError(`setRngState: expected the ${RNG_STATE_WORDS} numbers from getRngState()`);
  withScratch(RNG_STATE_BYTES, (ptr) => {
    i32().set(state, ptr >>> 2);
    K().rngSetState(ptr);
  });
}

/** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const mask = Tensor._empty(x.shape, 'dropout mask');
  K().rngBernoulliMask(mask.ptr, mask.size, p, p === 1 ? 0 : 1 / (1 - p));
  const out = Tensor._empty(x.shape, 'dropout');
  K().binary(2, x.ptr, mask.ptr, out.ptr, 1, 1, 1, x.size, 0, 0, 0, 1, 0, 0, 0, 1);
  if (!isGradEnabled()) return out;
  return record(out, 'dropout', [x], (g) => [g.mul(mask)]);
}

/**
 * Channel dropout (PyTorch's dropout2d): zeroes whole channels of [N, C, H, W] (or [C, H, W])
 * with probability p and scales the kept ones by 1/(1−p). The mask, one value per channel, comes
 * from the same seeded generator as dropout.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout2d: p must be in [0, 1], got ${p}`);
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new RangeError(`dropout2d: input must be 4-D [N, C, H, W] or 3-D [C, H, W], got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`);
  }
  if (!training || p === 0) return x;
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  const mask = Tensor._empty(maskShape, 'dropout2d mask');
  K().rngBernoulliMask(mask.ptr, mask.size, p, p === 1 ? 0 : 1 / (1 - p));
  return x.mul(mask);
}
