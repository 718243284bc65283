import { gemm, gemmSetTile, gemmTile, gemmTileCount } from "../kernels/gemm";
import { randomArray, ptr, reseed, worstError } from "./testutil";

/** f64 reference of C = alpha*op(A)*op(B) + beta*C0 over the whole ldc-strided buffer. */
function reference(tA: i32, tB: i32, M: i32, N: i32, K: i32, alpha: f32, A: StaticArray<f32>, lda: i32,
                   B: StaticArray<f32>, ldb: i32, beta: f32, C0: StaticArray<f32>, ldc: i32): StaticArray<f64> {
  const out = new StaticArray<f64>(max(M * ldc, 1));
  for (let i = 0; i < M * ldc; i++) out[i] = C0[i]; // columns beyond N must stay untouched
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f64 = 0;
      for (let k = 0; k < K; k++) {
        const a = tA ? A[k * lda + i] : A[i * lda + k];
        const b = tB ? B[j * ldb + k] : B[k * ldb + j];
        s += <f64>a * <f64>b;
      }
      out[i * ldc + j] = <f64>alpha * s + (beta == 0 ? 0 : <f64>beta * <f64>C0[i * ldc + j]);
    }
  }
  return out;
}

/** Runs one case; lda/ldb/ldc get `pad` extra elements so leading dimensions are exercised. */
function check(tA: i32, tB: i32, M: i32, N: i32, K: i32, alpha: f32, beta: f32, pad: i32): f64 {
  const lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + pad;
  const A = randomArray((tA ? K : M) * lda), B = randomArray((tB ? N : K) * ldb);
  const C = randomArray(M * ldc);
  if (beta == 0) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) C[i * ldc + j] = NaN;
  const want = reference(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  gemm(tA, tB, M, N, K, alpha, ptr(A), lda, ptr(B), ldb, beta, ptr(C), ldc);
  return worstError(C, want, M * ldc, 1e-6 * <f64>(K + 4));
}

function checkAllTransposes(M: i32, N: i32, K: i32, alpha: f32, beta: f32, pad: i32): void {
  for (let t = 0; t < 4; t++) {
    const e = check(t & 1, t >> 1, M, N, K, alpha, beta, pad);
    if (!(e <= 1)) {
      log<string>("gemm mismatch tA=" + (t & 1).toString() + " tB=" + (t >> 1).toString() + " M=" + M.toString() +
        " N=" + N.toString() + " K=" + K.toString() + " alpha=" + alpha.toString() + " beta=" + beta.toString());
    }
    expect<f64>(e).toBeLessThanOrEqual(1);
  }
}

