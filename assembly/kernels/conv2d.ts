/**
 * conv2d (groups = 1), NCHW: x [N,C,H,W], w [OC,C,KH,KW], bias [OC] (0 = none), y [N,OC,OH,OW].
 * padTop/padLeft are explicit; bottom/right padding is implied by OH/OW. Out-of-range reads are 0.
 * Every pass lowers a batch of nb images (imagesPerGemm) to one im2col matrix
 * col [C*KH*KW, nb*OH*OW] in the caller's workspace `ws` (conv2dWorkspaceBytes), image j in
 * columns [j*OH*OW, (j+1)*OH*OW), and runs one GEMM on it:
 *   forward  y[batch]  = w · col(x[batch])            (+ bias, then ReLU when act = Epilogue.RELU)
 *   dX       dx[batch] = col2im(wᵀ · dy[batch])
 *   dW       dw        = Σ_batch dy[batch] · col(x[batch])ᵀ   (batches summed in order)
 * nb depends only on the shape, so every reduction order does too. 3×3 stride-1 layers with at
 * least 16 channels each way run by Winograd's F(2×2, 3×3) instead (winograd.ts: forward, dX and
 * dW); other layers with few taps or few output channels take a direct path (forward and dW; dX
 * too when few input channels make dX a convolution with few outputs): see "Direct path" below.
 * conv2dPath says which, from the shape alone.
 * All gradients are overwritten, never accumulated into.
 * A ReLU that follows the convolution is fused into the pass that adds the bias (act =
 * Epilogue.RELU): the values are those of a separate relu() pass, bit for bit, without another trip
 * over y. Its gradient meets the bias gradient in one pass too (reluBackwardBias).
 *
 * Threads: each entry point takes (part, parts) and computes only its share, into disjoint
 * outputs, each with its own workspace: forward and dX a range of images, dW a range of
 * weight columns (c, kh, kw) or, on the direct path, of output channels. Each output element is
 * still reduced in the same order as with one part, so results do not depend on `parts`.
 */
import { gemm } from "./gemm";
import { madd } from "./simd";
import { winogradBytes, winogradConv, winogradWeightGrad, winogradWeights } from "./winograd";
import { Epilogue } from "../abi";

// A conv layer's per-image GEMM is narrow (13×13 outputs -> N = 121): edge tiles, per-call packing
// of w and the C read-modify-write per K block dominate. Batching images until the GEMM is about
// this many columns wide gets it to big-GEMM speed; much wider and the col matrix (C·KH·KW rows)
// no longer stays in L2 between im2col writing it and the GEMM packing it, nor dX's col between
// the GEMM and col2im. Measured on an AMD EPYC (Zen 3), CPU time, T2's conv2 (288 × 3·121 col,
// 418 KB): 256 columns ran forward, dX and dW 1.05–1.20× as fast as 1024 (bench/kernel-ab.ts).
const BATCH_COLS = 256;

/** Start of part `part` of [0, total) cut in `parts` pieces, each a multiple of `align` but the last. */
function partStart(total: i32, part: i32, parts: i32, align: i32): i32 {
  const per = ((total + parts - 1) / parts + align - 1) / align * align;
  return min(total, part * per);
}

// With few output channels the forward GEMM (M = OC) is short: its 5-row tiles waste rows (16 ->
// 20) and each packed col panel serves only OC rows. Below this, forward computes the transposed
// product yᵀ = colᵀ·wᵀ instead, which has the long side as M and the very same sums in the very
// same order (so the same bits).
const SMALL_OC = 40;

/** Images per GEMM; a function of the shape alone (it fixes dW's summation order). */
function imagesPerGemm(N: i32, OHW: i32): i32 {
  if (OHW <= 0) return 1;
  return max(1, min(N, (BATCH_COLS + OHW - 1) / OHW));
}

export function conv2dWorkspaceBytes(N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, OH: i32, OW: i32): usize {
  const OHW = OH * OW, nb = imagesPerGemm(N, OHW);
  // col, plus an [OC, nb*OHW] staging matrix for y / dy, whose images are OC planes apart
  const viaGemm = (<usize>C * <usize>KH * <usize>KW + <usize>OC) * <usize>nb * <usize>OHW * 4;
  // the direct path may serve forward and dW (shape tests below need stride/dilation too, which
  // this size does not know: it covers the direct paths whenever the channel counts allow them)
  const direct = C * KH * KW <= DIRECT_TAPS || (OC < SMALL_OC && C * KH * KW <= DIRECT_FEW_OUTPUTS_TAPS);
  // ... and dX, as a direct forward with the channel counts swapped, after its flipped weights
  const directDx = useDirectInput(C, H, W, OC, KH, KW, 1, 1, 0, 0, 1, 1, OH, OW);
  // Winograd, forward (C -> OC on the OH×OW grid) and dX (OC -> C on H×W); shape tests as for direct
  const wino = KH == 3 && KW == 3 && winogradChannels(C, OC)
    ? max(winogradBytes(N, C, OC, OH, OW), winogradBytes(N, OC, C, H, W)) : 0;
  return max(max(max(viaGemm, direct ? directEnd(0, C, KH, KW, OC, OH, OW) : 0),
                 directDx ? flippedBytes(C, OC, KH, KW) + directEnd(0, OC, KH, KW, C, H, W) : 0), wino);
}

/** The algorithm a pass runs by (conv2dPath): the im2col GEMM, the direct tiles, or Winograd. */
const enum ConvPath { GEMM = 0, DIRECT = 1, WINOGRAD = 2 }

/**
 * Which algorithm pass `pass` (0 forward, 1 dX, 2 dW) of this convolution runs by (ConvPath): a
 * function of the shape alone, never of the host, the GEMM tile or the thread count, so every
 * host computes the same bits. The kernels below dispatch on it; tests read it.
 */
