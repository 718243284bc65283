/**
 * GEMM: C = alpha * op(A) · op(B) + beta * C, f32, row-major with leading dimensions.
 * op(A) is M×K (stored K×M when transA != 0), op(B) is K×N (stored N×K when transB != 0).
 * beta == 0 overwrites C without reading it. Each C element is reduced over k in a fixed
 * order that depends only on the shape, so results are bit-identical run to run.
 */

import { madd } from "./simd";
import { GEMM_MR, GEMM_NR } from "../abi";

// Cache blocking (BLIS order): a KC×NC panel of op(B) is packed once per (jc, pc) and stays in
// L2/L3, an MC×KC block of op(A) is packed per ic and stays in L2, and the micro-kernel streams an
// MR×KC sliver of A against a KC×NR sliver of B (8 KiB at KC = 256, resident in L1).
// Packing absorbs the transposes and zero-pads edge slivers, so edge tiles run the same kernel.
const MR = GEMM_MR; // the micro-tile (assembly/abi.ts: the thread split cuts on it)
const NR = GEMM_NR;
const KC = 256;
const MC = 120; // multiple of MR
const NC = 1024; // multiple of NR

// Packing buffers. Globals are per instance, so each worker thread's instance points these at a
// block of its own (gemmSetScratch); the main thread's instance keeps the static ones.
const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const EDGE_BYTES: usize = MR * NR * 4;
let packA: usize = memory.data(<i32>PACK_A_BYTES, 64);
let packB: usize = memory.data(<i32>PACK_B_BYTES, 64);
// edge tiles are computed whole, parked here, and only their valid part written to C
let edgeTile: usize = memory.data(<i32>EDGE_BYTES, 64);

/** Bytes of scratch one thread's GEMM needs (64-byte aligned block for gemmSetScratch). */
export function gemmScratchBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES;
}

/** Points this instance's packing buffers at `scratch` (gemmScratchBytes(), 64-byte aligned). */
export function gemmSetScratch(scratch: usize): void {
  packA = scratch;
  packB = scratch + PACK_A_BYTES;
  edgeTile = packB + PACK_B_BYTES;
}

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
  // byte strides of op(A) along k and along its rows, of op(B) along k and along its columns
  const aK: usize = transA ? <usize>lda << 2 : 4, aR: usize = transA ? 4 : <usize>lda << 2;
  const bK: usize = transB ? 4 : <usize>ldb << 2, bC: usize = transB ? <usize>ldb << 2 : 4;
  // K is cut into equal blocks (288 -> 144+144, not 256+32): a short last block would pay the
  // C read-modify-write of a full block for little work. K blocks are summed into C in
  // increasing order, so each element's reduction order depends only on K, never on M/N splits.
  const kBlocks = (K + KC - 1) / KC;
  const kStep = (K + kBlocks - 1) / kBlocks;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kStep) {
      const kc = min(kStep, K - pc);
      const sliverB = (<usize>kc * NR) << 2, sliverA = (<usize>kc * MR) << 2;
      for (let jr = 0; jr < nc; jr += NR) {
        packSliver(packB + <usize>(jr / NR) * sliverB, b + <usize>pc * bK + <usize>(jc + jr) * bC,
                   bK, bC, NR, min(NR, nc - jr), kc);
      }
      const mode = pc == 0 ? firstMode : ACCUMULATE;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          packSliver(packA + <usize>(ir / MR) * sliverA, a + <usize>pc * aK + <usize>(ic + ir) * aR,
                     aK, aR, MR, min(MR, mc - ir), kc);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + <usize>(jr / NR) * sliverB;
          for (let ir = 0; ir < mc; ir += MR) {
            const cp = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            microKernel(kc, packA + <usize>(ir / MR) * sliverA, pb, cp, ldc, min(MR, mc - ir), nr, alpha, beta, mode);
          }
        }
      }
    }
  }
}

/**
 * Packs a w-wide, kc-deep piece of op(A) or op(B) into a k-major sliver dst[k*width + i]
 * (i < width; lanes i >= w are zero). src is element (k=0, i=0); kStride and
 * iStride are byte strides. Packing is where the four transpose cases meet: a unit iStride copies
 * vectors, a unit kStride transposes 4×4 blocks.
 */
