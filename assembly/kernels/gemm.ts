/**
 * GEMM: C = alpha * op(A) · op(B) + beta * C, f32, row-major with leading dimensions.
 * op(A) is M×K (stored K×M when transA != 0), op(B) is K×N (stored N×K when transB != 0).
 * beta == 0 overwrites C without reading it. Each C element is reduced over k in a fixed
 * order that depends only on the shape, so results are bit-identical run to run.
 */

import { madd } from "./simd";
import { TILE_COUNT, TILE_MAX_FLOATS, tileRows, tileCols, runTile } from "./gemm_tiles";

// Cache blocking (BLIS order): a KC×NC panel of op(B) is packed once per (jc, pc) and stays in
// L2/L3, an MC×KC block of op(A) is packed per ic and stays in L2, and the register tile streams an
// MR×KC sliver of A against a KC×NR sliver of B (8 KiB at KC = 256, NR = 8, resident in L1).
// Packing absorbs the transposes and zero-pads edge slivers, so edge tiles run the same kernel.
// KC alone fixes the summation order (see gemm), so it is the same for every tile; MC and NC are
// multiples of every tile's MR and NR.
const KC = 256;
const MC = 120; // multiple of 2, 4, 5, 6 and 8
const NC = 1024; // multiple of 8 and 16

// The register tile in use (gemm_tiles.ts), chosen at run time by gemmSetTile: which shape is
// fastest depends on the CPU and the engine, and all of them give the same bits. (Literal
// initial values: the module's start function is never run, so globals must be constants.)
let tile: i32 = 1;
let MR: i32 = 4;
let NR: i32 = 8;

/** Selects register tile `id` (0 <= id < gemmTileCount()) for this instance; false if there is none. */
export function gemmSetTile(id: i32): bool {
  if (id < 0 || id >= TILE_COUNT) return false;
  tile = id;
  MR = tileRows(id);
  NR = tileCols(id);
  return true;
}

/** The register tile in use. */
export function gemmTile(): i32 {
  return tile;
}

export function gemmTileCount(): i32 {
  return TILE_COUNT;
}

/** Rows (MR) of tile `id`: the granularity in which threads split C by rows. */
export function gemmTileRows(id: i32): i32 {
  return id >= 0 && id < TILE_COUNT ? tileRows(id) : 0;
}

/** Columns (NR) of tile `id`: the granularity in which threads split C by columns. */
export function gemmTileCols(id: i32): i32 {
  return id >= 0 && id < TILE_COUNT ? tileCols(id) : 0;
}

// Packing buffers. Globals are per instance, so each worker thread's instance points these at a
// block of its own (gemmSetScratch); the main thread's instance keeps the static ones.
const PACK_A_BYTES: usize = MC * KC * 4;
const PACK_B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = TILE_MAX_FLOATS * 4;
let packA: usize = memory.data(<i32>PACK_A_BYTES, 64);
let packB: usize = memory.data(<i32>PACK_B_BYTES, 64);
// a register tile's sums land here before they meet C (the same path for full and edge tiles)
let tileOut: usize = memory.data(<i32>TILE_BYTES, 64);

/** Bytes of scratch one thread's GEMM needs (64-byte aligned block for gemmSetScratch). */
export function gemmScratchBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** Points this instance's packing buffers at `scratch` (gemmScratchBytes(), 64-byte aligned). */
export function gemmSetScratch(scratch: usize): void {
  packA = scratch;
  packB = scratch + PACK_A_BYTES;
  tileOut = packB + PACK_B_BYTES;
}

/**
 * Timing probe for choosing a tile: runs tile `id` `reps` times over a kc-deep sliver pair held in
 * this instance's packing buffers (L1-resident for kc <= 256). FLOPs = reps * 2 * kc * MR * NR.
 * The slivers hold small normal numbers (no denormals, which would time a microcode assist).
 */
export function gemmTileProbe(id: i32, kc: i32, reps: i32): f32 {
  if (id < 0 || id >= TILE_COUNT || kc <= 0 || kc > KC) return 0;
  const rows = tileRows(id), cols = tileCols(id);
  for (let i = 0; i < kc * rows; i++) store<f32>(packA + (<usize>i << 2), 0.5 + <f32>(i & 7) * 0.0625);
  for (let i = 0; i < kc * cols; i++) store<f32>(packB + (<usize>i << 2), 0.25 - <f32>(i & 3) * 0.03125);
  for (let r = 0; r < reps; r++) runTile(id, kc, packA, packB, tileOut);
  return load<f32>(tileOut);
}

/**
 * Sign bit of the NaN that a - b gives for a = b = +inf: 1 on x86 (its default NaN is negative),
 * 0 on ARM and most others. XNNPACK tells host families apart the same way; gemm tile choice
 * uses it as a prior (bindings/gemm-tile.ts). The operands are parameters, so nothing folds it.
 */
