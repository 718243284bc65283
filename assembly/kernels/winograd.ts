/**
 * 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016). Each 2×2 block of outputs ("tile") is
 *   y = Aᵀ [ Σ_i (G g_i Gᵀ) ⊙ (Bᵀ d_i B) ] A
 * over input channels i, with d_i the 4×4 input patch under the tile and g_i the 3×3 filter. The
 * sum over i, done for each of the 16 positions ξ of the 4×4 transform, is a GEMM:
 *   M[ξ] (O × tiles) = U[ξ] (O × I) · V[ξ] (I × tiles)
 * which costs 16 multiplies per tile and channel pair instead of the 36 of a direct 2×2 block: 2.25×
 * fewer, less what the ragged edge tiles waste (an 11×11 output is 6×6 tiles, 144 outputs for 121).
 *
 *   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 -1 -1]
 *
 * Every value is made by a fixed sequence of float32 operations that depends on the shape alone
 * (the GEMM's k order depends on I only; a tile's column of V or M never meets another's), so the
 * results are the same whatever the thread split, the block size or the GEMM's register tile. They
 * round differently from the im2col path's (the transforms add and subtract before multiplying):
 * with float32 inputs of unit size the difference is a few ulps of the sum's size.
 *
 * Why not F(4×4, 3×3) (36 multiplies per 16 outputs, 1.8× fewer than F(2×2, 3×3) on T2's conv2):
 * its transforms multiply by up to 8 and divide by 24, and in a float32 simulation of T2's conv2
 * (32 → 64 channels, 13×13 input, against float64) its largest error was 1.8–3.4×10⁻⁶ of the largest
 * output with the usual interpolation points (0, ±1, ±2 or ±½), against 2.2×10⁻⁷ for F(2×2, 3×3)
 * and 1.5×10⁻⁷ for the direct sum: 8–16× less accurate, where PyTorch's CPU convolution is direct.
 *
 * Tiles are numbered by tile row (image n, tile row th: q = n·TH + th) and tw within it, and
 * handled in blocks of whole tile rows (BLOCK_BYTES of V and M), so that V and M stay near the core
 * between the transforms and the GEMMs. The transforms work on four tiles of a row at once (SIMD lanes); a row's last
 * group may run past its end, and those lanes are overwritten by the next row's tiles or land in
 * the padding of V's and M's rows, never in real data.
 */
import { gemm } from "./gemm";

// V and M of one block together. Bigger blocks make fewer, wider GEMMs (each call repacks U[ξ] and
// pays its edge tiles); past L2 the transforms' traffic wins. Measured on T2's conv2 forward and dX
// (bench/kernel-ab.ts, CPU time, AMD EPYC Zen 3, 512 KiB L2): 256 KiB -> 512 KiB 1.09–1.13× as fast,
// 512 KiB -> 1 MiB 1.05–1.10×, 2 MiB as 1 MiB, 4 MiB 0.84–0.89×.
const BLOCK_BYTES = 1024 * 1024;

// @ts-ignore: decorator
@inline function tilesAcross(OW: i32): i32 {
  return (OW + 1) >> 1;
}

/** Tile rows per block: as many as fit BLOCK_BYTES (at least one). */
// @ts-ignore: decorator
@inline function blockRows(I: i32, O: i32, OW: i32): i32 {
  return max(1, BLOCK_BYTES / (64 * (I + O) * tilesAcross(OW)));
}

/** Floats per row of V and M: a block's tiles plus the 4 lanes a last group may run past them. */
// @ts-ignore: decorator
@inline function rowFloats(I: i32, O: i32, OH: i32, OW: i32, N: i32): i32 {
  const TH = (OH + 1) >> 1, rows = min(blockRows(I, O, OW), max(1, N * TH));
  return (rows * tilesAcross(OW) + 4 + 3) & ~3;
}

/** Width of the zero-padded copy of 4 input rows that a tile row reads (whole groups of 4 tiles). */
// @ts-ignore: decorator
@inline function stripWidth(OW: i32): i32 {
  return 2 * ((tilesAcross(OW) + 3) & ~3) + 4;
}

/** Rows of the strip: those under all tile rows of one image. */
// @ts-ignore: decorator
@inline function stripRows(OH: i32): i32 {
  return 2 * ((OH + 1) >> 1) + 2;
}

