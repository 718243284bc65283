/**
 * Batch normalisation of x [N, C, S] per channel c (S = H·W for BatchNorm2d, L or 1 for
 * BatchNorm1d), with PyTorch's CPU formulas:
 *   statistics  mean = Σx/n, var = Σ(x − mean)²/n (biased), invstd = 1/√(var + eps), n = N·S,
 *               summed in float64 (PyTorch's CPU accumulator type for float), two passes
 *   forward     y = x·a + b with a = invstd·weight, b = bias − mean·a
 *   backward    sum = Σ dy, dot = Σ (x − mean)·dy (float64);
 *               training: dx = (dy − (x − mean)·invstd²·dot/n − sum/n)·invstd·weight
 *               eval (running statistics, constants): dx = dy·invstd·weight
 *               dweight = dot·invstd, dbias = sum
 * A composition of elementwise ops costs about twenty passes over x forward and backward; these are
 * five. weight/bias pointers may be 0 (no affine: weight 1, bias 0). Every kernel takes a channel
 * range [cLo, cHi), so threads split by channel and each channel's sums are made whole by one
 * thread, in the same order: the same bits for any thread count.
 */

/** Σ (x − m)² over channel c's N planes of S floats (plane stride C·S), as float64; Σ x if !squares. */
// @ts-ignore: decorator
@inline function channelSum(x: usize, c: i32, N: i32, C: i32, S: i32, m: f64, squares: bool): f64 {
  let acc = f64x2.splat(0);
  let tail: f64 = 0;
  const mv = f64x2.splat(m);
  const stride = (<usize>C * <usize>S) << 2;
  let p = x + ((<usize>c * <usize>S) << 2);
  for (let n = 0; n < N; n++) {
    let i = 0;
    for (; i + 4 <= S; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      let d0 = f64x2.promote_low_f32x4(v), d1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
      if (squares) {
        d0 = f64x2.sub(d0, mv);
        d1 = f64x2.sub(d1, mv);
        d0 = f64x2.mul(d0, d0);
        d1 = f64x2.mul(d1, d1);
      }
      acc = f64x2.add(acc, f64x2.add(d0, d1));
    }
    for (; i < S; i++) {
      const d = <f64>load<f32>(p + (<usize>i << 2)) - (squares ? m : 0);
      tail += squares ? d * d : d;
    }
    p += stride;
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) + tail;
}

/** mean[c], variance[c] (biased) and invstd[c] = 1/√(var + eps) of the batch, c in [cLo, cHi). */
export function batchNormStats(x: usize, mean: usize, variance: usize, invstd: usize,
                               N: i32, C: i32, S: i32, eps: f64, cLo: i32, cHi: i32): void {
  const n = <f64>N * <f64>S;
  for (let c = cLo; c < cHi; c++) {
    const m = channelSum(x, c, N, C, S, 0, false) / n;
    const v = channelSum(x, c, N, C, S, m, true) / n;
    const q = <usize>c << 2;
    store<f32>(mean + q, <f32>m);
    store<f32>(variance + q, <f32>v);
    store<f32>(invstd + q, <f32>(1 / Math.sqrt(v + eps)));
  }
}

/** invstd[c] = 1/√(variance[c] + eps) for c < C (eval mode, from the running variance). */
export function batchNormInvstd(variance: usize, invstd: usize, C: i32, eps: f64): void {
  for (let c = 0; c < C; c++) {
    const q = <usize>c << 2;
    store<f32>(invstd + q, <f32>(1 / Math.sqrt(<f64>load<f32>(variance + q) + eps)));
  }
}

/** y = x·a + b per channel, a = invstd·weight, b = bias − mean·a, c in [cLo, cHi). */
export function batchNormApply(x: usize, y: usize, mean: usize, invstd: usize, weight: usize, bias: usize,
                               N: i32, C: i32, S: i32, relu: i32, cLo: i32, cHi: i32): void {
  if (relu) applyChannels(x, y, mean, invstd, weight, bias, N, C, S, cLo, cHi, true);
  else applyChannels(x, y, mean, invstd, weight, bias, N, C, S, cLo, cHi, false);
}

/** batchNormApply's loop, then max(·, 0) if relu (the relu kernel's rule: v > 0 ? v : +0, NaN -> 0). */
// @ts-ignore: decorator
@inline function applyChannels(x: usize, y: usize, mean: usize, invstd: usize, weight: usize, bias: usize,
                               N: i32, C: i32, S: i32, cLo: i32, cHi: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  const stride = (<usize>C * <usize>S) << 2;
  for (let c = cLo; c < cHi; c++) {
    const q = <usize>c << 2;
    const a: f32 = load<f32>(invstd + q) * (weight ? load<f32>(weight + q) : 1);
    const b: f32 = (bias ? load<f32>(bias + q) : 0) - load<f32>(mean + q) * a;
    const av = f32x4.splat(a), bv = f32x4.splat(b);
    const start = (<usize>c * <usize>S) << 2;
    let px = x + start, py = y + start;
    for (let n = 0; n < N; n++) {
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const o = <usize>i << 2;
        let v = f32x4.add(f32x4.mul(v128.load(px + o), av), bv);
        if (relu) v = v128.and(v, f32x4.gt(v, zero));
        v128.store(py + o, v);
      }
      for (; i < S; i++) {
        const o = <usize>i << 2;
        const v = load<f32>(px + o) * a + b;
        store<f32>(py + o, relu ? (v > 0 ? v : 0) : v);
      }
      px += stride;
      py += stride;
    }
  }
}

