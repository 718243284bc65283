/**
 * conv2d (groups = 1), NCHW: x [N,C,H,W], w [OC,C,KH,KW], bias [OC] (0 = none), y [N,OC,OH,OW].
 * padTop/padLeft are explicit; bottom/right padding is implied by OH/OW. Out-of-range reads are 0.
 * Every pass lowers one image at a time to an im2col matrix col [C*KH*KW, OH*OW] in the caller's
 * workspace `ws` (conv2dWorkspaceBytes) and runs the GEMM on it:
 *   forward  y[n]  = w · col(x[n])            (+ bias)
 *   dX       dx[n] = col2im(wᵀ · dy[n])
 *   dW       dw    = Σ_n dy[n] · col(x[n])ᵀ   (images summed in order n = 0..N-1)
 * All gradients are overwritten, never accumulated into.
 */
import { gemm } from "./gemm";

export function conv2dWorkspaceBytes(N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, OH: i32, OW: i32): usize {
  return <usize>C * <usize>KH * <usize>KW * <usize>OH * <usize>OW * 4;
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
 * carries no bounds test (and is a plain memory.copy at stride 1).
 */
function im2col(x: usize, col: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  colRows(x, col, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, true);
}

/** Adjoint of im2col: dx (overwritten) gets every col entry added at the x position it was read from. */
function col2im(col: usize, dx: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  memory.fill(dx, 0, (<usize>C * <usize>H * <usize>W) << 2);
  colRows(dx, col, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW, false);
}

/**
 * The walk shared by im2col (gather x into col) and col2im (scatter-add col into x): one col row
 * per (c, kh, kw, oh), whose in-range outputs [lo, hi) map to x row ih from column off + lo*sW.
 */
// @ts-ignore: decorator
@inline function colRows(x: usize, col: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
                         padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32, gather: bool): void {
  let cp = col;
  const rowBytes = <usize>OW << 2;
  for (let c = 0; c < C; c++) {
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const off = kw * dilW - padLeft;
        const lo = min(validLo(off, strideW), OW), hi = max(validHi(off, strideW, W, OW), lo);
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * strideH - padTop + kh * dilH;
          const inside = ih >= 0 && ih < H && lo < hi;
          const xp = plane + ((<usize>ih * <usize>W + <usize>(off + lo * strideW)) << 2);
          if (gather) gatherRow(cp, xp, inside, lo, hi, OW, strideW);
          else if (inside) scatterAddRow(cp, xp, lo, hi, strideW);
          cp += rowBytes;
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function gatherRow(dst: usize, src: usize, inside: bool, lo: i32, hi: i32, OW: i32, strideW: i32): void {
  if (!inside) {
    memory.fill(dst, 0, <usize>OW << 2);
    return;
  }
  memory.fill(dst, 0, <usize>lo << 2);
  if (strideW == 1) {
    memory.copy(dst + (<usize>lo << 2), src, <usize>(hi - lo) << 2);
  } else {
    for (let ow = lo; ow < hi; ow++) {
      store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>((ow - lo) * strideW) << 2)));
    }
  }
  memory.fill(dst + (<usize>hi << 2), 0, <usize>(OW - hi) << 2);
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
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  const CKK = C * KH * KW, OHW = OH * OW;
  const xStride = (<usize>C * <usize>H * <usize>W) << 2, yStride = (<usize>OC * <usize>OHW) << 2;
  for (let n = 0; n < N; n++) {
    const xn = x + <usize>n * xStride, yn = y + <usize>n * yStride;
    im2col(xn, ws, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
    if (bias) {
      for (let oc = 0; oc < OC; oc++) {
        const v = f32x4.splat(load<f32>(bias + (<usize>oc << 2)));
        const row = yn + ((<usize>oc * <usize>OHW) << 2);
        fillF32(row, v, OHW);
      }
    }
    gemm(0, 0, OC, OHW, CKK, 1, w, CKK, ws, OHW, bias ? 1 : 0, yn, OHW);
  }
}

function fillF32(p: usize, v: v128, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), v);
  const s = f32x4.extract_lane(v, 0);
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), s);
}

export function conv2dBackwardInput(dy: usize, w: usize, dx: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  const CKK = C * KH * KW, OHW = OH * OW;
  const xStride = (<usize>C * <usize>H * <usize>W) << 2, yStride = (<usize>OC * <usize>OHW) << 2;
  for (let n = 0; n < N; n++) {
    gemm(1, 0, CKK, OHW, OC, 1, w, CKK, dy + <usize>n * yStride, OHW, 0, ws, OHW);
    col2im(ws, dx + <usize>n * xStride, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
  }
}

export function conv2dBackwardWeight(x: usize, dy: usize, dw: usize, ws: usize,
  N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, strideH: i32, strideW: i32,
  padTop: i32, padLeft: i32, dilH: i32, dilW: i32, OH: i32, OW: i32): void {
  const CKK = C * KH * KW, OHW = OH * OW;
  const xStride = (<usize>C * <usize>H * <usize>W) << 2, yStride = (<usize>OC * <usize>OHW) << 2;
  if (N <= 0) {
    memory.fill(dw, 0, (<usize>OC * <usize>CKK) << 2);
    return;
  }
  for (let n = 0; n < N; n++) {
    im2col(x + <usize>n * xStride, ws, C, H, W, KH, KW, strideH, strideW, padTop, padLeft, dilH, dilW, OH, OW);
    gemm(0, 1, OC, CKK, OHW, 1, dy + <usize>n * yStride, OHW, ws, OHW, n == 0 ? 0 : 1, dw, CKK);
  }
}

export function conv2dBackwardBias(dy: usize, db: usize, N: i32, OC: i32, OHW: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    let acc: f32 = 0;
    for (let n = 0; n < N; n++) {
      acc += sumF32(dy + ((<usize>n * <usize>OC + <usize>oc) * <usize>OHW << 2), OHW);
    }
    store<f32>(db + (<usize>oc << 2), acc);
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
