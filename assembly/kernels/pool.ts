/**
 * 2-D pooling over planes: x [P,H,W] (P = N*C), y [P,OH,OW], row-major contiguous.
 * Window of output (oh,ow) starts at (oh*strideH - padH, ow*strideW - padW); OH/OW are given by
 * the caller. Max pool pads with -inf and records argmax as i32 flat index h*W+w within the plane
 * (first maximum in row-major window order wins; -1 if the window lies wholly in padding).
 * Avg pool counts padding (count_include_pad): every window divides by KH*KW.
 * Backward passes overwrite dx (zeroed, then scatter-add in a fixed output order).
 *
 * maxPool2dForward with reluInput != 0 is for an x that a ReLU made (x >= 0, no NaN): a window whose
 * maximum is 0 gets argmax -1, so its gradient is dropped where the ReLU's gradient would zero it
 * anyway. The pooled values are unchanged, and the input gradient is then already the one at the
 * ReLU's input (bindings/ops/conv.ts skips the ReLU's own backward pass for it).
 */

export function maxPool2dForward(x: usize, y: usize, argmax: usize,
  P: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, OH: i32, OW: i32,
  reluInput: i32): void {
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW;
  for (let p = 0; p < P; p++) {
    const xp = x + ((<usize>p * HW) << 2);
    let out = (<usize>p * OHW) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * strideH - padH;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      let ow = 0;
      // (ceil_mode windows hanging over the bottom/right edge are left to the general loop)
      if (KH == 2 && KW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0 && 2 * oh + 2 <= H) {
        ow = pool2x2Row(xp + ((<usize>(2 * oh) * <usize>W) << 2), y + out, argmax + out, min(OW, W >> 1), oh * 2 * W, W, reluInput != 0);
        out += <usize>ow << 2;
      }
      for (; ow < OW; ow++) {
        const w0 = ow * strideW - padW;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        let best: f32 = -Infinity;
        // PyTorch starts from the window's first real element, so an all -inf window points there
        let bi: i32 = hs < he && ws < we ? hs * W + ws : -1;
        for (let h = hs; h < he; h++) {
          const row = xp + ((<usize>h * <usize>W) << 2);
          for (let w = ws; w < we; w++) {
            const v = load<f32>(row + (<usize>w << 2));
            // NaN wins, as in PyTorch's `val > maxval || isnan(val)`
            if (v > best || v != v) {
              best = v;
              bi = h * W + w;
            }
          }
        }
        store<f32>(y + out, best);
        store<i32>(argmax + out, reluInput && !(best > 0) ? -1 : bi);
        out += 4;
      }
    }
  }
}

/**
 * The common 2×2 stride-2 unpadded window, four outputs at a time: the window's elements are
 * folded in row-major order with the scalar loop's rule (greater, or NaN, replaces), lane-wise, so
 * values and argmax match it exactly. OW counts only windows wholly inside; returns how many outputs
 * it wrote (a multiple of 4).
 */
function pool2x2Row(row0: usize, y: usize, argmax: usize, OW: i32, base: i32, W: i32, reluInput: bool): i32 {
  const row1 = row0 + (<usize>W << 2);
  let idx = i32x4.add(i32x4.splat(base), i32x4(0, 2, 4, 6));
  const step = i32x4.splat(8), one = i32x4.splat(1), down = i32x4.splat(W), downOne = i32x4.splat(W + 1);
  let ow = 0;
  for (; ow + 4 <= OW; ow += 4) {
    const o = <usize>ow << 3;
    const a0 = v128.load(row0 + o), a1 = v128.load(row0 + o, 16);
    const b0 = v128.load(row1 + o), b1 = v128.load(row1 + o, 16);
    let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
    let bi = idx;
    let e = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    let take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
    best = v128.bitselect(e, best, take);
    bi = v128.bitselect(i32x4.add(idx, one), bi, take);
    e = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
    best = v128.bitselect(e, best, take);
    bi = v128.bitselect(i32x4.add(idx, down), bi, take);
    e = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
    best = v128.bitselect(e, best, take);
    bi = v128.bitselect(i32x4.add(idx, downOne), bi, take);
    v128.store(y + (<usize>ow << 2), best);
    if (reluInput) bi = v128.bitselect(bi, i32x4.splat(-1), f32x4.gt(best, f32x4.splat(0)));
    v128.store(argmax + (<usize>ow << 2), bi);
    idx = i32x4.add(idx, step);
  }
  return ow;
}

export function maxPool2dBackward(dy: usize, argmax: usize, dx: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW;
  memory.fill(dx, 0, (<usize>P * HW) << 2);
  for (let p = 0; p < P; p++) {
    const dxp = dx + ((<usize>p * HW) << 2);
    const base = (<usize>p * OHW) << 2;
    for (let i: usize = 0; i < OHW; i++) {
      const idx = load<i32>(argmax + base + (i << 2));
      if (idx < 0) continue;
      const q = dxp + (<usize>idx << 2);
      store<f32>(q, load<f32>(q) + load<f32>(dy + base + (i << 2)));
    }
  }
}

export function avgPool2dForward(x: usize, y: usize,
  P: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, OH: i32, OW: i32): void {
  avgWindows(x, y, P, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW, false);
}

export function avgPool2dBackward(dy: usize, dx: usize,
  P: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, OH: i32, OW: i32): void {
  memory.fill(dx, 0, (<usize>P * <usize>H * <usize>W) << 2);
  avgWindows(dx, dy, P, H, W, KH, KW, strideH, strideW, padH, padW, OH, OW, true);
}

/**
 * Visits every output's window over x once, in output order: forward sums the window into y,
 * backward (`scatter`) adds y's value / (KH*KW) to each window element of x.
 */
// @ts-ignore: decorator
@inline function avgWindows(x: usize, y: usize,
  P: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, OH: i32, OW: i32,
  scatter: bool): void {
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW;
  const inv: f32 = 1 / <f32>(KH * KW);
  for (let p = 0; p < P; p++) {
    const xp = x + ((<usize>p * HW) << 2);
    let out = y + ((<usize>p * OHW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * strideH - padH;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * strideW - padW;
        const ws = max(w0, 0), we = min(w0 + KW, W);
        const g: f32 = scatter ? load<f32>(out) * inv : 0;
        let acc: f32 = 0;
        for (let h = hs; h < he; h++) {
          const row = xp + ((<usize>h * <usize>W) << 2);
          for (let w = ws; w < we; w++) {
            const q = row + (<usize>w << 2);
            if (scatter) store<f32>(q, load<f32>(q) + g);
            else acc += load<f32>(q);
          }
        }
        if (!scatter) store<f32>(out, acc * inv);
        out += 4;
      }
    }
  }
}