export function hostNanSign(a: f32, b: f32): i32 {
  return reinterpret<i32>(a - b) >>> 31;
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
  const mr0 = MR, nr0 = NR, id = tile;
  // byte strides of op(A) along k and along its rows, of op(B) along k and along its columns
  const aK: usize = transA ? <usize>lda << 2 : 4, aR: usize = transA ? 4 : <usize>lda << 2;
  const bK: usize = transB ? 4 : <usize>ldb << 2, bC: usize = transB ? <usize>ldb << 2 : 4;
  // K is cut into equal blocks (288 -> 144+144, not 256+32): a short last block would pay the
  // C read-modify-write of a full block for little work. K blocks are summed into C in
  // increasing order, so each element's reduction order depends only on K, never on M/N splits
  // or on the tile.
  const kBlocks = (K + KC - 1) / KC;
  const kStep = (K + kBlocks - 1) / kBlocks;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kStep) {
      const kc = min(kStep, K - pc);
      const sliverB = (<usize>kc * nr0) << 2, sliverA = (<usize>kc * mr0) << 2;
      for (let jr = 0; jr < nc; jr += nr0) {
        packSliver(packB + <usize>(jr / nr0) * sliverB, b + <usize>pc * bK + <usize>(jc + jr) * bC,
                   bK, bC, nr0, min(nr0, nc - jr), kc);
      }
      const mode = pc == 0 ? firstMode : ACCUMULATE;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        for (let ir = 0; ir < mc; ir += mr0) {
          packSliver(packA + <usize>(ir / mr0) * sliverA, a + <usize>pc * aK + <usize>(ic + ir) * aR,
                     aK, aR, mr0, min(mr0, mc - ir), kc);
        }
        for (let jr = 0; jr < nc; jr += nr0) {
          const nr = min(nr0, nc - jr);
          const pb = packB + <usize>(jr / nr0) * sliverB;
          for (let ir = 0; ir < mc; ir += mr0) {
            const cp = c + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            runTile(id, kc, packA + <usize>(ir / mr0) * sliverA, pb, tileOut);
            writeTile(cp, ldc, min(mr0, mc - ir), nr, nr0, alpha, beta, mode);
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
    if (width == 8) {
      for (let k = 0; k < kc; k++) {
        const s = src + <usize>k * kStride, d = dst + <usize>k * rowBytes;
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else {
      const vecs = width & ~3;
      for (let k = 0; k < kc; k++) {
        const s = src + <usize>k * kStride, d = dst + <usize>k * rowBytes;
        let i = 0;
        for (; i < vecs; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
        for (; i < width; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
      }
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

/**
 * The tile's sums (tileOut, row stride NR floats) meet C: the mr×nr valid corner becomes
 * alpha·sum, C + alpha·sum or beta·C + alpha·sum. Vector and scalar lanes round alike, so an edge
 * tile gives the same bits as a full one.
 */
function writeTile(c: usize, ldc: i32, mr: i32, nr: i32, NR: i32, alpha: f32, beta: f32, mode: i32): void {
  // full 8-wide rows (most tiles on every host): two vectors a row, no loop bounds to test
  if (nr == 8 && NR == 8) {
    if (mode == OVERWRITE) writeRows8(c, ldc, mr, alpha, beta, OVERWRITE);
    else if (mode == ACCUMULATE) writeRows8(c, ldc, mr, alpha, beta, ACCUMULATE);
    else writeRows8(c, ldc, mr, alpha, beta, SCALE);
    return;
  }
  if (mode == OVERWRITE) writeRows(c, ldc, mr, nr, NR, alpha, beta, OVERWRITE);
  else if (mode == ACCUMULATE) writeRows(c, ldc, mr, nr, NR, alpha, beta, ACCUMULATE);
  else writeRows(c, ldc, mr, nr, NR, alpha, beta, SCALE);
}

// writeRows with the 8s spelled out: writeRows(…, 8, 8, …) with constant bounds still keeps its
// row loop and ran conv dX 0.95× as fast as this (kernel-ab, Zen 3)
// @ts-ignore: decorator
@inline function writeRows8(c: usize, ldc: i32, mr: i32, alpha: f32, beta: f32, mode: i32): void {
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta), ldcBytes = <usize>ldc << 2;
  let src = tileOut, dst = c;
  for (let r = 0; r < mr; r++) {
    let v0 = f32x4.mul(v128.load(src), va), v1 = f32x4.mul(v128.load(src, 16), va);
    if (mode == ACCUMULATE) {
      v0 = f32x4.add(v128.load(dst), v0);
      v1 = f32x4.add(v128.load(dst, 16), v1);
    } else if (mode == SCALE) {
      v0 = f32x4.add(f32x4.mul(v128.load(dst), vb), v0);
      v1 = f32x4.add(f32x4.mul(v128.load(dst, 16), vb), v1);
    }
    v128.store(dst, v0);
    v128.store(dst, v1, 16);
    src += 32;
    dst += ldcBytes;
  }
}

// @ts-ignore: decorator
@inline function writeRows(c: usize, ldc: i32, mr: i32, nr: i32, NR: i32, alpha: f32, beta: f32, mode: i32): void {
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  for (let r = 0; r < mr; r++) {
    const src = tileOut + ((<usize>r * <usize>NR) << 2), dst = c + ((<usize>r * <usize>ldc) << 2);
    let j = 0;
    for (; j + 4 <= nr; j += 4) {
      const p = dst + (<usize>j << 2);
      let v = f32x4.mul(v128.load(src + (<usize>j << 2)), va);
      if (mode == ACCUMULATE) v = f32x4.add(v128.load(p), v);
      else if (mode == SCALE) v = f32x4.add(f32x4.mul(v128.load(p), vb), v);
      v128.store(p, v);
    }
    for (; j < nr; j++) {
      const p = dst + (<usize>j << 2);
      let t = load<f32>(src + (<usize>j << 2)) * alpha;
      if (mode == ACCUMULATE) t = load<f32>(p) + t;
      else if (mode == SCALE) t = load<f32>(p) * beta + t;
      store<f32>(p, t);
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
