/**
 * The smooth activations that need exp or erf: erf itself, GELU (exact, and PyTorch's 'tanh'
 * approximation) and SiLU, forward and backward, each one pass over memory.
 *
 * Layout: f32, contiguous, n elements; `y` / `dx` are overwritten. The backward kernels read the
 * forward input x (never y) and multiply by dy inside, so a gradient costs one pass as well.
 *
 * Precision: every lane is computed in float64 (two f64x2 halves of each f32x4) from the float32
 * input and rounded to float32 once at the end. The polynomials (scripts/fit_erf.py) and exp are
 * accurate to ~1e-11 relative, so results are the float64 function correctly rounded in all but
 * the rarest ties: well inside float32's half-ulp, and more accurate than PyTorch's float32 GELU,
 * whose 1 + erf(x/√2) cancels for negative x (here Φ(x) comes from erfc for x/√2 ≤ −1).
 *
 * Determinism: the tail (n % 4 elements) runs the same vector code on a zero-padded vector, so a
 * value never depends on its position; any split into runs gives the same bits. No fused
 * multiply-add is used, so the relaxed builds compute the same bits too.
 */

import { splat, expD, poly8, poly12 } from "./f64lanes";
import { Act } from "../abi";

const ERF = Act.ERF, GELU = Act.GELU, GELU_TANH = Act.GELU_TANH, SILU = Act.SILU;

// ---- float64 lanes: erf ----------------------------------------------------------------------

// erf(x) = x·P(x²) on |x| < 1 (scripts/fit_erf.py; relative error 3.4e-11)
const ERF_P0: f64 = 1.128379167057099;
const ERF_P1: f64 = -0.37612638425959005;
const ERF_P2: f64 = 0.11283781839119086;
const ERF_P3: f64 = -0.026865392125687337;
const ERF_P4: f64 = 0.0052209232189044524;
const ERF_P5: f64 = -0.0008482507777005932;
const ERF_P6: f64 = 0.00011254641007900357;
const ERF_P7: f64 = -9.634991884499566e-06;
// erfc(a) = e^(−a²)·R(1/(1 + a/2)) on a ≥ 1 (fitted on [1, 10]; relative error 5.2e-12)
const ERFC_R0: f64 = -2.726925375053259e-07;
const ERFC_R1: f64 = 0.2821052772661905;
const ERFC_R2: f64 = 0.2819135744044189;
const ERFC_R3: f64 = 0.24869332220110354;
const ERFC_R4: f64 = 0.16368718073214925;
const ERFC_R5: f64 = 0.14324620096570975;
const ERFC_R6: f64 = -0.20336984828019025;
const ERFC_R7: f64 = 0.41450686511435286;
const ERFC_R8: f64 = -0.8224559793539655;
const ERFC_R9: f64 = 0.7976877049221004;
const ERFC_R10: f64 = -0.3792335795397375;
const ERFC_R11: f64 = 0.07323253980684605;

/** erf(z) for |z| < 1 (z² given). */
// @ts-ignore: decorator
@inline function erfSmall(z: v128, s: v128): v128 {
  const p = poly8(s, f64x2.mul(s, s), ERF_P0, ERF_P1, ERF_P2, ERF_P3, ERF_P4, ERF_P5, ERF_P6, ERF_P7);
  return f64x2.mul(z, p);
}

/** erfc(a) for a = |z| ≥ 1, given e = e^(−a²); never negative (R is fitted, e can be 0). */
// @ts-ignore: decorator
@inline function erfcLarge(a: v128, e: v128): v128 {
  const t = f64x2.div(splat(1.0), f64x2.add(splat(1.0), f64x2.mul(a, splat(0.5))));
  const r = poly12(t, f64x2.mul(t, t), ERFC_R0, ERFC_R1, ERFC_R2, ERFC_R3, ERFC_R4, ERFC_R5, ERFC_R6,
    ERFC_R7, ERFC_R8, ERFC_R9, ERFC_R10, ERFC_R11);
  return f64x2.max(f64x2.mul(e, r), splat(0.0));
}

// Each lane's value comes from one branch, chosen by |z| < 1; a branch no lane needs is skipped
// (the lanes' values are the same either way, so results never depend on their neighbours).

/** erf(z), given z²; e^(−z²) is computed only when a lane needs it. */
// @ts-ignore: decorator
@inline function erfD(z: v128, s: v128): v128 {
  const small = f64x2.lt(f64x2.abs(z), splat(1.0));
  if (i64x2.all_true(small)) return erfSmall(z, s);
  const big = f64x2.sub(splat(1.0), erfcLarge(f64x2.abs(z), expD(f64x2.neg(s))));
  // |erf| from the erfc branch takes z's sign (bitwise: the sign bit of z OR'd in)
  const signed = v128.or(big, v128.and(z, splat(-0.0)));
  if (!v128.any_true(small)) return signed;
  return v128.bitselect(erfSmall(z, s), signed, small);
}

/** Φ(x) = ½·erfc(−x/√2), the standard normal CDF, given z = x/√2, z² and e^(−z²) (0 if not computed). */
// @ts-ignore: decorator
@inline function normalCdfD(z: v128, s: v128, e: v128, haveE: bool): v128 {
  const small = f64x2.lt(f64x2.abs(z), splat(1.0));
  const mid = f64x2.add(splat(0.5), f64x2.mul(splat(0.5), erfSmall(z, s)));
  if (i64x2.all_true(small)) return mid;
  const halfTail = f64x2.mul(splat(0.5), erfcLarge(f64x2.abs(z), haveE ? e : expD(f64x2.neg(s)))); // ½·erfc(|z|)
  const tail = v128.bitselect(halfTail, f64x2.sub(splat(1.0), halfTail), f64x2.lt(z, splat(0.0)));
  if (!v128.any_true(small)) return tail;
  return v128.bitselect(mid, tail, small);
}

