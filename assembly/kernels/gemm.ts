/**
 * GEMM: C = alpha * op(A) · op(B) + beta * C, f32, row-major with leading dimensions.
 * op(A) is M×K (stored K×M when transA != 0), op(B) is K×N (stored N×K when transB != 0).
 * beta == 0 overwrites C without reading it. Each C element is reduced over k in a fixed
 * order that depends only on the shape, so results are bit-identical run to run.
 */

export function gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
                     a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  scaleC(M, N, beta, c, ldc);
  if (K <= 0 || alpha == 0) return;
  // strides of op(A)[i,k] and op(B)[k,j] in elements
  const aI: usize = transA ? 1 : <usize>lda, aK: usize = transA ? <usize>lda : 1;
  const bK: usize = transB ? 1 : <usize>ldb, bJ: usize = transB ? <usize>ldb : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc: f32 = 0;
      for (let k = 0; k < K; k++) {
        acc += load<f32>(a + ((<usize>i * aI + <usize>k * aK) << 2)) *
               load<f32>(b + ((<usize>k * bK + <usize>j * bJ) << 2));
      }
      const p = c + ((<usize>i * <usize>ldc + <usize>j) << 2);
      store<f32>(p, load<f32>(p) + alpha * acc);
    }
  }
}

// beta == 0 must not read C (it may hold NaN), so it is a store, not a multiply.
function scaleC(M: i32, N: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta == 1) return;
  for (let i = 0; i < M; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    if (beta == 0) {
      memory.fill(row, 0, <usize>N << 2);
    } else {
      for (let j = 0; j < N; j++) {
        const p = row + (<usize>j << 2);
        store<f32>(p, load<f32>(p) * beta);
      }
    }
  }
}

/**
 * Wasm SIMD peak probe: 8 independent f32x4 mul+add chains kept in registers, so the loop
 * measures the engine's best mul/add throughput (no FMA in SIMD128). Returns a value derived
 * from the accumulators so the work cannot be optimised away. FLOPs = iters * 8 * 4 * 2.
 */
export function simdPeak(iters: i32): f32 {
  const m = f32x4.splat(0.999999);
  const d = f32x4.splat(1e-7);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.add(f32x4.mul(c0, m), d);
    c1 = f32x4.add(f32x4.mul(c1, m), d);
    c2 = f32x4.add(f32x4.mul(c2, m), d);
    c3 = f32x4.add(f32x4.mul(c3, m), d);
    c4 = f32x4.add(f32x4.mul(c4, m), d);
    c5 = f32x4.add(f32x4.mul(c5, m), d);
    c6 = f32x4.add(f32x4.mul(c6, m), d);
    c7 = f32x4.add(f32x4.mul(c7, m), d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
                      f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
         f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
