/**
 * Elementwise kernels: binary ops with broadcasting, unary ops and activations, and the
 * activations' backward rules (dx = dy · f'(x or y)).
 *
 * Layout: f32, contiguous. Broadcasting is described by the caller (bindings/ops/elementwise.ts)
 * as at most four collapsed output dims d0..d3 with per-input element strides; a stride of 0
 * repeats the input along that dim. The innermost stride of each input is 0 or 1, so the
 * inner loop is either vector-vector, vector-scalar or scalar-vector SIMD.
 *
 * The op code is a loop invariant: each public function switches on it once and calls an
 * @inline loop with a constant op, so the optimiser folds the per-element switch away.
 */

import { Bin, Un } from "../abi";

// Op codes are Bin.* and Un.* (assembly/abi.ts, shared with the bindings).

@inline function maskToOne(m: v128): v128 {
  return v128.and(m, f32x4.splat(1.0));
}

@inline function binV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Bin.ADD: return f32x4.add(a, b);
    case Bin.SUB: return f32x4.sub(a, b);
    case Bin.MUL: return f32x4.mul(a, b);
    case Bin.DIV: return f32x4.div(a, b);
    case Bin.MAX: return f32x4.max(a, b);
    case Bin.MIN: return f32x4.min(a, b);
    case Bin.GT: return maskToOne(f32x4.gt(a, b));
    case Bin.GE: return maskToOne(f32x4.ge(a, b));
    case Bin.LT: return maskToOne(f32x4.lt(a, b));
    case Bin.LE: return maskToOne(f32x4.le(a, b));
    case Bin.EQ: return maskToOne(f32x4.eq(a, b));
    default: return maskToOne(f32x4.ne(a, b));
  }
}

@inline function binS(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case Bin.ADD: return a + b;
    case Bin.SUB: return a - b;
    case Bin.MUL: return a * b;
    case Bin.DIV: return a / b;
    case Bin.MAX: return max<f32>(a, b);
    case Bin.MIN: return min<f32>(a, b);
    case Bin.POW: return Mathf.pow(a, b);
    case Bin.GT: return f32(a > b);
    case Bin.GE: return f32(a >= b);
    case Bin.LT: return f32(a < b);
    case Bin.LE: return f32(a <= b);
    case Bin.EQ: return f32(a == b);
    default: return f32(a != b);
  }
}

/** One output row of n elements; sa/sb are the inputs' inner strides (0 or 1). */
@inline function binRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  let i = 0;
  if (op != Bin.POW) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, binV(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = f32x4.splat(load<f32>(b));
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, binV(op, v128.load(a + o), vb));
      }
    } else if (sa == 0 && sb == 1) {
      const va = f32x4.splat(load<f32>(a));
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, binV(op, va, v128.load(b + o)));
      }
    }
  }
  for (; i < n; i++) {
    store<f32>(y + (<usize>i << 2), binS(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

@inline function binLoop(op: i32, a: usize, b: usize, y: usize, d0: i32, d1: i32, d2: i32, d3: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32): void {
  let yo: usize = y;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const ao = a + (<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2) << 2);
        const bo = b + (<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2) << 2);
        binRow(op, ao, sa3, bo, sb3, yo, d3);
        yo += <usize>d3 << 2;
      }
    }
  }
}