function packSliver(dst: usize, src: usize, kStride: usize, iStride: usize, width: i32, w: i32, kc: i32): void {
  const rowBytes = <usize>width << 2;
  if (iStride == 4 && w == width) {
    for (let k = 0; k < kc; k++) {
      const s = src + <usize>k * kStride, d = dst + <usize>k * rowBytes;
      v128.store(d, v128.load(s));
      if (width == NR) v128.store(d, v128.load(s, 16), 16);
      else store<f32>(d, load<f32>(s, 16), 16); // width MR = 5
    }
  } else if (kStride == 4) {
    let i = 0;
    for (; i + 4 <= w; i += 4) {
      const s = src + <usize>i * iStride, d = dst + (<usize>i << 2);
      let kk = 0;
      for (; kk + 4 <= kc; kk += 4) {
        const r0 = v128.load(s + (<usize>kk << 2)), r1 = v128.load(s + iStride + (<usize>kk << 2));
        const r2 = v128.load(s + 2 * iStride + (<usize>kk << 2)), r3 = v128.load(s + 3 * iStride + (<usize>kk << 2));
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const q = d + <usize>kk * rowBytes;
        v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(q + rowBytes, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(q + 2 * rowBytes, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(q + 3 * rowBytes, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
      for (; kk < kc; kk++) {
        for (let j = 0; j < 4; j++) {
          store<f32>(d + <usize>kk * rowBytes + (<usize>j << 2), load<f32>(s + <usize>j * iStride + (<usize>kk << 2)));
        }
      }
    }
    for (; i < width; i++) {
      const s = src + <usize>i * iStride, d = dst + (<usize>i << 2);
      for (let kk = 0; kk < kc; kk++) store<f32>(d + <usize>kk * rowBytes, i < w ? load<f32>(s + (<usize>kk << 2)) : 0);
    }
  } else {
    for (let k = 0; k < kc; k++) {
      const s = src + <usize>k * kStride, d = dst + <usize>k * rowBytes;
      for (let i = 0; i < width; i++) store<f32>(d + (<usize>i << 2), i < w ? load<f32>(s + <usize>i * iStride) : 0);
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
 * MR×NR = 5×8 register tile: 10 f32x4 accumulators + 2 B vectors + the broadcast A value + the
 * product temporary fit V8's allocatable XMM registers on x64 (6×8 needs 16 and spills, measured
 * ~12% slower). SIMD128 has no FMA, so madd is mul then add (fused only in the opt-in relaxed build).
 */
function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: i32, mr: i32, nr: i32,
                     alpha: f32, beta: f32, mode: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    let b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(c00, av, b0); c01 = madd(c01, av, b1);
    av = v128.load32_splat(pa, 4);
    c10 = madd(c10, av, b0); c11 = madd(c11, av, b1);
    av = v128.load32_splat(pa, 8);
    c20 = madd(c20, av, b0); c21 = madd(c21, av, b1);
    av = v128.load32_splat(pa, 12);
    c30 = madd(c30, av, b0); c31 = madd(c31, av, b1);
    av = v128.load32_splat(pa, 16);
    c40 = madd(c40, av, b0); c41 = madd(c41, av, b1);
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
 * bound by the FP ports alone: the best mul/add rate the engine can reach (no FMA in SIMD128;
 * in the relaxed-SIMD build each step is one fused multiply-add).
 * The result depends on every accumulator so nothing is optimised away. FLOPs = iters * 96.
 */
export function simdPeak(iters: i32): f32 {
  const m = f32x4.splat(0.999999);
  const d = f32x4.splat(1e-7);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), c10 = f32x4.splat(11), c11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    c0 = madd(d, c0, m);
    c1 = madd(d, c1, m);
    c2 = madd(d, c2, m);
    c3 = madd(d, c3, m);
    c4 = madd(d, c4, m);
    c5 = madd(d, c5, m);
    c6 = madd(d, c6, m);
    c7 = madd(d, c7, m);
    c8 = madd(d, c8, m);
    c9 = madd(d, c9, m);
    c10 = madd(d, c10, m);
    c11 = madd(d, c11, m);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)),
                                f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
                      f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) +
         f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