describe("gemm", () => {
  it("matches the reference on small and odd shapes, all transposes", () => {
    reseed(1);
    const sizes: i32[] = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33];
    for (let x = 0; x < sizes.length; x++) {
      for (let y = 0; y < sizes.length; y += 3) {
        const m = sizes[x], n = sizes[y], k = sizes[(x + y) % sizes.length];
        checkAllTransposes(m, n, k, 1, 0, (x + y) % 3);
      }
    }
  });

  it("applies alpha and beta", () => {
    reseed(2);
    const alphas: f32[] = [1, 0.5, -2, 0];
    const betas: f32[] = [0, 1, 0.25, -1];
    for (let i = 0; i < alphas.length; i++) {
      for (let j = 0; j < betas.length; j++) checkAllTransposes(13, 21, 19, alphas[i], betas[j], 1);
    }
  });

  it("handles zero sizes: K = 0 only scales C, M or N = 0 is a no-op", () => {
    reseed(3);
    checkAllTransposes(5, 6, 0, 1, 0, 0);
    checkAllTransposes(5, 6, 0, 1, 0.5, 2);
    checkAllTransposes(0, 6, 4, 1, 0, 0);
    checkAllTransposes(5, 0, 4, 1, 0, 1);
    checkAllTransposes(0, 0, 0, 1, 1, 0);
  });

  it("matches the reference across cache-block edges", () => {
    reseed(4);
    checkAllTransposes(70, 67, 300, 1, 0, 0);
    checkAllTransposes(131, 37, 520, 0.5, 1, 3);
    checkAllTransposes(9, 1030, 37, 1, 0, 1);
    checkAllTransposes(257, 20, 11, -1, 0.5, 0);
  });

  it("matches the reference on dense-layer shapes", () => {
    reseed(5);
    checkAllTransposes(10, 30, 784, 1, 0, 0);
    checkAllTransposes(64, 128, 200, 1, 1, 0);
    checkAllTransposes(200, 30, 128, 1, 0, 0);
    check(0, 0, 128, 128, 784, 1, 0, 0);
    check(1, 0, 784, 30, 10, 1, 0, 0);
    check(0, 1, 10, 784, 30, 1, 0, 0);
  });

  it("is bit-identical between runs", () => {
    reseed(6);
    const M = 37, N = 45, K = 301;
    const A = randomArray(M * K), B = randomArray(K * N);
    const C1 = randomArray(M * N), C2 = randomArray(M * N);
    gemm(0, 0, M, N, K, 1, ptr(A), K, ptr(B), N, 0, ptr(C1), N);
    gemm(0, 0, M, N, K, 1, ptr(A), K, ptr(B), N, 0, ptr(C2), N);
    let same = true;
    for (let i = 0; i < M * N; i++) if (reinterpret<u32>(C1[i]) != reinterpret<u32>(C2[i])) same = false;
    expect<bool>(same).toBe(true);
  });

  it("every register tile matches the reference", () => {
    const saved = gemmTile();
    for (let t = 0; t < gemmTileCount(); t++) {
      expect<bool>(gemmSetTile(t)).toBe(true);
      reseed(7);
      checkAllTransposes(23, 37, 19, 1, 0, 1);
      checkAllTransposes(9, 17, 300, 0.5, 0.25, 0);
    }
    expect<bool>(gemmSetTile(gemmTileCount())).toBe(false);
    gemmSetTile(saved);
  });

  it("every register tile gives the same bits (all transposes, edges, K blocks, alpha/beta)", () => {
    const saved = gemmTile();
    const shapes: i32[] = [1, 1, 1,  7, 13, 5,  33, 17, 300,  121, 64, 9,  16, 250, 520,  130, 1030, 37];
    for (let s = 0; s < shapes.length; s += 3) {
      const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
      for (let tr = 0; tr < 4; tr++) {
        const tA = tr & 1, tB = tr >> 1;
        for (let ab = 0; ab < 3; ab++) {
          const alpha: f32 = ab == 2 ? -0.75 : 1, beta: f32 = ab == 0 ? 0 : ab == 1 ? 1 : 0.5;
          reseed(100 + s + tr);
          const A = randomArray(M * K), B = randomArray(K * N), C0 = randomArray(M * N);
          let first = new StaticArray<f32>(max(M * N, 1));
          let same = true;
          for (let t = 0; t < gemmTileCount(); t++) {
            gemmSetTile(t);
            const C = new StaticArray<f32>(max(M * N, 1));
            for (let i = 0; i < M * N; i++) C[i] = C0[i];
            gemm(tA, tB, M, N, K, alpha, ptr(A), tA ? M : K, ptr(B), tB ? K : N, beta, ptr(C), N);
            if (t == 0) first = C;
            else for (let i = 0; i < M * N; i++) if (reinterpret<u32>(C[i]) != reinterpret<u32>(first[i])) same = false;
          }
          if (!same) log<string>("tile bits differ: M=" + M.toString() + " N=" + N.toString() + " K=" + K.toString() + " tr=" + tr.toString());
          expect<bool>(same).toBe(true);
        }
      }
    }
    gemmSetTile(saved);
  });
});