/** Workspace of winogradConv: U [16, O, I], the strip, V [16, I, ld], M [16, O, ld]. */
export function winogradBytes(N: i32, I: i32, O: i32, OH: i32, OW: i32): usize {
  const ld = rowFloats(I, O, OH, OW, N);
  return (<usize>(16 * O * I + stripRows(OH) * stripWidth(OW)) << 2) + 16 * (planeBytes(I, ld) + planeBytes(O, ld)) + 64;
}

/**
 * Bytes from one ξ plane of V or M to the next: its rows, rounded to an odd number of 64-byte
 * lines. The transforms touch all 16 planes at once; planes a multiple of 4 KiB apart (64·48
 * floats is 3 × 4 KiB) would all fall in one set of the L1 cache and evict each other: the output
 * transform ran 4× slower so (AMD EPYC Zen 3).
 */
// @ts-ignore: decorator
@inline function planeBytes(rows: i32, ld: i32): usize {
  return ((<usize>(rows * ld) << 2) + 63 & ~<usize>63) | 64;
}

/**
 * U[ξ][o][i] = (G g Gᵀ)[ξ] for g the 3×3 filter from input channel i to output channel o, read from
 * w [O, I, 3, 3] or, with `flip`, from w [I, O, 3, 3] with taps reversed (the filters of dX, a
 * convolution of dy by the transposed, flipped kernel).
 */
export function winogradWeights(w: usize, U: usize, O: i32, I: i32, flip: bool): void {
  const plane = (<usize>O * <usize>I) << 2;
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      const g = w + ((<usize>(flip ? i * O + o : o * I + i) * 9) << 2);
      // t = G·g (4×3), then u = t·Gᵀ (4×4); g's taps read in reverse order when flipped
      let g00: f32, g01: f32, g02: f32, g10: f32, g11: f32, g12: f32, g20: f32, g21: f32, g22: f32;
      if (flip) {
        g00 = load<f32>(g, 32); g01 = load<f32>(g, 28); g02 = load<f32>(g, 24);
        g10 = load<f32>(g, 20); g11 = load<f32>(g, 16); g12 = load<f32>(g, 12);
        g20 = load<f32>(g, 8); g21 = load<f32>(g, 4); g22 = load<f32>(g, 0);
      } else {
        g00 = load<f32>(g, 0); g01 = load<f32>(g, 4); g02 = load<f32>(g, 8);
        g10 = load<f32>(g, 12); g11 = load<f32>(g, 16); g12 = load<f32>(g, 20);
        g20 = load<f32>(g, 24); g21 = load<f32>(g, 28); g22 = load<f32>(g, 32);
      }
      const t10 = ((g00 + g10) + g20) * 0.5, t11 = ((g01 + g11) + g21) * 0.5, t12 = ((g02 + g12) + g22) * 0.5;
      const t20 = ((g00 - g10) + g20) * 0.5, t21 = ((g01 - g11) + g21) * 0.5, t22 = ((g02 - g12) + g22) * 0.5;
      const dst = U + ((<usize>o * <usize>I + <usize>i) << 2);
      filterRow(dst, plane, 0, g00, g01, g02);
      filterRow(dst, plane, 4, t10, t11, t12);
      filterRow(dst, plane, 8, t20, t21, t22);
      filterRow(dst, plane, 12, g20, g21, g22);
    }
  }
}

/** Row r of u = t·Gᵀ, for t's row (a, b, c): u[ξ0 + 0..3], ξ planes `plane` bytes apart. */
// @ts-ignore: decorator
@inline function filterRow(dst: usize, plane: usize, xi0: i32, a: f32, b: f32, c: f32): void {
  const p = dst + <usize>xi0 * plane;
  store<f32>(p, a);
  store<f32>(p + plane, ((a + b) + c) * 0.5);
  store<f32>(p + 2 * plane, ((a - b) + c) * 0.5);
  store<f32>(p + 3 * plane, c);
}

