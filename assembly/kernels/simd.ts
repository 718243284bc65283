/**
 * SIMD helpers shared by the kernels (not exported from the module).
 *
 * acc + a·b, lane-wise. The default build multiplies then adds (two roundings, the same bits on
 * every machine). The opt-in relaxed-SIMD builds (asconfig targets "relaxed", "relaxed-threads")
 * fuse them where the hardware has FMA: faster, but results then depend on the machine, so they
 * are off by default.
 */
// @ts-ignore: decorator
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<f32>(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