// @ts-ignore: decorator
@inline function sigmoidD(u: v128): v128 {
  return f64x2.div(splat(1.0), f64x2.add(splat(1.0), expD(f64x2.neg(u))));
}

const INV_SQRT2: f64 = 0.7071067811865476;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const GELU_C: f64 = 0.044715;

/** The op on two float64 lanes. */
// @ts-ignore: decorator
@inline function forwardD(op: i32, x: v128): v128 {
  if (op == ERF) return erfD(x, f64x2.mul(x, x));
  if (op == GELU) {
    const z = f64x2.mul(x, splat(INV_SQRT2)), s = f64x2.mul(z, z);
    return f64x2.mul(x, normalCdfD(z, s, splat(0), false));
  }
  if (op == GELU_TANH) {
    // ½x(1 + tanh u) = x·σ(2u), which does not cancel for negative x
    const u = f64x2.mul(splat(SQRT_2_OVER_PI), f64x2.add(x, f64x2.mul(splat(GELU_C), f64x2.mul(x, f64x2.mul(x, x)))));
    return f64x2.mul(x, sigmoidD(f64x2.add(u, u)));
  }
  return f64x2.mul(x, sigmoidD(x)); // SILU
}

/** dy·f'(x) on two float64 lanes. */
// @ts-ignore: decorator
@inline function backwardD(op: i32, x: v128, dy: v128): v128 {
  if (op == ERF) {
    return f64x2.mul(dy, f64x2.mul(splat(TWO_OVER_SQRT_PI), expD(f64x2.neg(f64x2.mul(x, x)))));
  }
  if (op == GELU) {
    // Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    const z = f64x2.mul(x, splat(INV_SQRT2)), s = f64x2.mul(z, z);
    const e = expD(f64x2.neg(s));
    const d = f64x2.add(normalCdfD(z, s, e, true), f64x2.mul(x, f64x2.mul(splat(INV_SQRT_2PI), e)));
    return f64x2.mul(dy, d);
  }
  if (op == GELU_TANH) {
    // d/dx x·σ(2u) = σ + x·σ(1 − σ)·2u'
    const x2 = f64x2.mul(x, x);
    const u = f64x2.mul(splat(SQRT_2_OVER_PI), f64x2.add(x, f64x2.mul(splat(GELU_C), f64x2.mul(x, x2))));
    const sg = sigmoidD(f64x2.add(u, u));
    const du = f64x2.mul(splat(2 * SQRT_2_OVER_PI), f64x2.add(splat(1.0), f64x2.mul(splat(3 * GELU_C), x2)));
    const d = f64x2.add(sg, f64x2.mul(x, f64x2.mul(f64x2.mul(sg, f64x2.sub(splat(1.0), sg)), du)));
    return f64x2.mul(dy, d);
  }
  // SILU: σ(x)·(1 + x·(1 − σ(x)))
  const sg = sigmoidD(x);
  return f64x2.mul(dy, f64x2.mul(sg, f64x2.add(splat(1.0), f64x2.mul(x, f64x2.sub(splat(1.0), sg)))));
}

// ---- float32 vectors in, float32 vectors out ---------------------------------------------------

// @ts-ignore: decorator
@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}
// @ts-ignore: decorator
@inline function join(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The first m (1..3) floats at p in a zeroed vector. */
// @ts-ignore: decorator
@inline function loadPartial(p: usize, m: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (m > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (m > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline function storePartial(p: usize, v: v128, m: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (m > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (m > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// @ts-ignore: decorator
@inline function forward4(op: i32, v: v128): v128 {
  return join(forwardD(op, low(v)), forwardD(op, high(v)));
}

// @ts-ignore: decorator
@inline function backward4(op: i32, v: v128, g: v128): v128 {
  return join(backwardD(op, low(v), low(g)), backwardD(op, high(v), high(g)));
}

// @ts-ignore: decorator
@inline function forwardLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, forward4(op, v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2;
    storePartial(y + o, forward4(op, loadPartial(x + o, n - i)), n - i);
  }
}

// @ts-ignore: decorator
@inline function backwardLoop(op: i32, x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, backward4(op, v128.load(x + o), v128.load(dy + o)));
  }
  if (i < n) {
    const o = <usize>i << 2, m = n - i;
    storePartial(dx + o, backward4(op, loadPartial(x + o, m), loadPartial(dy + o, m)), m);
  }
}

/** y = f(x) for the op (ERF, GELU, GELU_TANH, SILU) over n floats. */
export function activation(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case ERF: forwardLoop(ERF, x, y, n); break;
    case GELU: forwardLoop(GELU, x, y, n); break;
    case GELU_TANH: forwardLoop(GELU_TANH, x, y, n); break;
    default: forwardLoop(SILU, x, y, n); break;
  }
}

/** dx = dy·f'(x) for the op over n floats (x: the forward input). */
export function activationBackward(op: i32, x: usize, dy: usize, dx: usize, n: i32): void {
  switch (op) {
    case ERF: backwardLoop(ERF, x, dy, dx, n); break;
    case GELU: backwardLoop(GELU, x, dy, dx, n); break;
    case GELU_TANH: backwardLoop(GELU_TANH, x, dy, dx, n); break;
    default: backwardLoop(SILU, x, dy, dx, n); break;
  }
}
