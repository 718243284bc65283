/**
 * Float64-lane helpers shared by the kernels that compute in float64 and round once to float32
 * (activations.ts, attention.ts): not exported from the module (v128 cannot cross to JS).
 */

const LOG2E: f64 = 1.4426950408889634;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^11 (Cody–Waite range reduction)
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const EXP_CLAMP: f64 = 708; // e^±708 stays a normal float64; every float32 result saturates before

// @ts-ignore: decorator
@inline export function splat(v: f64): v128 {
  return f64x2.splat(v);
}

// @ts-ignore: decorator
@inline export function mulAdd(acc: v128, a: v128, b: v128): v128 { // acc·a + b, two roundings (never fused)
  return f64x2.add(f64x2.mul(acc, a), b);
}

/**
 * e^x per f64 lane, relative error < 1e-13: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor
 * polynomial to degree 10, 2^n put straight into the exponent bits. x is clamped to ±708 first.
 */
// @ts-ignore: decorator
@inline export function expD(x0: v128): v128 {
  const x = f64x2.max(f64x2.min(x0, splat(EXP_CLAMP)), splat(-EXP_CLAMP));
  const n = f64x2.nearest(f64x2.mul(x, splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, splat(LN2_HI))), f64x2.mul(n, splat(LN2_LO)));
  let p = splat(1.0 / 3628800.0);
  p = mulAdd(p, r, splat(1.0 / 362880.0));
  p = mulAdd(p, r, splat(1.0 / 40320.0));
  p = mulAdd(p, r, splat(1.0 / 5040.0));
  p = mulAdd(p, r, splat(1.0 / 720.0));
  p = mulAdd(p, r, splat(1.0 / 120.0));
  p = mulAdd(p, r, splat(1.0 / 24.0));
  p = mulAdd(p, r, splat(1.0 / 6.0));
  p = mulAdd(p, r, splat(0.5));
  p = mulAdd(p, r, splat(1.0));
  p = mulAdd(p, r, splat(1.0));
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  return f64x2.mul(p, i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52));
}