// Where winogradConv and winogradWeightGrad keep their parts of the workspace ws: U (or dW's sums)
// [16, O, I] first, then the strip (a zero-padded copy of the input rows under a block's tile rows
// of one image), then V [16][I][ld] and M [16][O][ld] (dW: P), each starting on a cache line (U and
// the strip are whole vectors; ws is 16-byte aligned). Plain functions, not an object: kernels
// allocate nothing on the module's heap.
// @ts-ignore: decorator
@inline function stripAt(ws: usize, I: i32, O: i32): usize {
  return ws + ((<usize>16 * <usize>O * <usize>I) << 2);
}
// @ts-ignore: decorator
@inline function vAt(ws: usize, I: i32, O: i32, OH: i32, OW: i32): usize {
  return (stripAt(ws, I, O) + (<usize>(stripRows(OH) * stripWidth(OW)) << 2) + 63) & ~<usize>63;
}
// @ts-ignore: decorator
@inline function mAt(ws: usize, N: i32, I: i32, O: i32, OH: i32, OW: i32): usize {
  return vAt(ws, I, O, OH, OW) + 16 * planeBytes(I, rowFloats(I, O, OH, OW, N));
}

/**
 * y[n, o] (overwritten) for images [nLo, nHi) of x [N, I, H, W]: the 3×3 stride-1 convolution with
 * the filters transformed into U (winogradWeights, at ws), zero padding padTop/padLeft (0..2), output
 * OH × OW, plus bias[o] (0 = none), then ReLU when `relu` (the relu kernel's rule, as the im2col
 * path's epilogue). ws: winogradBytes(N, I, O, OH, OW), U first.
 */
export function winogradConv(x: usize, bias: usize, y: usize, ws: usize, N: i32, nLo: i32, nHi: i32,
                             I: i32, H: i32, W: i32, O: i32, padTop: i32, padLeft: i32, OH: i32, OW: i32,
                             relu: bool): void {
  const TH = (OH + 1) >> 1, TW = tilesAcross(OW), ld = rowFloats(I, O, OH, OW, N), R = blockRows(I, O, OW);
  const V = vAt(ws, I, O, OH, OW), M = mAt(ws, N, I, O, OH, OW), vPlane = planeBytes(I, ld), mPlane = planeBytes(O, ld);
  const qEnd = nHi * TH;
  for (let q0 = nLo * TH; q0 < qEnd; q0 += R) {
    const q1 = min(qEnd, q0 + R), tiles = (q1 - q0) * TW;
    transformInputs(x, stripAt(ws, I, O), V, ld, vPlane, q0, q1, I, H, W, padTop, padLeft, OH, OW);
    for (let xi = 0; xi < 16; xi++) {
      const m = M + <usize>xi * mPlane;
      gemm(0, 0, O, tiles, I, 1, ws + <usize>xi * ((<usize>O * <usize>I) << 2), I, V + <usize>xi * vPlane, ld, 0, m, ld);
      // the output transform's last group reads up to 3 columns past the block's tiles, which the
      // GEMM does not write: zeros there, not whatever the workspace held (a denormal would slow
      // the sums that are then dropped)
      for (let o = 0; o < O; o++) v128.store(m + ((<usize>o * <usize>ld + <usize>tiles) << 2), f32x4.splat(0));
    }
    for (let o = 0; o < O; o++) {
      const b: f32 = bias ? load<f32>(bias + (<usize>o << 2)) : 0;
      for (let q = q0; q < q1; q++) {
        const n = q / TH, th = q - n * TH;
        const yRow = y + ((<usize>(n * O + o) * <usize>(OH * OW) + <usize>(2 * th * OW)) << 2);
        outputTransform(M + <usize>o * (<usize>ld << 2) + (<usize>((q - q0) * TW) << 2), mPlane, TW, yRow, OW,
                        2 * th + 1 < OH, b, relu);
      }
    }
  }
}

