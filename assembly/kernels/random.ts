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

// ---------------------------------------------------------------------------------------------
// Counter-based bits (Philox-4×32-10, Salmon et al. 2011, as JAX and PyTorch's CUDA backend use):
// element i's bits are a pure function of (key, i), so a mask can be split over threads in any way
// and comes out the same. The key is drawn from the generator above once per mask.
// ---------------------------------------------------------------------------------------------

const PHILOX_M0: u32 = 0xD2511F53, PHILOX_M1: u32 = 0xCD9E8D57;
const PHILOX_W0: u32 = 0x9E3779B9, PHILOX_W1: u32 = 0xBB67AE85;
let px0: u32 = 0, px1: u32 = 0, px2: u32 = 0, px3: u32 = 0;

/** Philox-4×32-10 of counter (c0, c1, c2, c3) under key (k0, k1) into px0..px3. */
function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let r = 0; r < 10; r++) {
    const p0 = <u64>PHILOX_M0 * <u64>c0, p1 = <u64>PHILOX_M1 * <u64>c2;
    const n0 = <u32>(p1 >>> 32) ^ c1 ^ k0, n2 = <u32>(p0 >>> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  px0 = c0; px1 = c1; px2 = c2; px3 = c3;
}

/** Writes Philox-4×32-10 of counter (c0..c3) under key (k0, k1) to out[0..3] (u32): for tests. */
export function philox4x32(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, out: usize): void {
  philox(c0, c1, c2, c3, k0, k1);
  store<u32>(out, px0); store<u32>(out, px1, 4); store<u32>(out, px2, 8); store<u32>(out, px3, 12);
}

/**
 * Dropout mask elements [lo, hi) of y: element i is 0 with probability p, else keepValue, from
 * word i % 4 of Philox(counter (i / 4, 0, 0, 0), key (k0, k1)); its top 24 bits make a float in
 * [0, 1) as nextUnit does. Overwrites; any split of [0, n) into parts gives the same mask.
 */
export function philoxBernoulliMask(y: usize, lo: i32, hi: i32, p: f32, keepValue: f32, k0: u32, k1: u32): void {
  // scalar up to a multiple of 16, then 16 elements (4 Philox blocks, one per lane) at a time,
  // then the scalar tail: the same integer arithmetic, so the same mask as all-scalar
  const vecStart = min(hi, (lo + 15) & ~15), vecEnd = max(vecStart, hi & ~15);
  maskScalar(y, lo, vecStart, p, keepValue, k0, k1);
  for (let i = vecStart; i < vecEnd; i += 16) maskVector16(y, i, p, keepValue, k0, k1);
  maskScalar(y, vecEnd, hi, p, keepValue, k0, k1);
}

function maskScalar(y: usize, lo: i32, hi: i32, p: f32, keepValue: f32, k0: u32, k1: u32): void {
  let i = lo;
  while (i < hi) {
    philox(<u32>(i >>> 2), 0, 0, 0, k0, k1);
    const end = min(hi, (i | 3) + 1);
    for (; i < end; i++) {
      const lane = i & 3;
      const u = lane == 0 ? px0 : lane == 1 ? px1 : lane == 2 ? px2 : px3;
      store<f32>(y + (<usize>i << 2), <f32>(u >>> 8) * (1.0 / 16777216.0) < p ? 0.0 : keepValue);
    }
  }
}

/** (high, low) 32-bit halves of the four u32 products a·b, lane by lane. */
// @ts-ignore: decorator
@inline function mulHi(a: v128, b: v128): v128 {
  const lo2 = i64x2.extmul_low_i32x4_u(a, b), hi2 = i64x2.extmul_high_i32x4_u(a, b);
  return v128.shuffle<i32>(lo2, hi2, 1, 3, 5, 7);
}

/** Mask elements [i, i+16), i a multiple of 16: Philox blocks i/4 .. i/4+3 side by side in the lanes. */
function maskVector16(y: usize, i: i32, p: f32, keepValue: f32, k0: u32, k1: u32): void {
  const b = <u32>(i >>> 2);
  let c0 = i32x4(b, b + 1, b + 2, b + 3), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  const m0 = i32x4.splat(PHILOX_M0), m1 = i32x4.splat(PHILOX_M1);
  for (let r = 0; r < 10; r++) {
    const hi0 = mulHi(m0, c0), lo0 = i32x4.mul(m0, c0);
    const hi1 = mulHi(m1, c2), lo1 = i32x4.mul(m1, c2);
    const n0 = v128.xor(v128.xor(hi1, c1), i32x4.splat(k0));
    const n2 = v128.xor(v128.xor(hi0, c3), i32x4.splat(k1));
    c1 = lo1;
    c3 = lo0;
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  // lane j of c0..c3 is block j's words 0..3; element 4j + w is word w of block j: a 4×4 transpose
  const t0 = v128.shuffle<i32>(c0, c1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(c0, c1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c2, c3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(c2, c3, 2, 6, 3, 7);
  const pv = f32x4.splat(p), keep = f32x4.splat(keepValue), scale = f32x4.splat(1.0 / 16777216.0);
  const out = y + (<usize>i << 2);
  v128.store(out, maskWords(v128.shuffle<i32>(t0, t2, 0, 1, 4, 5), pv, keep, scale));
  v128.store(out, maskWords(v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), pv, keep, scale), 16);
  v128.store(out, maskWords(v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), pv, keep, scale), 32);
  v128.store(out, maskWords(v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), pv, keep, scale), 48);
}

/** u >>> 8 as a float in [0, 1) (exact: 24 bits), then 0 where it is below p, else keepValue. */
// @ts-ignore: decorator
@inline function maskWords(u: v128, pv: v128, keep: v128, scale: v128): v128 {
  const unit = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(u, 8)), scale);
  return v128.andnot(keep, f32x4.lt(unit, pv));
}
