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

// Polynomials by Estrin's scheme (coefficients lowest power first): pairs c_i + c_{i+1}·x, then
// pairs of pairs with x², x⁴, x⁸. The dependency chain is ~log2(degree) multiply-adds deep instead
// of `degree` (Horner), which is what bounds these latency-heavy float64 kernels.

// @ts-ignore: decorator
@inline function lin(c0: f64, c1: f64, x: v128): v128 {
  return f64x2.add(splat(c0), f64x2.mul(splat(c1), x));
}

/** c0 + c1·x + ... + c7·x⁷, given x and x². */
// @ts-ignore: decorator
@inline export function poly8(x: v128, x2: v128, c0: f64, c1: f64, c2: f64, c3: f64, c4: f64, c5: f64, c6: f64, c7: f64): v128 {
  const x4 = f64x2.mul(x2, x2);
  const a = f64x2.add(lin(c0, c1, x), f64x2.mul(lin(c2, c3, x), x2));
  const b = f64x2.add(lin(c4, c5, x), f64x2.mul(lin(c6, c7, x), x2));
  return f64x2.add(a, f64x2.mul(b, x4));
}

/** c0 + ... + c11·x¹¹, given x and x². */
// @ts-ignore: decorator
@inline export function poly12(x: v128, x2: v128, c0: f64, c1: f64, c2: f64, c3: f64, c4: f64, c5: f64,
  c6: f64, c7: f64, c8: f64, c9: f64, c10: f64, c11: f64): v128 {
  const x4 = f64x2.mul(x2, x2), x8 = f64x2.mul(x4, x4);
  const a = f64x2.add(lin(c0, c1, x), f64x2.mul(lin(c2, c3, x), x2));
  const b = f64x2.add(lin(c4, c5, x), f64x2.mul(lin(c6, c7, x), x2));
  const c = f64x2.add(lin(c8, c9, x), f64x2.mul(lin(c10, c11, x), x2));
  return f64x2.add(f64x2.add(a, f64x2.mul(b, x4)), f64x2.mul(c, x8));
}

/**
 * e^x per f64 lane, relative error < 1e-13: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor
 * polynomial to degree 11, 2^n put straight into the exponent bits. x is clamped to ±708 first.
 */
// @ts-ignore: decorator
@inline export function expD(x0: v128): v128 {
  const x = f64x2.max(f64x2.min(x0, splat(EXP_CLAMP)), splat(-EXP_CLAMP));
  const n = f64x2.nearest(f64x2.mul(x, splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, splat(LN2_HI))), f64x2.mul(n, splat(LN2_LO)));
  const p = poly12(r, f64x2.mul(r, r), 1.0, 1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0,
    1.0 / 5040.0, 1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0);
  const ni = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  return f64x2.mul(p, i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52));
}

