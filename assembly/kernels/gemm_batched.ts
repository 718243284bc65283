/**
 * Batched GEMM: C_t = alpha·op(A_t)·op(B_t) + beta·C_t for the batch items t in [lo, hi), in one
 * call (no per-item round trip through JavaScript). Items are numbered t = t0·n1 + t1 over two
 * batch dims; A_t starts at a + 4·(t0·sA0 + t1·sA1), B_t likewise, C_t at c + 4·t·sC (strides in
 * elements; a stride of 0 reuses one matrix, which is how broadcast batch dims are expressed).
 * Each item is the `gemm` kernel's contract and its reduction order, so the result of an item
 * does not depend on the batch, on [lo, hi) or on which thread ran it.
 */
import { gemm } from "./gemm";

export function gemmBatched(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
  n1: i32, sA0: i32, sA1: i32, sB0: i32, sB1: i32, sC: i32, lo: i32, hi: i32): void {
  for (let t = lo; t < hi; t++) {
    const t0 = t / n1, t1 = t % n1;
    const ap = a + (<usize>(t0 * sA0 + t1 * sA1) << 2);
    const bp = b + (<usize>(t0 * sB0 + t1 * sB1) << 2);
    gemm(transA, transB, M, N, K, alpha, ap, lda, bp, ldb, beta, c + (<usize>(t * sC) << 2), ldc);
  }
}
