/**
 * The one seeded generator: xoshiro128** (32-bit state words, so every runtime computes the same
 * numbers), seeded through splitmix32. Uniform floats use the top 24 bits; normals use
 * Box–Muller with AssemblyScript's own Mathf (compiled into the module, so identical everywhere).
 */

let s0: u32 = 0x9e3779b9, s1: u32 = 0x243f6a88, s2: u32 = 0xb7e15162, s3: u32 = 0x7f4a7c15;
let spareNormal: f32 = 0;
let hasSpare: bool = false;

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

function splitmix(state: u32): u32 {
  let z = state + 0x9e3779b9;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

export function rngSeed(lo: u32, hi: u32): void {
  s0 = splitmix(lo);
  s1 = splitmix(s0 ^ hi);
  s2 = splitmix(s1 + 0x6a09e667);
  s3 = splitmix(s2 ^ 0xbb67ae85);
  if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
  hasSpare = false;
}

export function rngNextU32(): u32 {
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

/** A float in [0, 1) with 24 random bits. */
@inline function nextUnit(): f32 {
  return <f32>(rngNextU32() >>> 8) * (1.0 / 16777216.0);
}

export function rngUniform(y: usize, n: i32, lo: f32, hi: f32): void {
  const w = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), lo + w * nextUnit());
}

function nextNormal(): f32 {
  if (hasSpare) {
    hasSpare = false;
    return spareNormal;
  }
  const u1: f32 = 1.0 - nextUnit(); // (0, 1]: log stays finite
  const u2 = nextUnit();
  const r = Mathf.sqrt(-2.0 * Mathf.log(u1));
  const theta: f32 = 6.2831853071795864769 * u2;
  spareNormal = r * Mathf.sin(theta);
  hasSpare = true;
  return r * Mathf.cos(theta);
}

export function rngNormal(y: usize, n: i32, mean: f32, std: f32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), mean + std * nextNormal());
}

/** Dropout mask: y[i] = keepValue with probability 1 − p, else 0. */
export function rngBernoulliMask(y: usize, n: i32, p: f32, keepValue: f32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), nextUnit() < p ? 0.0 : keepValue);
}

/** Uniform integer in [0, bound) without modulo bias (Lemire's method, rejection on the low word). */
function nextBelow(bound: u32): u32 {
  let m = <u64>rngNextU32() * <u64>bound;
  let low = <u32>m;
  if (low < bound) {
    const threshold: u32 = (<u32>0 - bound) % bound;
    while (low < threshold) {
      m = <u64>rngNextU32() * <u64>bound;
      low = <u32>m;
    }
  }
  return <u32>(m >>> 32);
}

/** idx = a uniformly random permutation of 0..n−1 (Fisher–Yates), i32. */
export function rngPermutation(idx: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(idx + (<usize>i << 2), i);
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>nextBelow(<u32>(i + 1));
    const a = idx + (<usize>i << 2);
    const b = idx + (<usize>j << 2);
    const t = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, t);
  }
}

/** Integers in [lo, hi) as f32 values. */
export function rngIntegers(y: usize, n: i32, lo: i32, hi: i32): void {
  const span = <u32>(hi - lo);
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), <f32>(lo + <i32>nextBelow(span)));
}

/** The generator's state (4 state words, the spare normal and its flag: RNG_STATE_BYTES in assembly/abi.ts) for checkpoints. */
export function rngGetState(out: usize): void {
  store<u32>(out, s0);
  store<u32>(out + 4, s1);
  store<u32>(out + 8, s2);
  store<u32>(out + 12, s3);
  store<f32>(out + 16, spareNormal);
  store<u32>(out + 20, hasSpare ? 1 : 0);
}

export function rngSetState(src: usize): void {
  s0 = load<u32>(src);
  s1 = load<u32>(src + 4);
  s2 = load<u32>(src + 8);
  s3 = load<u32>(src + 12);
  spareNormal = load<f32>(src + 16);
  hasSpare = load<u32>(src + 20) != 0;
}