export function conv2dPath(pass: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                           padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): i32 {
  if (pass == 1) {
    // dX: the stride-1 convolution of dy padded by K-1-pad (see conv2dBackwardInput)
    if (useWinograd(OC, C, KH, KW, strideH, strideW, KH - 1 - padTop, KW - 1 - padLeft, dilH, dilW, H, W)) return ConvPath.WINOGRAD;
    return useDirectInput(C, H, W, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW) ? ConvPath.DIRECT : ConvPath.GEMM;
  }
  if (useWinograd(C, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW)) return ConvPath.WINOGRAD;
  const direct = pass == 0 ? useDirectFewOutputs(C, KH, KW, OC, strideH, strideW, dilH, dilW, OH, OW)
    : useDirectWeight(C, KH, KW, OC, strideH, strideW, dilH, dilW, OH, OW);
  return direct ? ConvPath.DIRECT : ConvPath.GEMM;
}

/** Output columns [owLo, owHi) whose input column ow*strideW + off lies inside [0, W). */
// @ts-ignore: decorator
@inline function validLo(off: i32, strideW: i32): i32 {
  return off >= 0 ? 0 : (-off + strideW - 1) / strideW;
}
// @ts-ignore: decorator
@inline function validHi(off: i32, strideW: i32, W: i32, OW: i32): i32 {
  return off >= W ? 0 : min(OW, (W - 1 - off) / strideW + 1);
}

/**
 * col[(c*KH+kh)*KW+kw, oh*OW+ow] = x[c, oh*sH - pT + kh*dH, ow*sW - pL + kw*dW] (0 outside).
 * Each col row splits into a zero head, an in-range middle and a zero tail, so the copy loop
 * carries no bounds test (see colRows).
 */
function im2col(x: usize, col: usize, ldcol: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, rowLo: i32, rowHi: i32): void {
  colRows(x, col, ldcol, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, true, rowLo, rowHi);
}

/** Images n0..n0+m-1 of x side by side in one col [rowHi-rowLo, m*OH*OW]: col rows [rowLo, rowHi) only. */
function im2colBatch(x: usize, col: usize, n0: i32, m: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32,
                     strideH: i32, strideW: i32, padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32,
                     rowLo: i32, rowHi: i32): void {
  const xStride = (<usize>C * <usize>H * <usize>W) << 2, planeBytes = <usize>(OH * OW) << 2;
  for (let j = 0; j < m; j++) {
    im2col(x + <usize>(n0 + j) * xStride, col + <usize>j * planeBytes, <usize>m * planeBytes,
           C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, rowLo, rowHi);
  }
}

/** Adjoint of im2col: dx (overwritten) gets every col entry added at the x position it was read from. */
function col2im(col: usize, ldcol: usize, dx: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  memory.fill(dx, 0, (<usize>C * <usize>H * <usize>W) << 2);
  colRows(dx, col, ldcol, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, false, 0, C * KH * KW);
}

/**
 * The walk shared by im2col (gather x into col) and col2im (scatter-add col into x): one col row
 * per (c, kh, kw, oh), whose in-range outputs [lo, hi) map to x row ih from column off + lo*sW.
 * Only col rows r = (c*KH + kh)*KW + kw in [rowLo, rowHi) are visited; consecutive ones are ldcol
 * bytes apart, the first at col.
 * The in-range window [ohLo, ohHi) × [lo, hi) is fixed per (c, kh, kw), so the per-oh loop only
 * steps pointers: with 13-float rows, per-row index arithmetic and bounds tests cost as much as the
 * copy (hoisting them made im2col 1.5–1.8× and col2im 1.3× faster, AMD EPYC Zen 3).
 */
// @ts-ignore: decorator
@inline function colRows(x: usize, col: usize, ldcol: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                         padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, gather: bool,
                         rowLo: i32, rowHi: i32): void {
  let rowStart = col;
  const rowBytes = <usize>OW << 2;
  for (let c = rowLo / (KH * KW); c < C; c++) {
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const r = (c * KH + kh) * KW + kw;
        if (r < rowLo || r >= rowHi) continue;
        const cp = rowStart;
        rowStart += ldcol;
        const off = kw * dilW - padLeft, offH = kh * dilH - padTop;
        const lo = min(validLo(off, strideW), OW), hi = max(validHi(off, strideW, W, OW), lo);
        // output rows [ohLo, ohHi) read input rows inside [0, H); the others (padding) are zero
        const ohLo = lo < hi ? min(validLo(offH, strideH), OH) : OH;
        const ohHi = max(validHi(offH, strideH, H, OH), ohLo);
        let xp = plane + ((<usize>(ohLo * strideH + offH) * <usize>W + <usize>(off + lo * strideW)) << 2);
        const xStep = (<usize>strideH * <usize>W) << 2;
        if (gather) {
          zeroF32(cp, 0, ohLo * OW);
          for (let oh = ohLo; oh < ohHi; oh++) {
            gatherRow(cp + <usize>oh * rowBytes, xp, lo, hi, OW, strideW);
            xp += xStep;
          }
          zeroF32(cp, ohHi * OW, OH * OW);
        } else {
          for (let oh = ohLo; oh < ohHi; oh++) {
            scatterAddRow(cp + <usize>oh * rowBytes, xp, lo, hi, strideW);
            xp += xStep;
          }
        }
      }
    }
  }
}

// Rows are short (13 floats for a 13×13 output) and there are C*KH*KW*OH of them per image, so
// memory.copy / memory.fill calls (a runtime call each in V8) cost more than the data they move:
// plain vector and scalar loops instead.
// @ts-ignore: decorator
@inline function gatherRow(dst: usize, src: usize, lo: i32, hi: i32, OW: i32, strideW: i32): void {
  zeroF32(dst, 0, lo);
  if (strideW == 1 && hi - lo >= 4) {
    // whole vectors, the last one overlapping the one before: no scalar tail
    const d = dst + (<usize>lo << 2), n = hi - lo;
    let i = 0;
    for (; i + 4 < n; i += 4) v128.store(d + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
    v128.store(d + (<usize>(n - 4) << 2), v128.load(src + (<usize>(n - 4) << 2)));
  } else {
    for (let ow = lo; ow < hi; ow++) {
      store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>((ow - lo) * strideW) << 2)));
    }
  }
  zeroF32(dst, hi, OW);
}