/** y[i0,i1,i2,i3] = a[...] op b[...] over the output box d0×d1×d2×d3 (strides in elements). */
export function binary(op: i32, a: usize, b: usize, y: usize, d0: i32, d1: i32, d2: i32, d3: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32): void {
  switch (op) {
    case Bin.ADD: binLoop(Bin.ADD, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.SUB: binLoop(Bin.SUB, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.MUL: binLoop(Bin.MUL, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.DIV: binLoop(Bin.DIV, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.MAX: binLoop(Bin.MAX, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.MIN: binLoop(Bin.MIN, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.POW: binLoop(Bin.POW, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.GT: binLoop(Bin.GT, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.GE: binLoop(Bin.GE, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.LT: binLoop(Bin.LT, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.LE: binLoop(Bin.LE, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    case Bin.EQ: binLoop(Bin.EQ, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
    default: binLoop(Bin.NE, a, b, y, d0, d1, d2, d3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3); break;
  }
}

// ---- unary ----------------------------------------------------------------------------------

@inline function sigmoidS(x: f32): f32 {
  // Two branches so that exp never overflows: σ(x) = 1/(1+e^-x) = e^x/(1+e^x).
  if (x >= 0) return 1.0 / (1.0 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1.0 + e);
}

@inline function softplusS(x: f32): f32 {
  // PyTorch's threshold: above 20, log(1+e^x) equals x in f32.
  return x > 20.0 ? x : Mathf.log1p(Mathf.exp(x));
}

@inline function unS(op: i32, x: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case Un.NEG: return -x;
    case Un.SQUARE: return x * x;
    case Un.SQRT: return Mathf.sqrt(x);
    case Un.EXP: return Mathf.exp(x);
    case Un.LOG: return Mathf.log(x);
    case Un.ABS: return Mathf.abs(x);
    case Un.SIGMOID: return sigmoidS(x);
    case Un.RELU: return x > 0 ? x : 0;
    case Un.TANH: return Mathf.tanh(x);
    case Un.SOFTPLUS: return softplusS(x);
    case Un.LEAKY_RELU: return x > 0 ? x : x * p0;
    case Un.POW_SCALAR: return Mathf.pow(x, p0);
    case Un.CLAMP: return min<f32>(max<f32>(x, p0), p1);
    case Un.AFFINE: return x * p0 + p1;
    case Un.SIGN: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case Un.DIV_SCALAR: return x / p0;
    case Un.SCALAR_DIV: return p0 / x;
    default: return 1.0 / x;
  }
}

/** Whether unV has a SIMD form for op (the others run the scalar rule lane by lane). */
@inline function unHasV(op: i32): bool {
  return op == Un.NEG || op == Un.SQUARE || op == Un.SQRT || op == Un.ABS || op == Un.RELU || op == Un.LEAKY_RELU
    || op == Un.CLAMP || op == Un.AFFINE || op == Un.RECIP || op == Un.DIV_SCALAR || op == Un.SCALAR_DIV;
}

@inline function unV(op: i32, x: v128, p0: f32, p1: f32): v128 {
  switch (op) {
    case Un.NEG: return f32x4.neg(x);
    case Un.SQUARE: return f32x4.mul(x, x);
    case Un.SQRT: return f32x4.sqrt(x);
    case Un.ABS: return f32x4.abs(x);
    case Un.RELU: return v128.and(x, f32x4.gt(x, f32x4.splat(0)));
    case Un.LEAKY_RELU: return v128.bitselect(x, f32x4.mul(x, f32x4.splat(p0)), f32x4.gt(x, f32x4.splat(0)));
    case Un.CLAMP: return f32x4.min(f32x4.max(x, f32x4.splat(p0)), f32x4.splat(p1));
    case Un.AFFINE: return f32x4.add(f32x4.mul(x, f32x4.splat(p0)), f32x4.splat(p1));
    case Un.DIV_SCALAR: return f32x4.div(x, f32x4.splat(p0));
    case Un.SCALAR_DIV: return f32x4.div(f32x4.splat(p0), x);
    default: return f32x4.div(f32x4.splat(1.0), x);
  }
}

@inline function unLoop(op: i32, x: usize, y: usize, n: i32, p0: f32, p1: f32): void {
  let i = 0;
  if (unHasV(op)) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, unV(op, v128.load(x + o), p0, p1));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, unS(op, load<f32>(x + o), p0, p1));
  }
}

/** y = f(x) elementwise over n values; p0/p1 are the op's scalar parameters. */
export function unary(op: i32, x: usize, y: usize, n: i32, p0: f32, p1: f32): void {
  switch (op) {
    case Un.NEG: unLoop(Un.NEG, x, y, n, p0, p1); break;
    case Un.SQUARE: unLoop(Un.SQUARE, x, y, n, p0, p1); break;
    case Un.SQRT: unLoop(Un.SQRT, x, y, n, p0, p1); break;
    case Un.EXP: unLoop(Un.EXP, x, y, n, p0, p1); break;
    case Un.LOG: unLoop(Un.LOG, x, y, n, p0, p1); break;
    case Un.ABS: unLoop(Un.ABS, x, y, n, p0, p1); break;
    case Un.SIGMOID: unLoop(Un.SIGMOID, x, y, n, p0, p1); break;
    case Un.RELU: unLoop(Un.RELU, x, y, n, p0, p1); break;
    case Un.TANH: unLoop(Un.TANH, x, y, n, p0, p1); break;
    case Un.SOFTPLUS: unLoop(Un.SOFTPLUS, x, y, n, p0, p1); break;
    case Un.LEAKY_RELU: unLoop(Un.LEAKY_RELU, x, y, n, p0, p1); break;
    case Un.POW_SCALAR: unLoop(Un.POW_SCALAR, x, y, n, p0, p1); break;
    case Un.CLAMP: unLoop(Un.CLAMP, x, y, n, p0, p1); break;
    case Un.AFFINE: unLoop(Un.AFFINE, x, y, n, p0, p1); break;
    case Un.SIGN: unLoop(Un.SIGN, x, y, n, p0, p1); break;
    case Un.DIV_SCALAR: unLoop(Un.DIV_SCALAR, x, y, n, p0, p1); break;
    case Un.SCALAR_DIV: unLoop(Un.SCALAR_DIV, x, y, n, p0, p1); break;
    default: unLoop(Un.RECIP, x, y, n, p0, p1); break;
  }
}

/** f'(x) · dy, reading the forward input x and/or output y, whichever the rule is cheaper with. */
@inline function unGradS(op: i32, x: f32, y: f32, dy: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case Un.NEG: return -dy;
    case Un.SQUARE: return 2.0 * x * dy;
    case Un.SQRT: return dy * 0.5 / y;
    case Un.EXP: return dy * y;
    case Un.LOG: return dy / x;
    case Un.ABS: return x > 0 ? dy : (x < 0 ? -dy : 0.0);
    case Un.SIGMOID: return dy * y * (1.0 - y);
    case Un.RELU: return x > 0 ? dy : 0.0;
    case Un.TANH: return dy * (1.0 - y * y);
    case Un.SOFTPLUS: return x > 20.0 ? dy : dy * sigmoidS(x);
    case Un.LEAKY_RELU: return x > 0 ? dy : dy * p0;
    case Un.POW_SCALAR: return p0 == 2.0 ? dy * 2.0 * x : dy * p0 * Mathf.pow(x, p0 - 1.0);
    case Un.CLAMP: return x >= p0 && x <= p1 ? dy : 0.0;
    case Un.AFFINE: return dy * p0;
    case Un.SIGN: return 0.0;
    case Un.DIV_SCALAR: return dy / p0;
    case Un.SCALAR_DIV: return -dy * y / x;
    default: return -dy * y * y;
  }
}

@inline function unGradLoop(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  let i = 0;
  if (op == Un.SIGMOID) {
    const one = f32x4.splat(1.0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const yv = v128.load(y + o);
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.mul(yv, f32x4.sub(one, yv))));
    }
  } else if (op == Un.TANH) {
    const one = f32x4.splat(1.0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const yv = v128.load(y + o);
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(yv, yv))));
    }
  } else if (op == Un.RELU) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, unGradS(op, load<f32>(x + o), load<f32>(y + o), load<f32>(dy + o), p0, p1));
  }
}

