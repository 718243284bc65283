/**
 * GEMM: C = alpha * op(A) · op(B) + beta * C, f32, row-major with leading dimensions.
 * op(A) is M×K (stored K×M when transA != 0), op(B) is K×N (stored N×K when transB != 0).
 * beta == 0 overwrites C without reading it. Each C element is reduced over k in a fixed
 * order that depends only on the shape, so results are bit-identical run to run.
 */

// Cache blocking (BLIS order): a KC×NC panel of op(B) is packed once per (jc, pc) and stays in
// L2/L3, an MC×KC block of op(A) is packed per ic and stays in L2, and the micro-kernel streams an
// MR×KC sliver of A against a KC×NR sliver of B (8 KiB at KC = 256, resident in L1).
// Packing absorbs the transposes and zero-pads edge slivers, so edge tiles run the same kernel.
const MR = 6;
const NR = 8;
const KC = 256;
const MC = 120; // multiple of MR
const NC = 1024; // multiple of NR

const packA = memory.data(MC * KC * 4, 64);
const packB = memory.data(KC * NC * 4, 64);
// edge tiles are computed whole, parked here, and only their valid part written to C
const edgeTile = memory.data(MR * NR * 4, 64);

// how a tile's result meets C: first K block with beta == 0, later blocks / beta == 1, other beta
const OVERWRITE = 0;
const ACCUMULATE = 1;
const SCALE = 2;

export function gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
                     a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleC(M, N, beta, c, ldc);
    return;
  }
  const firstMode = beta == 0 ? OVERWRITE : beta == 1 ? ACCUMULATE : SCALE;
  // K blocks are summed into C in increasing order, so every element's reduction order depends
  // only on K, never on how M or N are split
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packBPanel(transB, b, ldb, pc, jc, kc, nc);
      const mode = pc == 0 ? firstMode : ACCUMULATE;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packABlock(transA, a, lda, ic, pc, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + ((<usize>jr * <usize>kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const cp = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            microKernel(kc, packA + ((<usize>ir * <usize>kc) << 2), pb, cp, ldc, min(MR, mc - ir), nr, alpha, beta, mode);
          }
        }
      }
    }
  }
}

/** Packs op(A)[ic.., pc..] (mc×kc) as MR-row slivers, each stored k-major: sliver[k*MR + r]. */
function packABlock(transA: i32, a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32): void {
  let dst = packA;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    if (transA) {
      // stored K×M: each k gives MR contiguous values
      let src = a + ((<usize>pc * <usize>lda + <usize>(ic + ir)) << 2);
      const step = <usize>lda << 2;
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < mr ? load<f32>(src + (<usize>r << 2)) : 0);
        dst += MR * 4;
        src += step;
      }
    } else {
      for (let r = 0; r < MR; r++) {
        let p = dst + (<usize>r << 2);
        if (r < mr) {
          let src = a + ((<usize>(ic + ir + r) * <usize>lda + <usize>pc) << 2);
          for (let k = 0; k < kc; k++) {
            store<f32>(p, load<f32>(src));
            src += 4;
            p += MR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(p, 0);
            p += MR * 4;
          }
        }
      }
      dst += (<usize>kc * MR) << 2;
    }
  }
}

/** Packs op(B)[pc.., jc..] (kc×nc) as NR-column slivers, each stored k-major: sliver[k*NR + j]. */
function packBPanel(transB: i32, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32): void {
  let dst = packB;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    if (!transB && nr == NR) {
      let src = b + ((<usize>pc * <usize>ldb + <usize>(jc + jr)) << 2);
      const step = <usize>ldb << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += NR * 4;
        src += step;
      }
    } else if (!transB) {
      let src = b + ((<usize>pc * <usize>ldb + <usize>(jc + jr)) << 2);
      const step = <usize>ldb << 2;
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>j << 2)) : 0);
        dst += NR * 4;
        src += step;
      }
    } else {
      // stored N×K: each column j of op(B) is a contiguous row of storage
      for (let j = 0; j < NR; j++) {
        let p = dst + (<usize>j << 2);
        if (j < nr) {
          let src = b + ((<usize>(jc + jr + j) * <usize>ldb + <usize>pc) << 2);
          for (let k = 0; k < kc; k++) {
            store<f32>(p, load<f32>(src));
            src += 4;
            p += NR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(p, 0);
            p += NR * 4;
          }
        }
      }
      dst += (<usize>kc * NR) << 2;
    }
  }
}