/** dst[0, n) = src[0, n): a short row (see above for why not memory.copy). */
// @ts-ignore: decorator
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zeroF32(p: usize, from: i32, to: i32): void {
  let i = from;
  for (; i + 4 <= to; i += 4) v128.store(p + (<usize>i << 2), f32x4.splat(0));
  for (; i < to; i++) store<f32>(p + (<usize>i << 2), 0);
}

// @ts-ignore: decorator
@inline function scatterAddRow(src: usize, dst: usize, lo: i32, hi: i32, strideW: i32): void {
  let ow = lo;
  if (strideW == 1) {
    for (; ow + 4 <= hi; ow += 4) {
      const q = dst + (<usize>(ow - lo) << 2);
      v128.store(q, f32x4.add(v128.load(q), v128.load(src + (<usize>ow << 2))));
    }
  }
  for (; ow < hi; ow++) {
    const q = dst + (<usize>((ow - lo) * strideW) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(src + (<usize>ow << 2)));
  }
}

export function conv2dForward(x: usize, w: usize, bias: usize, y: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, act: i32, part: i32, parts: i32): void {
  const nLo = partStart(N, part, parts, 1), nHi = partStart(N, part + 1, parts, 1);
  const relu = act == Epilogue.RELU;
  const path = conv2dPath(0, C, H, W, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
  if (path == ConvPath.WINOGRAD) {
    winogradWeights(w, ws, OC, C, false);
    winogradConv(x, bias, y, ws, N, nLo, nHi, C, H, W, OC, padTop, padLeft, OH, OW, relu);
    return;
  }
  if (path == ConvPath.DIRECT) {
    directForward(x, w, bias, y, ws, nLo, nHi, C, H, W, OC, KH, KW, padTop, padLeft, OH, OW, relu);
    return;
  }
  const CKK = C * KH * KW, OHW = OH * OW, nb = imagesPerGemm(N, OHW);
  const yStride = (<usize>OC * <usize>OHW) << 2;
  const planeBytes = <usize>OHW << 2;
  for (let n0 = nLo; n0 < nHi; n0 += nb) {
    const m = min(nb, nHi - n0), ld = m * OHW;
    const col = ws, stage = ws + ((<usize>CKK * <usize>ld) << 2);
    im2colBatch(x, col, n0, m, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, 0, CKK);
    if (OC < SMALL_OC) {
      // few output channels: the transposed product stage[ld, OC] = colᵀ·wᵀ (see SMALL_OC)
      gemm(1, 1, ld, OC, CKK, 1, col, ld, w, CKK, 0, stage, OC);
      for (let j = 0; j < m; j++) {
        const yn = y + <usize>(n0 + j) * yStride, sj = stage + ((<usize>j * <usize>OHW * <usize>OC) << 2);
        for (let oc = 0; oc < OC; oc++) {
          const b: f32 = bias ? load<f32>(bias + (<usize>oc << 2)) : 0;
          const row = yn + <usize>oc * planeBytes, src = sj + (<usize>oc << 2);
          for (let p = 0; p < OHW; p++) store<f32>(row + (<usize>p << 2), reluIf(relu, load<f32>(src + ((<usize>p * <usize>OC) << 2)) + b));
        }
      }
      continue;
    }
    if (m == 1) {
      // one image: its [OC, OHW] block is already y's layout. The bias is added after the GEMM
      // either way, so a value never depends on which batch its image fell in.
      const yn = y + <usize>n0 * yStride;
      gemm(0, 0, OC, OHW, CKK, 1, w, CKK, col, OHW, 0, yn, OHW);
      if (bias || relu) {
        for (let oc = 0; oc < OC; oc++) {
          const row = yn + <usize>oc * planeBytes;
          addScalar(row, row, bias ? load<f32>(bias + (<usize>oc << 2)) : 0, OHW, relu);
        }
      }
      continue;
    }
    gemm(0, 0, OC, ld, CKK, 1, w, CKK, col, ld, 0, stage, ld);
    for (let j = 0; j < m; j++) {
      const yn = y + <usize>(n0 + j) * yStride;
      for (let oc = 0; oc < OC; oc++) {
        const src = stage + (<usize>oc * <usize>ld << 2) + <usize>j * planeBytes;
        const b: f32 = bias ? load<f32>(bias + (<usize>oc << 2)) : 0;
        addScalar(yn + <usize>oc * planeBytes, src, b, OHW, relu);
      }
    }
  }
}

/**
 * dst[i] = src[i] + b (b = 0 for no bias; adding 0 changes no value), then max(·, 0) if relu,
 * with the rule of the relu kernel (elementwise.ts): v > 0 ? v : +0, NaN -> 0.
 */
function addScalar(dst: usize, src: usize, b: f32, n: i32, relu: bool): void {
  if (relu) addScalarAct(dst, src, b, n, true);
  else addScalarAct(dst, src, b, n, false);
}

// @ts-ignore: decorator
@inline function addScalarAct(dst: usize, src: usize, b: f32, n: i32, relu: bool): void {
  const v = f32x4.splat(b), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let s = f32x4.add(v128.load(src + (<usize>i << 2)), v);
    if (relu) s = v128.and(s, f32x4.gt(s, zero));
    v128.store(dst + (<usize>i << 2), s);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), reluIf(relu, load<f32>(src + (<usize>i << 2)) + b));
}

// @ts-ignore: decorator
@inline function reluIf(relu: bool, v: f32): f32 {
  return relu ? (v > 0 ? v : 0) : v;
}

/** stage [OC, m*OHW] <- dy of images n0..n0+m-1 side by side (dy's images are OC planes apart). */
function stageDy(dy: usize, stage: usize, n0: i32, m: i32, OC: i32, OHW: i32): void {
  const planeBytes = <usize>OHW << 2, ldBytes = <usize>m * planeBytes;
  for (let j = 0; j < m; j++) {
    const dyn = dy + <usize>(n0 + j) * <usize>OC * planeBytes;
    for (let oc = 0; oc < OC; oc++) {
      copyF32(stage + <usize>oc * ldBytes + <usize>j * planeBytes, dyn + <usize>oc * planeBytes, OHW);
    }
  }
}