/**
 * Gradients for c in [cLo, cHi): dx (0 = not wanted), dweight[c] and dbias[c] (overwritten; 0 = not
 * wanted). training != 0: mean and invstd are the batch's (dx includes their gradient paths);
 * 0: they are constants (running statistics). relu != 0: a ReLU followed (batchNormApply's relu),
 * y is its output, and dy is first masked to y > 0 as the relu kernel's gradient does, in the same
 * sweeps (the bytes of the two passes).
 */
export function batchNormBackward(dy: usize, x: usize, y: usize, mean: usize, invstd: usize, weight: usize,
                                  dx: usize, dweight: usize, dbias: usize,
                                  N: i32, C: i32, S: i32, training: i32, relu: i32, cLo: i32, cHi: i32): void {
  if (relu) backwardChannels(dy, x, y, mean, invstd, weight, dx, dweight, dbias, N, C, S, training, cLo, cHi, true);
  else backwardChannels(dy, x, y, mean, invstd, weight, dx, dweight, dbias, N, C, S, training, cLo, cHi, false);
}

/** dy at o, masked to y > 0 if `masked` (0 where not). */
// @ts-ignore: decorator
@inline function gradAt(pd: usize, py: usize, o: usize, masked: bool): v128 {
  const g = v128.load(pd + o);
  return masked ? v128.and(g, f32x4.gt(v128.load(py + o), f32x4.splat(0))) : g;
}
// @ts-ignore: decorator
@inline function gradAtS(pd: usize, py: usize, o: usize, masked: bool): f32 {
  return masked ? (load<f32>(py + o) > 0 ? load<f32>(pd + o) : 0) : load<f32>(pd + o);
}

// @ts-ignore: decorator
@inline function backwardChannels(dy: usize, x: usize, y: usize, mean: usize, invstd: usize, weight: usize,
                                  dx: usize, dweight: usize, dbias: usize,
                                  N: i32, C: i32, S: i32, training: i32, cLo: i32, cHi: i32, masked: bool): void {
  const stride = (<usize>C * <usize>S) << 2;
  const n = <f64>N * <f64>S;
  for (let c = cLo; c < cHi; c++) {
    const q = <usize>c << 2;
    const m = load<f32>(mean + q), is = load<f32>(invstd + q);
    const start = (<usize>c * <usize>S) << 2;
    // sum = Σ dy and dot = Σ (x − mean)·dy, in float64
    let sumV = f64x2.splat(0), dotV = f64x2.splat(0);
    let sum: f64 = 0, dot: f64 = 0;
    const mv = f64x2.splat(<f64>m);
    let pd = dy + start, px = x + start, py = y + start;
    for (let k = 0; k < N; k++) {
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const o = <usize>i << 2;
        const g = gradAt(pd, py, o, masked), v = v128.load(px + o);
        const g0 = f64x2.promote_low_f32x4(g), g1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 2, 3));
        const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), mv);
        const d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), mv);
        sumV = f64x2.add(sumV, f64x2.add(g0, g1));
        dotV = f64x2.add(dotV, f64x2.add(f64x2.mul(d0, g0), f64x2.mul(d1, g1)));
      }
      for (; i < S; i++) {
        const o = <usize>i << 2;
        const g = <f64>gradAtS(pd, py, o, masked);
        sum += g;
        dot += (<f64>load<f32>(px + o) - <f64>m) * g;
      }
      pd += stride;
      px += stride;
      py += stride;
    }
    sum += f64x2.extract_lane(sumV, 0) + f64x2.extract_lane(sumV, 1);
    dot += f64x2.extract_lane(dotV, 0) + f64x2.extract_lane(dotV, 1);
    if (dweight) store<f32>(dweight + q, <f32>(dot * <f64>is));
    if (dbias) store<f32>(dbias + q, <f32>sum);
    if (!dx) continue;
    const w: f32 = weight ? load<f32>(weight + q) : 1;
    const scale: f32 = is * w;
    if (training) {
      // dx = dy·scale − (x − mean)·k − shift: k = invstd²·dot/n·scale, shift = sum/n·scale
      dxPass(dy + start, x + start, y + start, dx + start, stride, N, S, scale, <f32>(<f64>is * <f64>is * dot / n) * scale,
             <f32>(sum / n) * scale, m, true, masked);
    } else {
      dxPass(dy + start, x + start, y + start, dx + start, stride, N, S, scale, 0, 0, m, false, masked);
    }
  }
}

/** dx = g·scale − (x − m)·k − shift over one channel's N planes (just g·scale unless `full`), g = gradAt(dy). */
// @ts-ignore: decorator
@inline function dxPass(pd: usize, px: usize, py: usize, pg: usize, stride: usize, N: i32, S: i32,
                        scale: f32, k: f32, shift: f32, m: f32, full: bool, masked: bool): void {
  const sv = f32x4.splat(scale), kv = f32x4.splat(k), hv = f32x4.splat(shift), mv = f32x4.splat(m);
  for (let j = 0; j < N; j++) {
    let i = 0;
    for (; i + 4 <= S; i += 4) {
      const o = <usize>i << 2;
      let t = f32x4.mul(gradAt(pd, py, o, masked), sv);
      if (full) t = f32x4.sub(f32x4.sub(t, f32x4.mul(f32x4.sub(v128.load(px + o), mv), kv)), hv);
      v128.store(pg + o, t);
    }
    for (; i < S; i++) {
      const o = <usize>i << 2;
      let t = gradAtS(pd, py, o, masked) * scale;
      if (full) t = (t - (load<f32>(px + o) - m) * k) - shift;
      store<f32>(pg + o, t);
    }
    pd += stride;
    px += stride;
    py += stride;
    pg += stride;
  }
}