/** V[ξ][i][(q - q0)·TW + tw] for tile rows [q0, q1) of every input channel i. */
function transformInputs(x: usize, strip: usize, V: usize, ld: i32, vPlane: usize, q0: i32, q1: i32, I: i32,
                         H: i32, W: i32, padTop: i32, padLeft: i32, OH: i32, OW: i32): void {
  const TH = (OH + 1) >> 1, TW = tilesAcross(OW), width = stripWidth(OW), rowBytes = <usize>width << 2;
  for (let i = 0; i < I; i++) {
    const vRow = V + <usize>i * (<usize>ld << 2);
    // the block's tile rows of each image: the input rows under them copied once, then transformed
    for (let q = q0; q < q1;) {
      const n = q / TH, th0 = q - n * TH, th1 = min(TH, th0 + q1 - q);
      loadRows(x + ((<usize>(n * I + i) * <usize>(H * W)) << 2), strip, H, W, 2 * th0 - padTop, 2 * (th1 - th0) + 2,
               padLeft, width);
      for (let th = th0; th < th1; th++) {
        inputTransform(strip + <usize>(2 * (th - th0)) * rowBytes, rowBytes, TW,
                       vRow + (<usize>((q + th - th0 - q0) * TW) << 2), vPlane);
      }
      q += th1 - th0;
    }
  }
}

/**
 * dw [O, I, 3, 3] rows [oLo, oHi) (overwritten): the weight gradient of the convolution winogradConv
 * computes, by the dual algorithm F(3×3, 2×2), whose transforms are F(2×2, 3×3)'s with roles swapped:
 *   dw[o, i] = Gᵀ [ Σ_(n, tiles) (A dy_t Aᵀ) ⊙ (Bᵀ d_t B) ] G
 * with dy_t the 2×2 block of dy[n, o] at the tile (zeros past OH × OW) and d_t the same input patch
 * as the forward pass's. The sum is a GEMM per ξ over the tiles (K = a block's tiles, blocks summed in
 * order): the same for any split of [0, O). ws: winogradBytes(N, I, O, OH, OW); its first 16·O·I
 * floats hold the sums.
 */
export function winogradWeightGrad(x: usize, dy: usize, dw: usize, ws: usize, N: i32, I: i32, H: i32, W: i32, O: i32,
                                   padTop: i32, padLeft: i32, OH: i32, OW: i32, oLo: i32, oHi: i32): void {
  if (oHi <= oLo) return;
  const TH = (OH + 1) >> 1, TW = tilesAcross(OW), ld = rowFloats(I, O, OH, OW, N), R = blockRows(I, O, OW);
  const strip = stripAt(ws, I, O), V = vAt(ws, I, O, OH, OW), P = mAt(ws, N, I, O, OH, OW);
  const vPlane = planeBytes(I, ld), pPlane = planeBytes(O, ld), sums = ws, sumPlane = (<usize>O * <usize>I) << 2;
  const width = stripWidth(OW), rowBytes = <usize>width << 2, qEnd = N * TH;
  for (let q0 = 0; q0 < qEnd; q0 += R) {
    const q1 = min(qEnd, q0 + R), tiles = (q1 - q0) * TW;
    transformInputs(x, strip, V, ld, vPlane, q0, q1, I, H, W, padTop, padLeft, OH, OW);
    // P[ξ][o][t] = (A dy_t Aᵀ)[ξ], in M's place
    for (let o = oLo; o < oHi; o++) {
      const pRow = P + <usize>o * (<usize>ld << 2);
      for (let q = q0; q < q1;) {
        const n = q / TH, th0 = q - n * TH, th1 = min(TH, th0 + q1 - q);
        loadRows(dy + ((<usize>(n * O + o) * <usize>(OH * OW)) << 2), strip, OH, OW, 2 * th0, 2 * (th1 - th0), 0, width);
        for (let th = th0; th < th1; th++) {
          gradTransform(strip + <usize>(2 * (th - th0)) * rowBytes, rowBytes, TW,
                        pRow + (<usize>((q + th - th0 - q0) * TW) << 2), pPlane);
        }
        q += th1 - th0;
      }
    }
    for (let xi = 0; xi < 16; xi++) {
      gemm(0, 1, oHi - oLo, I, tiles, 1, P + <usize>xi * pPlane + ((<usize>oLo * <usize>ld) << 2), ld,
           V + <usize>xi * vPlane, ld, q0 == 0 ? 0 : 1, sums + <usize>xi * sumPlane + ((<usize>oLo * <usize>I) << 2), I);
    }
  }
  // dw[o, i] = Gᵀ m G: row k of dw combines, by row k of Gᵀ, the four values of row k of s = Gᵀ m,
  // each of which combines a column of m the same way
  for (let o = oLo; o < oHi; o++) {
    for (let i = 0; i < I; i++) {
      const m = sums + ((<usize>o * <usize>I + <usize>i) << 2), g = dw + ((<usize>(o * I + i) * 9) << 2);
      for (let k = 0; k < 3; k++) {
        let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
        if (qEnd > 0) {
          s0 = gtColumn(m, sumPlane, k, 0); s1 = gtColumn(m, sumPlane, k, 1);
          s2 = gtColumn(m, sumPlane, k, 2); s3 = gtColumn(m, sumPlane, k, 3);
        }
        const row = g + (<usize>(3 * k) << 2);
        store<f32>(row, gtRow(0, s0, s1, s2, s3));
        store<f32>(row, gtRow(1, s0, s1, s2, s3), 4);
        store<f32>(row, gtRow(2, s0, s1, s2, s3), 8);
      }
    }
  }
}