export function conv2dBackwardInput(dy: usize, w: usize, dx: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, part: i32, parts: i32): void {
  const path = conv2dPath(1, C, H, W, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
  if (path == ConvPath.WINOGRAD) {
    // the stride-1 convolution of dy described below, by Winograd
    winogradWeights(w, ws, C, OC, true);
    winogradConv(dy, 0, dx, ws, N, partStart(N, part, parts, 1), partStart(N, part + 1, parts, 1),
                 OC, OH, OW, C, KH - 1 - padTop, KW - 1 - padLeft, H, W, false);
    return;
  }
  if (path == ConvPath.DIRECT) {
    // dX is the stride-1 forward convolution of dy, padded by K-1-pad, with w's channels swapped
    // and its taps flipped: dx[c, h, w] = Σ_(oc, kh, kw) w[oc, c, kh, kw] · dy[oc, h+pad-kh, w+pad-kw].
    const wt = ws, rest = ws + flippedBytes(C, OC, KH, KW);
    for (let oc = 0; oc < OC; oc++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      store<f32>(wt + ((<usize>(((c * OC + oc) * KH + kh) * KW + kw)) << 2),
                 load<f32>(w + ((<usize>(((oc * C + c) * KH + (KH - 1 - kh)) * KW + (KW - 1 - kw))) << 2)));
    }
    directForward(dy, wt, 0, dx, rest, partStart(N, part, parts, 1), partStart(N, part + 1, parts, 1),
                  OC, OH, OW, C, KH, KW, KH - 1 - padTop, KW - 1 - padLeft, H, W, false);
    return;
  }
  const CKK = C * KH * KW, OHW = OH * OW, nb = imagesPerGemm(N, OHW);
  const xStride = (<usize>C * <usize>H * <usize>W) << 2, yStride = (<usize>OC * <usize>OHW) << 2;
  const planeBytes = <usize>OHW << 2;
  const nHi = partStart(N, part + 1, parts, 1);
  for (let n0 = partStart(N, part, parts, 1); n0 < nHi; n0 += nb) {
    const m = min(nb, nHi - n0), ld = m * OHW;
    const col = ws, stage = ws + ((<usize>CKK * <usize>ld) << 2);
    let src = dy + <usize>n0 * yStride;
    if (m > 1) {
      stageDy(dy, stage, n0, m, OC, OHW);
      src = stage;
    }
    gemm(1, 0, CKK, ld, OC, 1, w, CKK, src, ld, 0, col, ld);
    for (let j = 0; j < m; j++) {
      col2im(col + <usize>j * planeBytes, <usize>ld << 2, dx + <usize>(n0 + j) * xStride,
             C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
    }
  }
}

export function conv2dBackwardWeight(x: usize, dy: usize, dw: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, part: i32, parts: i32): void {
  conv2dBackwardWeightBias(x, dy, dw, 0, ws, N, C, H, W, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW,
                           OH, OW, part, parts);
}

/**
 * conv2dBackwardWeight and, unless db = 0, conv2dBackwardBias in the same call: the bias gradient
 * of the same bits, its channels split over the parts as dW's are (or evenly, on the GEMM path that
 * splits dW by columns). The direct path sums each dy plane as it stages it, so T2's 11 MB first-layer
 * gradient is read once, not twice; the other paths save a parallel region.
 */
export function conv2dBackwardWeightBias(x: usize, dy: usize, dw: usize, db: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, part: i32, parts: i32): void {
  const CKK = C * KH * KW, OHW = OH * OW, nb = imagesPerGemm(N, OHW);
  const yStride = (<usize>OC * <usize>OHW) << 2;
  const path = conv2dPath(2, C, H, W, OC, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
  if (path == ConvPath.WINOGRAD) {
    const oLo = partStart(OC, part, parts, 4), oHi = partStart(OC, part + 1, parts, 4);
    if (db) conv2dBackwardBias(dy, db, N, OC, OHW, oLo, oHi);
    winogradWeightGrad(x, dy, dw, ws, N, C, H, W, OC, padTop, padLeft, OH, OW, oLo, oHi);
    return;
  }
  if (path == ConvPath.DIRECT) {
    // output channels in blocks of 4 (the direct tile's width)
    const ocLo = partStart(OC, part, parts, 4), ocHi = partStart(OC, part + 1, parts, 4);
    if (N <= 0) {
      memory.fill(dw + ((<usize>ocLo * <usize>CKK) << 2), 0, (<usize>(ocHi - ocLo) * <usize>CKK) << 2);
      if (db) conv2dBackwardBias(dy, db, N, OC, OHW, ocLo, ocHi);
    } else {
      directWeight(x, dy, dw, db, ws, N, C, H, W, OC, KH, KW, padTop, padLeft, OH, OW, ocLo, ocHi);
    }
    return;
  }
  if (db) conv2dBackwardBias(dy, db, N, OC, OHW, partStart(OC, part, parts, 1), partStart(OC, part + 1, parts, 1));
  // weight columns r = (c, kh, kw) in [rLo, rHi): only those rows of col are built
  const rLo = partStart(CKK, part, parts, 8), rHi = partStart(CKK, part + 1, parts, 8), rows = rHi - rLo;
  if (rows <= 0) return;
  for (let n0 = 0; n0 < N; n0 += nb) {
    const m = min(nb, N - n0), ld = m * OHW;
    const col = ws, stage = ws + ((<usize>rows * <usize>ld) << 2);
    im2colBatch(x, col, n0, m, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, rLo, rHi);
    let src = dy + <usize>n0 * yStride;
    if (m > 1) {
      stageDy(dy, stage, n0, m, OC, OHW);
      src = stage;
    }
    gemm(0, 1, OC, rows, ld, 1, src, ld, col, ld, n0 == 0 ? 0 : 1, dw + (<usize>rLo << 2), CKK);
  }
  if (N <= 0) {
    for (let oc = 0; oc < OC; oc++) memory.fill(dw + ((<usize>oc * <usize>CKK + <usize>rLo) << 2), 0, <usize>rows << 2);
  }
}

/**
 * db[oc] = Σ_n sum(dy[n, oc, :]) for oc in [ocLo, ocHi) (overwritten), n ascending: each channel's
 * sum is made by one call in the same order whatever the split, so threads split by channel.
 * Memory is walked in its order (n outer), the running sums kept in db.
 */
export function conv2dBackwardBias(dy: usize, db: usize, N: i32, OC: i32, OHW: i32, ocLo: i32, ocHi: i32): void {
  if (ocHi > ocLo) memory.fill(db + (<usize>ocLo << 2), 0, <usize>(ocHi - ocLo) << 2);
  for (let n = 0; n < N; n++) {
    for (let oc = ocLo; oc < ocHi; oc++) {
      const q = db + (<usize>oc << 2);
      store<f32>(q, load<f32>(q) + sumF32(dy + ((<usize>n * <usize>OC + <usize>oc) * <usize>OHW << 2), OHW));
    }
  }
}

/**
 * The gradient through a fused ReLU, and the bias gradient, in one pass over channels
 * [ocLo, ocHi) of y [N, OC, OHW] (the ReLU's output):
 *   g[n, oc, p] = y > 0 ? dy : 0         (the relu kernel's backward rule; y > 0 iff its input was)
 *   db[oc]      = Σ_n sum(g[n, oc, :])   (as conv2dBackwardBias of g, bit for bit; skipped if db = 0)
 * g is overwritten (it may be dy itself).
 */
export function reluBackwardBias(dy: usize, y: usize, g: usize, db: usize, N: i32, OC: i32, OHW: i32,
                                 ocLo: i32, ocHi: i32): void {
  if (db && ocHi > ocLo) memory.fill(db + (<usize>ocLo << 2), 0, <usize>(ocHi - ocLo) << 2);
  const zero = f32x4.splat(0);
  for (let n = 0; n < N; n++) {
    for (let oc = ocLo; oc < ocHi; oc++) {
      const o = (<usize>n * <usize>OC + <usize>oc) * <usize>OHW << 2;
      const d = dy + o, yp = y + o, gp = g + o;
      let v = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= OHW; i += 4) {
        const q = <usize>i << 2;
        const m = v128.and(v128.load(d + q), f32x4.gt(v128.load(yp + q), zero));
        v128.store(gp + q, m);
        v = f32x4.add(v, m);
      }
      let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
              (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
      for (; i < OHW; i++) {
        const q = <usize>i << 2;
        const m: f32 = load<f32>(yp + q) > 0 ? load<f32>(d + q) : 0;
        store<f32>(gp + q, m);
        s += m;
      }
      if (db) {
        const q = db + (<usize>oc << 2);
        store<f32>(q, load<f32>(q) + s);
      }
    }
  }
}

/** Sum with four SIMD lanes then a fixed lane order and scalar tail: deterministic for a given n. */
function sumF32(p: usize, n: i32): f32 {
  let v = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v = f32x4.add(v, v128.load(p + (<usize>i << 2)));
  let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
          (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  for (; i < n; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Direct path for few taps (C*KH*KW <= DIRECT_TAPS, stride and dilation 1: first layers such as
// C = 1, 3×3). With K = 9 an im2col GEMM is all packing and C traffic. Instead each image is
// copied once into a zero-padded plane xp [C, Hp, Wp] (Hp = OH+KH-1, Wp = OW+KW-1); the output at
// flat position q = oh*Wp + ow reads tap t = (c, kh, kw) at xp[q + off[t]], so outputs are made in
// runs of 8 along q straight from xp (the KW-1 columns past each row's end are made and dropped).
//   forward y[oc, q]  = (Σ_t w[oc, t] · xp[q + off[t]], t ascending) + bias
//   dW      dw[oc, t] = per lane q%4 a sum over (n, q) ascending, then (l0 + l1) + (l2 + l3)
// ---------------------------------------------------------------------------------------------
const DIRECT_TAPS = 32;

// @ts-ignore: decorator
@inline function useDirect(C: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, dilH: i32, dilW: i32,
                           OH: i32, OW: i32): bool {
  return strideH == 1 && strideW == 1 && dilH == 1 && dilW == 1 && C * KH * KW <= DIRECT_TAPS && OH > 0 && OW > 0;
}

// Forward and dW of a layer with few output channels (OC < SMALL_OC) take the direct path for
// many more taps: their GEMMs do 2·OC flops per im2col element, too few to pay for writing col
// and packing it again (a 16 -> 16 channel 3×3 forward ran at 10 GFLOP/s, 0.48× tfjs-wasm's
// indirect GEMM, on an AMD EPYC Zen 3; direct: 1.6-2.6× faster forward, 1.1-1.5× dW, in
// bench/kernel-ab.ts). The direct tiles read the padded image in place.
const DIRECT_FEW_OUTPUTS_TAPS = 64 * 9;

// @ts-ignore: decorator
@inline function useDirectFewOutputs(C: i32, KH: i32, KW: i32, OC: i32, strideH: i32, strideW: i32, dilH: i32, dilW: i32,
                                  OH: i32, OW: i32): bool {
  return useDirect(C, KH, KW, strideH, strideW, dilH, dilW, OH, OW) ||
    (OC < SMALL_OC && C * KH * KW <= DIRECT_FEW_OUTPUTS_TAPS && strideH == 1 && strideW == 1 && dilH == 1 && dilW == 1 && OH > 0 && OW > 0);
}

/**
 * Whether dW takes the direct path. Its tiles run over rows OW+KW-1 wide, so a 'valid' layer on
 * small planes spends much of its work on the padding: a 16 -> 32 channel 5×5 layer on 12×12
 * images (8×8 outputs, 70 % real) ran 1.19× as fast on the GEMM path, while with 16 output
 * channels the direct path still won at the same 70 % (the GEMM is then only 16 rows tall, 0.88×),
 * as it does for 'same' layers (88 % real, 0.75×). bench/kernel-ab.ts, AMD EPYC Zen 3, CPU time.
 */
// @ts-ignore: decorator
@inline function useDirectWeight(C: i32, KH: i32, KW: i32, OC: i32, strideH: i32, strideW: i32, dilH: i32, dilW: i32,
                                 OH: i32, OW: i32): bool {
  return useDirectFewOutputs(C, KH, KW, OC, strideH, strideW, dilH, dilW, OH, OW) &&
    (OC <= 16 || 4 * OH * OW >= 3 * runLen(OH, OW, KW));
}

// ---------------------------------------------------------------------------------------------
// Winograd F(2×2, 3×3) (winograd.ts) for 3×3 stride-1 layers with enough channels on both sides:
// up to 2.25× fewer multiplies than the im2col GEMM or the direct tiles. Measured against the best
// of those (bench/kernel-ab.ts, CPU time, AMD EPYC Zen 3, median per-round ratios): with 16 or more
// channels each way it won every pass tried, forward 1.08–1.56×, dX 1.09–1.54× ('valid' layers' dX,
// whose 13×13 output wastes a quarter of its 7×7 tiles, 1.16×), dW 1.13–1.54×; with 8 → 16,
// 16 → 8 or fewer channels it lost (0.17–0.96×: transforms per multiply grow as channels shrink).
// ---------------------------------------------------------------------------------------------
const WINOGRAD_MIN_CHANNELS = 16;

// @ts-ignore: decorator
@inline function winogradChannels(C: i32, OC: i32): bool {
  return C >= WINOGRAD_MIN_CHANNELS && OC >= WINOGRAD_MIN_CHANNELS;
}

/** Whether a convolution from C to OC channels (dX: OC to C) runs by Winograd; pads 0..2. */
function useWinograd(C: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padTop: i32, padLeft: i32,
                     dilH: i32, dilW: i32, OH: i32, OW: i32): bool {
  return KH == 3 && KW == 3 && strideH == 1 && strideW == 1 && dilH == 1 && dilW == 1 &&
    padTop >= 0 && padTop <= 2 && padLeft >= 0 && padLeft <= 2 && OH > 0 && OW > 0 && winogradChannels(C, OC);
}

// @ts-ignore: decorator
@inline function up(n: i32, m: i32): i32 {
  return (n + m - 1) / m * m;
}

// Workspace carving, in order: xp (+8 zero floats for the last rounded-up run of q), off[Tp] (i32
// byte offsets), wp [OCp/4][T][4], stage [OCp, Qp], acc [OCp, Tp] f32x4. Tp = T rounded up to a
// multiple of 3 (dW takes taps in threes; the spare ones read offset 0 and are dropped).
// @ts-ignore: decorator
@inline function planeFloats(C: i32, OH: i32, OW: i32, KH: i32, KW: i32): i32 {
  return up(C * (OH + KH - 1) * (OW + KW - 1) + 8, 4);
}
// @ts-ignore: decorator
@inline function runLen(OH: i32, OW: i32, KW: i32): i32 {
  return up((OH - 1) * (OW + KW - 1) + OW, 8);
}
// @ts-ignore: decorator
@inline function offPtr(ws: usize, C: i32, KH: i32, KW: i32, OH: i32, OW: i32): usize {
  return ws + (<usize>planeFloats(C, OH, OW, KH, KW) << 2);
}
// @ts-ignore: decorator
@inline function wpPtr(ws: usize, C: i32, KH: i32, KW: i32, OH: i32, OW: i32): usize {
  return offPtr(ws, C, KH, KW, OH, OW) + (<usize>up(C * KH * KW + 2, 4) << 2);
}
// @ts-ignore: decorator
@inline function stagePtr(ws: usize, C: i32, KH: i32, KW: i32, OC: i32, OH: i32, OW: i32): usize {
  return wpPtr(ws, C, KH, KW, OH, OW) + ((<usize>up(OC, 4) * <usize>(C * KH * KW)) << 2);
}
// @ts-ignore: decorator
@inline function accPtr(ws: usize, C: i32, KH: i32, KW: i32, OC: i32, OH: i32, OW: i32): usize {
  return stagePtr(ws, C, KH, KW, OC, OH, OW) + ((<usize>up(OC, 4) * <usize>runLen(OH, OW, KW)) << 2);
}
/**
 * Whether dX takes the direct path (see conv2dBackwardInput): few input channels, as for the
 * forward pass, and little of the direct tiles' work wasted. They make up(C, 4) channels on rows
 * W+KW-1 wide over a dy padded by K-1-pad, so a 'valid' layer's dX (pad 2 around an 11×11 dy)
 * spends 40 % of its multiplies on zeros and ran 0.83× the GEMM path; 'same' layers (pad 1 on
 * 3×3) waste 12 % and ran 1.3-1.8× as fast, and C = 1 (one real channel in four) 0.62×
 * (bench/kernel-ab.ts, AMD EPYC Zen 3, CPU time). Direct when at least 3/4 of the work is real.
 */
function useDirectInput(C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                        padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): bool {
  if (padTop >= KH || padLeft >= KW || !useDirectFewOutputs(OC, KH, KW, C, strideH, strideW, dilH, dilW, H, W)) return false;
  // multiplies: the GEMM path's C·OH·OW per tap and output channel, the direct tiles' up(C, 4)·runLen
  const real = <i64>C * <i64>OH * <i64>OW, done = <i64>up(C, 4) * <i64>runLen(H, W, KW);
  return 4 * real >= 3 * done;
}

/** Bytes of dX's flipped weights [C, OC, KH, KW], rounded to 64 so the workspace after stays aligned. */
function flippedBytes(C: i32, OC: i32, KH: i32, KW: i32): usize {
  return <usize>up(C * OC * KH * KW, 16) << 2;
}
function directEnd(ws: usize, C: i32, KH: i32, KW: i32, OC: i32, OH: i32, OW: i32): usize {
  return accPtr(ws, C, KH, KW, OC, OH, OW) + ((<usize>up(OC, 4) * <usize>up(C * KH * KW, 3)) << 4);
}

/** xp <- image x [C,H,W] placed at (padTop, padLeft) in zeros; fills off[t] (and the two spare taps). */
function padImage(x: usize, xp: usize, off: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32,
                  padTop: i32, padLeft: i32, OH: i32, OW: i32): void {
  const Hp = OH + KH - 1, Wp = OW + KW - 1;
  memory.fill(xp, 0, <usize>planeFloats(C, OH, OW, KH, KW) << 2);
  const jlo = max(0, padLeft), jhi = min(Wp, W + padLeft);
  for (let c = 0; c < C; c++) {
    for (let i = max(0, padTop); i < min(Hp, H + padTop); i++) {
      if (jhi <= jlo) break;
      copyF32(xp + ((<usize>((c * Hp + i) * Wp + jlo)) << 2),
              x + ((<usize>((c * H + i - padTop) * W + jlo - padLeft)) << 2), jhi - jlo);
    }
  }
  let t = 0;
  for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    store<i32>(off + (<usize>t << 2), ((c * Hp + kh) * Wp + kw) << 2);
    t++;
  }
  store<i32>(off + (<usize>t << 2), 0);
  store<i32>(off + (<usize>(t + 1) << 2), 0);
}

/**
 * 4 output channels × 8 consecutive q: acc over the T taps, stored to out rows ldo bytes apart as
 * they are (`raw`: the staged path, whose copy-out adds the bias) or as relu?(acc + bias lane).
 */
function directTile(xq: usize, off: usize, T: i32, wpb: usize, out: usize, ldo: usize, raw: bool, bias: v128, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let t = 0; t < T; t++) {
    const xo = xq + <usize>load<i32>(off + (<usize>t << 2));
    const b0 = v128.load(xo), b1 = v128.load(xo, 16);
    let a = v128.load32_splat(wpb);
    c00 = madd(c00, a, b0); c01 = madd(c01, a, b1);
    a = v128.load32_splat(wpb, 4);
    c10 = madd(c10, a, b0); c11 = madd(c11, a, b1);
    a = v128.load32_splat(wpb, 8);
    c20 = madd(c20, a, b0); c21 = madd(c21, a, b1);
    a = v128.load32_splat(wpb, 12);
    c30 = madd(c30, a, b0); c31 = madd(c31, a, b1);
    wpb += 16;
  }
  if (raw) {
    v128.store(out, c00); v128.store(out, c01, 16);
    v128.store(out + ldo, c10); v128.store(out + ldo, c11, 16);
    v128.store(out + 2 * ldo, c20); v128.store(out + 2 * ldo, c21, 16);
    v128.store(out + 3 * ldo, c30); v128.store(out + 3 * ldo, c31, 16);
    return;
  }
  storeBiasRelu(out, c00, c01, f32x4.splat(f32x4.extract_lane(bias, 0)), relu);
  storeBiasRelu(out + ldo, c10, c11, f32x4.splat(f32x4.extract_lane(bias, 1)), relu);
  storeBiasRelu(out + 2 * ldo, c20, c21, f32x4.splat(f32x4.extract_lane(bias, 2)), relu);
  storeBiasRelu(out + 3 * ldo, c30, c31, f32x4.splat(f32x4.extract_lane(bias, 3)), relu);
}

// @ts-ignore: decorator
@inline function storeBiasRelu(p: usize, lo: v128, hi: v128, b: v128, relu: bool): void {
  lo = f32x4.add(lo, b);
  hi = f32x4.add(hi, b);
  if (relu) {
    const zero = f32x4.splat(0);
    lo = v128.and(lo, f32x4.gt(lo, zero));
    hi = v128.and(hi, f32x4.gt(hi, zero));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

function directForward(x: usize, w: usize, bias: usize, y: usize, ws: usize,
  nLo: i32, nHi: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, padTop: i32, padLeft: i32, OH: i32, OW: i32,
  relu: bool): void {
  const T = C * KH * KW, OCp = up(OC, 4), Qp = runLen(OH, OW, KW), Wp = OW + KW - 1;
  const off = offPtr(ws, C, KH, KW, OH, OW), wp = wpPtr(ws, C, KH, KW, OH, OW);
  const stage = stagePtr(ws, C, KH, KW, OC, OH, OW);
  // wp[ob][t][i] = w[4*ob + i, t], zero for the channels past OC
  for (let oc = 0; oc < OCp; oc++) {
    for (let t = 0; t < T; t++) {
      store<f32>(wp + ((<usize>(((oc >> 2) * T + t) * 4 + (oc & 3))) << 2),
                 oc < OC ? load<f32>(w + ((<usize>(oc * T + t)) << 2)) : 0);
    }
  }
  const ldo = <usize>Qp << 2, OHW = OH * OW, planeBytes = <usize>OHW << 2;
  // Whole blocks of 4 channels, rows of 8 outputs or more, and no more than 5/4 of the staged tiles'
  // work per row: tiles along each output row write y themselves (a row's last tile overlaps the
  // one before and rewrites the same values). Else the tiles run along the padded rows (q) into the
  // stage and addScalar copies the valid columns out. Measured (kernel-ab, Zen 3): 1.03–1.10× on T2's
  // 26-wide rows, 1.17× on the speedrun's 24, 1.11–1.16× on 12 and 32; 0.92× on 10 (16 made per row
  // for 12).
  const rowTiles = OW >= 8 && (OC & 3) == 0 && 4 * up(OW, 8) <= 5 * Wp;
  for (let n = nLo; n < nHi; n++) {
    padImage(x + ((<usize>n * <usize>(C * H * W)) << 2), ws, off, C, H, W, KH, KW, padTop, padLeft, OH, OW);
    const yn = y + ((<usize>n * <usize>OC * <usize>OHW) << 2);
    if (rowTiles) {
      for (let ob = 0; ob < OC; ob += 4) {
        const wpb = wp + ((<usize>ob * <usize>T) << 2);
        const bv = bias ? v128.load(bias + (<usize>ob << 2)) : f32x4.splat(0);
        for (let oh = 0; oh < OH; oh++) {
          const xRow = ws + (<usize>(oh * Wp) << 2), yRow = yn + ((<usize>(ob * OHW + oh * OW)) << 2);
          for (let ow = 0; ; ow += 8) {
            if (ow + 8 > OW) ow = OW - 8;
            directTile(xRow + (<usize>ow << 2), off, T, wpb, yRow + (<usize>ow << 2), planeBytes, false, bv, relu);
            if (ow + 8 >= OW) break;
          }
        }
      }
      continue;
    }
    for (let ob = 0; ob < OCp; ob += 4) {
      const wpb = wp + ((<usize>ob * <usize>T) << 2), out = stage + <usize>ob * ldo;
      for (let q = 0; q < Qp; q += 8) directTile(ws + (<usize>q << 2), off, T, wpb, out + (<usize>q << 2), ldo, true, f32x4.splat(0), false);
    }
    for (let oc = 0; oc < OC; oc++) {
      const b: f32 = bias ? load<f32>(bias + (<usize>oc << 2)) : 0;
      for (let oh = 0; oh < OH; oh++) {
        addScalar(yn + ((<usize>(oc * OHW + oh * OW)) << 2), stage + <usize>oc * ldo + ((<usize>(oh * Wp)) << 2), b, OW, relu);
      }
    }
  }
}

/**
 * 4 output channels × taps (t0, t1, t2): their f32x4 sums in acc (rows of Tp) carried over q. Three
 * taps, not two: 7 loads feed 12 multiply-adds (6 for 8 with pairs), and a 3×3 kernel's 9 taps
 * need no spare one; 12 accumulators still fit the 16 vector registers.
 */
function weightTile(dyq: usize, ldd: usize, x0: usize, x1: usize, x2: usize, Qp: i32, acc: usize, accRow: usize): void {
  let a00 = v128.load(acc), a01 = v128.load(acc, 16), a02 = v128.load(acc, 32);
  let a10 = v128.load(acc + accRow), a11 = v128.load(acc + accRow, 16), a12 = v128.load(acc + accRow, 32);
  let a20 = v128.load(acc + 2 * accRow), a21 = v128.load(acc + 2 * accRow, 16), a22 = v128.load(acc + 2 * accRow, 32);
  let a30 = v128.load(acc + 3 * accRow), a31 = v128.load(acc + 3 * accRow, 16), a32 = v128.load(acc + 3 * accRow, 32);
  for (let q = 0; q < Qp; q += 4) {
    const o = <usize>q << 2;
    const u = v128.load(x0 + o), v = v128.load(x1 + o), w = v128.load(x2 + o);
    let d = v128.load(dyq + o);
    a00 = madd(a00, d, u); a01 = madd(a01, d, v); a02 = madd(a02, d, w);
    d = v128.load(dyq + ldd + o);
    a10 = madd(a10, d, u); a11 = madd(a11, d, v); a12 = madd(a12, d, w);
    d = v128.load(dyq + 2 * ldd + o);
    a20 = madd(a20, d, u); a21 = madd(a21, d, v); a22 = madd(a22, d, w);
    d = v128.load(dyq + 3 * ldd + o);
    a30 = madd(a30, d, u); a31 = madd(a31, d, v); a32 = madd(a32, d, w);
  }
  v128.store(acc, a00); v128.store(acc, a01, 16); v128.store(acc, a02, 32);
  v128.store(acc + accRow, a10); v128.store(acc + accRow, a11, 16); v128.store(acc + accRow, a12, 32);
  v128.store(acc + 2 * accRow, a20); v128.store(acc + 2 * accRow, a21, 16); v128.store(acc + 2 * accRow, a22, 32);
  v128.store(acc + 3 * accRow, a30); v128.store(acc + 3 * accRow, a31, 16); v128.store(acc + 3 * accRow, a32, 32);
}

function directWeight(x: usize, dy: usize, dw: usize, db: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, padTop: i32, padLeft: i32, OH: i32, OW: i32,
  ocLo: i32, ocHi: i32): void {
  const T = C * KH * KW, Tp = up(T, 3), OCp = up(OC, 4), Qp = runLen(OH, OW, KW), Wp = OW + KW - 1;
  const off = offPtr(ws, C, KH, KW, OH, OW), stage = stagePtr(ws, C, KH, KW, OC, OH, OW);
  const acc = accPtr(ws, C, KH, KW, OC, OH, OW);
  const ldd = <usize>Qp << 2, accRow = <usize>Tp << 4, OHW = OH * OW;
  memory.fill(acc, 0, <usize>OCp * accRow);
  // dy staged on the q grid; the dropped columns and the channels past OC stay zero
  memory.fill(stage, 0, <usize>OCp * ldd);
  if (db && ocHi > ocLo) memory.fill(db + (<usize>ocLo << 2), 0, <usize>(ocHi - ocLo) << 2);
  for (let n = 0; n < N; n++) {
    padImage(x + ((<usize>n * <usize>(C * H * W)) << 2), ws, off, C, H, W, KH, KW, padTop, padLeft, OH, OW);
    const dyn = dy + ((<usize>n * <usize>OC * <usize>OHW) << 2);
    for (let oc = ocLo; oc < ocHi; oc++) {
      for (let oh = 0; oh < OH; oh++) {
        copyF32(stage + <usize>oc * ldd + ((<usize>(oh * Wp)) << 2), dyn + ((<usize>(oc * OHW + oh * OW)) << 2), OW);
      }
      // the bias gradient as conv2dBackwardBias sums it (n ascending), from the plane still in L1
      if (db) {
        const q = db + (<usize>oc << 2);
        store<f32>(q, load<f32>(q) + sumF32(dyn + ((<usize>oc * <usize>OHW) << 2), OHW));
      }
    }
    for (let ob = ocLo; ob < ocHi; ob += 4) {
      for (let t = 0; t < Tp; t += 3) {
        const x0 = ws + <usize>load<i32>(off + (<usize>t << 2)), x1 = ws + <usize>load<i32>(off + (<usize>(t + 1) << 2));
        const x2 = ws + <usize>load<i32>(off + (<usize>(t + 2) << 2));
        weightTile(stage + <usize>ob * ldd, ldd, x0, x1, x2, Qp, acc + <usize>ob * accRow + (<usize>t << 4), accRow);
      }
    }
  }
  for (let oc = ocLo; oc < ocHi; oc++) {
    for (let t = 0; t < T; t++) {
      const v = v128.load(acc + <usize>oc * accRow + (<usize>t << 4));
      store<f32>(dw + ((<usize>(oc * T + t)) << 2),
                 (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3)));
    }
  }
}