/** dx = dy · f'(x) for the unary op (x: forward input, y: forward output; either may be unused). */
export function unaryBackward(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  switch (op) {
    case Un.NEG: unGradLoop(Un.NEG, x, y, dy, dx, n, p0, p1); break;
    case Un.SQUARE: unGradLoop(Un.SQUARE, x, y, dy, dx, n, p0, p1); break;
    case Un.SQRT: unGradLoop(Un.SQRT, x, y, dy, dx, n, p0, p1); break;
    case Un.EXP: unGradLoop(Un.EXP, x, y, dy, dx, n, p0, p1); break;
    case Un.LOG: unGradLoop(Un.LOG, x, y, dy, dx, n, p0, p1); break;
    case Un.ABS: unGradLoop(Un.ABS, x, y, dy, dx, n, p0, p1); break;
    case Un.SIGMOID: unGradLoop(Un.SIGMOID, x, y, dy, dx, n, p0, p1); break;
    case Un.RELU: unGradLoop(Un.RELU, x, y, dy, dx, n, p0, p1); break;
    case Un.TANH: unGradLoop(Un.TANH, x, y, dy, dx, n, p0, p1); break;
    case Un.SOFTPLUS: unGradLoop(Un.SOFTPLUS, x, y, dy, dx, n, p0, p1); break;
    case Un.LEAKY_RELU: unGradLoop(Un.LEAKY_RELU, x, y, dy, dx, n, p0, p1); break;
    case Un.POW_SCALAR: unGradLoop(Un.POW_SCALAR, x, y, dy, dx, n, p0, p1); break;
    case Un.CLAMP: unGradLoop(Un.CLAMP, x, y, dy, dx, n, p0, p1); break;
    case Un.AFFINE: unGradLoop(Un.AFFINE, x, y, dy, dx, n, p0, p1); break;
    case Un.SIGN: unGradLoop(Un.SIGN, x, y, dy, dx, n, p0, p1); break;
    case Un.DIV_SCALAR: unGradLoop(Un.DIV_SCALAR, x, y, dy, dx, n, p0, p1); break;
    case Un.SCALAR_DIV: unGradLoop(Un.SCALAR_DIV, x, y, dy, dx, n, p0, p1); break;
    default: unGradLoop(Un.RECIP, x, y, dy, dx, n, p0, p1); break;
  }
}

/** y[i] = value for n floats. */
export function fill(y: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}

/** Copies n bytes (regions may overlap). */
export function copyBytes(src: usize, dst: usize, n: usize): void {
  memory.copy(dst, src, n);
}