/** Row k of Gᵀ = [1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1] applied to (a, b, c, d). */
// @ts-ignore: decorator
@inline function gtRow(k: i32, a: f32, b: f32, c: f32, d: f32): f32 {
  return k == 0 ? a + (b + c) * 0.5 : k == 1 ? (b - c) * 0.5 : (b + c) * 0.5 + d;
}

/** Row k of Gᵀ applied to column j of the 4×4 sums at m (ξ = 4r + j planes `plane` bytes apart). */
// @ts-ignore: decorator
@inline function gtColumn(m: usize, plane: usize, k: i32, j: i32): f32 {
  const c = m + <usize>j * plane;
  return gtRow(k, load<f32>(c), load<f32>(c + 4 * plane), load<f32>(c + 8 * plane), load<f32>(c + 12 * plane));
}

/**
 * P[ξ][t] = (A dy_t Aᵀ)[ξ] for the TW tiles of one tile row (dy_t: strip rows 0..1, columns 2t..2t+1),
 * four tiles at a time; ξ planes pPlane bytes apart. A = [1 0; 1 1; 1 -1; 0 -1].
 */
function gradTransform(strip: usize, rowBytes: usize, TW: i32, p: usize, pPlane: usize): void {
  for (let t = 0; t < TW; t += 4) {
    const s = strip + (<usize>(2 * t) << 2);
    let a = v128.load(s), b = v128.load(s, 16);
    const u0 = evens(a, b), u1 = odds(a, b);
    a = v128.load(s + rowBytes); b = v128.load(s + rowBytes, 16);
    const v0 = evens(a, b), v1 = odds(a, b);
    // rows: r = A·dy (r0 = u, r1 = u + v, r2 = u - v, r3 = -v), then columns of each: (c0, c0 + c1, c0 - c1, -c1)
    const r10 = f32x4.add(u0, v0), r11 = f32x4.add(u1, v1), r20 = f32x4.sub(u0, v0), r21 = f32x4.sub(u1, v1);
    const q = p + (<usize>t << 2);
    gradRow(q, pPlane, 0, u0, u1);
    gradRow(q, pPlane, 4, r10, r11);
    gradRow(q, pPlane, 8, r20, r21);
    gradRow(q, pPlane, 12, f32x4.neg(v0), f32x4.neg(v1));
  }
}

// @ts-ignore: decorator
@inline function gradRow(q: usize, pPlane: usize, xi0: i32, c0: v128, c1: v128): void {
  const p = q + <usize>xi0 * pPlane;
  v128.store(p, c0);
  v128.store(p + pPlane, f32x4.add(c0, c1));
  v128.store(p + 2 * pPlane, f32x4.sub(c0, c1));
  v128.store(p + 3 * pPlane, f32x4.neg(c1));
}

/**
 * strip[r, s] = plane[ih0 + r, s - padLeft] for r < rows, zero outside the plane (s < width, a
 * multiple of 4): rows are zeroed in whole vectors, then the plane's part copied over them.
 */