// One C vector meets its accumulator; lane-wise identical to updateScalar.
// @ts-ignore: decorator
@inline function updateVec(p: usize, acc: v128, va: v128, vb: v128, mode: i32): void {
  let r = f32x4.mul(acc, va);
  if (mode == ACCUMULATE) r = f32x4.add(v128.load(p), r);
  else if (mode == SCALE) r = f32x4.add(f32x4.mul(v128.load(p), vb), r);
  v128.store(p, r);
}

// @ts-ignore: decorator
@inline function updateRow(p: usize, acc0: v128, acc1: v128, va: v128, vb: v128, mode: i32): void {
  updateVec(p, acc0, va, vb, mode);
  updateVec(p + 16, acc1, va, vb, mode);
}

/**
 * MR×NR = 6×8 register tile: 12 f32x4 accumulators + 2 B vectors + 1 broadcast A value fill the
 * 15 XMM registers V8 allocates on x64 without spilling. No FMA in SIMD128, so mul then add.
 */
function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, mr: i32, nr: i32,
                     alpha: f32, beta: f32, mode: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(av, b0)); c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0)); c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0)); c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0)); c31 = f32x4.add(c31, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 16);
    c40 = f32x4.add(c40, f32x4.mul(av, b0)); c41 = f32x4.add(c41, f32x4.mul(av, b1));
    av = v128.load32_splat(pa, 20);
    c50 = f32x4.add(c50, f32x4.mul(av, b0)); c51 = f32x4.add(c51, f32x4.mul(av, b1));
    pa += MR * 4;
    pb += NR * 4;
  }
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  const full = mr == MR && nr == NR;
  // an edge tile goes through edgeTile (row stride NR) in OVERWRITE mode, then is copied out
  const p = full ? c : edgeTile;
  const rs: usize = full ? <usize>ldc << 2 : NR * 4;
  const m = full ? mode : OVERWRITE;
  const one = f32x4.splat(1);
  const ta = full ? va : one;
  updateRow(p, c00, c01, ta, vb, m);
  updateRow(p + rs, c10, c11, ta, vb, m);
  updateRow(p + 2 * rs, c20, c21, ta, vb, m);
  updateRow(p + 3 * rs, c30, c31, ta, vb, m);
  updateRow(p + 4 * rs, c40, c41, ta, vb, m);
  updateRow(p + 5 * rs, c50, c51, ta, vb, m);
  if (!full) {
    for (let r = 0; r < mr; r++) {
      for (let j = 0; j < nr; j++) {
        const q = c + ((<usize>r * <usize>ldc + <usize>j) << 2);
        const t = load<f32>(edgeTile + ((<usize>r * NR + <usize>j) << 2)) * alpha;
        store<f32>(q, mode == OVERWRITE ? t : mode == ACCUMULATE ? load<f32>(q) + t : load<f32>(q) * beta + t);
      }
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
 * Wasm SIMD peak probe: 12 independent f32x4 `c = c*m + d` chains held in registers (14 XMM with
 * the two constants). Twelve chains hide the mul+add latency on both Intel and AMD, so the loop is
 * bound by the FP ports alone: the best mul/add rate the engine can reach (no FMA in SIMD128).
 * The result depends on every accumulator so nothing is optimised away. FLOPs = iters * 96.
 */
export function simdPeak(iters: i32): f32 {
  const m = f32x4.splat(0.999999);
  const d = f32x4.splat(1e-7);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), c10 = f32x4.splat(11), c11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    c0 = f32x4.add(f32x4.mul(c0, m), d);
    c1 = f32x4.add(f32x4.mul(c1, m), d);
    c2 = f32x4.add(f32x4.mul(c2, m), d);
    c3 = f32x4.add(f32x4.mul(c3, m), d);
    c4 = f32x4.add(f32x4.mul(c4, m), d);
    c5 = f32x4.add(f32x4.mul(c5, m), d);
    c6 = f32x4.add(f32x4.mul(c6, m), d);
    c7 = f32x4.add(f32x4.mul(c7, m), d);
    c8 = f32x4.add(f32x4.mul(c8, m), d);
    c9 = f32x4.add(f32x4.mul(c9, m), d);
    c10 = f32x4.add(f32x4.mul(c10, m), d);
    c11 = f32x4.add(f32x4.mul(c11, m), d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
                                f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
                      f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
         f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