function loadRows(plane: usize, strip: usize, H: i32, W: i32, ih0: i32, rows: i32, padLeft: i32, width: i32): void {
  const lo = min(width, padLeft), hi = min(width, padLeft + W), n = hi - lo;
  for (let r = 0; r < rows; r++) {
    const dst = strip + (<usize>(r * width) << 2), ih = ih0 + r;
    for (let s = 0; s < width; s += 4) v128.store(dst + (<usize>s << 2), f32x4.splat(0));
    if (ih < 0 || ih >= H) continue;
    const d = dst + (<usize>lo << 2), src = plane + (<usize>(ih * W) << 2);
    if (n >= 4) {
      // whole vectors, the last one overlapping the one before
      let s = 0;
      for (; s + 4 < n; s += 4) v128.store(d + (<usize>s << 2), v128.load(src + (<usize>s << 2)));
      v128.store(d + (<usize>(n - 4) << 2), v128.load(src + (<usize>(n - 4) << 2)));
    } else {
      for (let s = 0; s < n; s++) store<f32>(d + (<usize>s << 2), load<f32>(src + (<usize>s << 2)));
    }
  }
}

/** Columns 2k + j of 4-row strip row r for tiles k = 0..3 of a group: lanes are tiles. */
// @ts-ignore: decorator
@inline function evens(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 0, 2, 4, 6);
}
// @ts-ignore: decorator
@inline function odds(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 1, 3, 5, 7);
}

/**
 * V[ξ][t] = (Bᵀ d_t B)[ξ] for the TW tiles of one tile row (d_t: strip columns 2t..2t+3), groups of
 * four tiles at a time; ξ planes vPlane bytes apart.
 */
function inputTransform(strip: usize, rowBytes: usize, TW: i32, v: usize, vPlane: usize): void {
  for (let t = 0; t < TW; t += 4) {
    const s = strip + (<usize>(2 * t) << 2);
    // e[r][j]: row r of d·B (columns combined), four tiles per vector
    let a = v128.load(s), b = v128.load(s, 16), c = v128.load(s, 8), d = v128.load(s, 24);
    let d0 = evens(a, b), d1 = odds(a, b), d2 = evens(c, d), d3 = odds(c, d);
    const e00 = f32x4.sub(d0, d2), e01 = f32x4.add(d1, d2), e02 = f32x4.sub(d2, d1), e03 = f32x4.sub(d1, d3);
    a = v128.load(s + rowBytes); b = v128.load(s + rowBytes, 16); c = v128.load(s + rowBytes, 8); d = v128.load(s + rowBytes, 24);
    d0 = evens(a, b); d1 = odds(a, b); d2 = evens(c, d); d3 = odds(c, d);
    const e10 = f32x4.sub(d0, d2), e11 = f32x4.add(d1, d2), e12 = f32x4.sub(d2, d1), e13 = f32x4.sub(d1, d3);
    a = v128.load(s + 2 * rowBytes); b = v128.load(s + 2 * rowBytes, 16); c = v128.load(s + 2 * rowBytes, 8); d = v128.load(s + 2 * rowBytes, 24);
    d0 = evens(a, b); d1 = odds(a, b); d2 = evens(c, d); d3 = odds(c, d);
    const e20 = f32x4.sub(d0, d2), e21 = f32x4.add(d1, d2), e22 = f32x4.sub(d2, d1), e23 = f32x4.sub(d1, d3);
    a = v128.load(s + 3 * rowBytes); b = v128.load(s + 3 * rowBytes, 16); c = v128.load(s + 3 * rowBytes, 8); d = v128.load(s + 3 * rowBytes, 24);
    d0 = evens(a, b); d1 = odds(a, b); d2 = evens(c, d); d3 = odds(c, d);
    const e30 = f32x4.sub(d0, d2), e31 = f32x4.add(d1, d2), e32 = f32x4.sub(d2, d1), e33 = f32x4.sub(d1, d3);
    // rows combined: Bᵀ·e
    const p = v + (<usize>t << 2);
    v128.store(p, f32x4.sub(e00, e20));
    v128.store(p + vPlane, f32x4.sub(e01, e21));
    v128.store(p + 2 * vPlane, f32x4.sub(e02, e22));
    v128.store(p + 3 * vPlane, f32x4.sub(e03, e23));
    v128.store(p + 4 * vPlane, f32x4.add(e10, e20));
    v128.store(p + 5 * vPlane, f32x4.add(e11, e21));
    v128.store(p + 6 * vPlane, f32x4.add(e12, e22));
    v128.store(p + 7 * vPlane, f32x4.add(e13, e23));
    v128.store(p + 8 * vPlane, f32x4.sub(e20, e10));
    v128.store(p + 9 * vPlane, f32x4.sub(e21, e11));
    v128.store(p + 10 * vPlane, f32x4.sub(e22, e12));
    v128.store(p + 11 * vPlane, f32x4.sub(e23, e13));
    v128.store(p + 12 * vPlane, f32x4.sub(e10, e30));
    v128.store(p + 13 * vPlane, f32x4.sub(e11, e31));
    v128.store(p + 14 * vPlane, f32x4.sub(e12, e32));
    v128.store(p + 15 * vPlane, f32x4.sub(e13, e33));
  }
}

/**
 * Output rows 2th and (if `second`) 2th+1 of one output plane from M[ξ][t] of one tile row:
 * Aᵀ m A + b, ReLU if `relu`; columns past OW are not written.
 */
function outputTransform(m: usize, mPlane: usize, TW: i32, yRow: usize, OW: i32, second: bool, b: f32, relu: bool): void {
  const bv = f32x4.splat(b), zero = f32x4.splat(0), rowBytes = <usize>OW << 2;
  for (let t = 0; t < TW; t += 4) {
    const p = m + (<usize>t << 2);
    // s[i][j]: row i of m·A (columns combined)
    let m0 = v128.load(p), m1 = v128.load(p + mPlane), m2 = v128.load(p + 2 * mPlane), m3 = v128.load(p + 3 * mPlane);
    const s00 = f32x4.add(f32x4.add(m0, m1), m2), s01 = f32x4.sub(f32x4.sub(m1, m2), m3);
    m0 = v128.load(p + 4 * mPlane); m1 = v128.load(p + 5 * mPlane); m2 = v128.load(p + 6 * mPlane); m3 = v128.load(p + 7 * mPlane);
    const s10 = f32x4.add(f32x4.add(m0, m1), m2), s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
    m0 = v128.load(p + 8 * mPlane); m1 = v128.load(p + 9 * mPlane); m2 = v128.load(p + 10 * mPlane); m3 = v128.load(p + 11 * mPlane);
    const s20 = f32x4.add(f32x4.add(m0, m1), m2), s21 = f32x4.sub(f32x4.sub(m1, m2), m3);
    m0 = v128.load(p + 12 * mPlane); m1 = v128.load(p + 13 * mPlane); m2 = v128.load(p + 14 * mPlane); m3 = v128.load(p + 15 * mPlane);
    const s30 = f32x4.add(f32x4.add(m0, m1), m2), s31 = f32x4.sub(f32x4.sub(m1, m2), m3);
    // rows combined: Aᵀ·s, then bias and ReLU
    let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s10), s20), bv), y01 = f32x4.add(f32x4.add(f32x4.add(s01, s11), s21), bv);
    let y10 = f32x4.add(f32x4.sub(f32x4.sub(s10, s20), s30), bv), y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s21), s31), bv);
    if (relu) {
      y00 = v128.and(y00, f32x4.gt(y00, zero)); y01 = v128.and(y01, f32x4.gt(y01, zero));
      y10 = v128.and(y10, f32x4.gt(y10, zero)); y11 = v128.and(y11, f32x4.gt(y11, zero));
    }
    // tiles side by side: output columns 2t .. 2t+7 interleave the j = 0 and j = 1 results
    const col = 2 * t, q = yRow + (<usize>col << 2);
    storeRow(q, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7), OW - col);
    if (second) storeRow(q + rowBytes, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), v128.shuffle<f32>(y10, y11, 2, 6, 3, 7), OW - col);
  }
}

/** Stores the first min(8, n) of the 8 floats (lo, hi) at p. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  if (n >= 4) {
    v128.store(p, lo);
    if (n > 4) store<f32>(p, f32x4.extract_lane(hi, 0), 16);
    if (n > 5) store<f32>(p, f32x4.extract_lane(hi, 1), 20);
    if (n > 6) store<f32>(p, f32x4.extract_lane(hi, 2), 24);
    return;
  }
  store<f32>(p, f32x4.extract_lane(lo, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(lo, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(lo, 2), 8);
}
