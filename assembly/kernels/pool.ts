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
 * it wrote (all OW when OW >= 4, else none).
 */
function pool2x2Row(row0: usize, y: usize, argmax: usize, OW: i32, base: i32, W: i32, reluInput: bool): i32 {
  const row1 = row0 + (<usize>W << 2);
  let idx = i32x4.add(i32x4.splat(base), i32x4(0, 2, 4, 6));
  const step = i32x4.splat(8);
  let ow = 0;
  for (; ow + 4 <= OW; ow += 4) {
    const o = <usize>ow << 3;
    pool2x2Vector(row0 + o, row1 + o, y + (<usize>ow << 2), argmax + (<usize>ow << 2), idx, W, reluInput);
    idx = i32x4.add(idx, step);
  }
  if (ow < OW && OW >= 4) {
    // the last 1–3 windows as one vector over the row's last four, which rewrites up to three
    // outputs with the values they already hold (the windows are the same)
    const last = OW - 4;
    pool2x2Vector(row0 + (<usize>last << 3), row1 + (<usize>last << 3), y + (<usize>last << 2),
                  argmax + (<usize>last << 2), i32x4.add(i32x4.splat(base + 2 * last), i32x4(0, 2, 4, 6)), W, reluInput);
    ow = OW;
  }
  return ow;
}

/** Four 2×2 windows over row0/row1 (8 columns each): maxima to y, flat indices (idx = the windows' first) to argmax. */
// @ts-ignore: decorator
@inline function pool2x2Vector(row0: usize, row1: usize, y: usize, argmax: usize, idx: v128, W: i32, reluInput: bool): void {
  const a0 = v128.load(row0), a1 = v128.load(row0, 16);
  const b0 = v128.load(row1), b1 = v128.load(row1, 16);
  let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
  let bi = idx;
  let e = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
  let take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
  best = v128.bitselect(e, best, take);
  bi = v128.bitselect(i32x4.add(idx, i32x4.splat(1)), bi, take);
  e = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
  take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
  best = v128.bitselect(e, best, take);
  bi = v128.bitselect(i32x4.add(idx, i32x4.splat(W)), bi, take);
  e = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  take = v128.or(f32x4.gt(e, best), f32x4.ne(e, e));
  best = v128.bitselect(e, best, take);
  bi = v128.bitselect(i32x4.add(idx, i32x4.splat(W + 1)), bi, take);
  v128.store(y, best);
  if (reluInput) bi = v128.bitselect(bi, i32x4.splat(-1), f32x4.gt(best, f32x4.splat(0)));
  v128.store(argmax, bi);
}

export function maxPool2dBackward(dy: usize, argmax: usize, dx: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW;
  for (let p = 0; p < P; p++) {
    const dxp = dx + ((<usize>p * HW) << 2);
    const base = (<usize>p * OHW) << 2;
    // zeroed plane by plane, so the adds below find it in L1 (one fill of all planes first left
    // T2's 11 MB in memory, to be read back)
    memory.fill(dxp, 0, HW << 2);
    for (let i: usize = 0; i < OHW; i++) {
      // no branch on the index: over a ReLU's output -1 (no gradient) comes at random, and a
      // mispredicted branch cost more than the add. Such a window adds +0 to the plane's first
      // element, which changes no value: dx starts at +0 and a sum that starts at +0 is never -0.
      const idx = load<i32>(argmax + base + (i << 2));
      const q = dxp + (<usize>max(idx, 0) << 2);
      const g = load<f32>(dy + base + (i << 2));
      store<f32>(q, load<f32>(q) + select<f32>(g, 0, idx >= 0));
    }
  }
}

/**
 * maxPool2dBackward for 2×2 stride-2 unpadded windows (they tile the plane without overlap): each
 * pair of input rows is written once, four windows (eight columns) per vector, instead of zeroing
 * the plane and adding into it. A value is 0 + dy, as the adds give (so -0 becomes +0); rows and
 * columns no window covers are zero.
 */
export function maxPool2x2Backward(dy: usize, argmax: usize, dx: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  if (OW < 4 || 2 * OW > W || 2 * OH > H) {
    maxPool2dBackward(dy, argmax, dx, P, H, W, OH, OW);
    return;
  }
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW, rowBytes = <usize>W << 2;
  const lanes = i32x4(0, 2, 4, 6), zero = f32x4.splat(0);
  const at = i32x4.splat(0), right = i32x4.splat(1), down = i32x4.splat(W), downRight = i32x4.splat(W + 1);
  for (let p = 0; p < P; p++) {
    const dxp = dx + ((<usize>p * HW) << 2), base = (<usize>p * OHW) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const row0 = dxp + <usize>(2 * oh) * rowBytes, row1 = row0 + rowBytes;
      const src = base + ((<usize>(oh * OW)) << 2);
      // a window's index less its first element's: 0, 1, W or W + 1 (or below 0 for none)
      let first = i32x4.add(i32x4.splat(2 * oh * W), lanes);
      let ow = 0;
      for (;; ow += 4) {
        if (ow + 4 > OW) {
          if (ow == OW) break;
          // the last 1–3 windows: the row's last four again (the same values rewritten)
          ow = OW - 4;
          first = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), lanes);
        }
        const rel = i32x4.sub(v128.load(argmax + src + (<usize>ow << 2)), first);
        const g = f32x4.add(zero, v128.load(dy + src + (<usize>ow << 2)));
        const g00 = v128.and(g, i32x4.eq(rel, at)), g01 = v128.and(g, i32x4.eq(rel, right));
        const g10 = v128.and(g, i32x4.eq(rel, down)), g11 = v128.and(g, i32x4.eq(rel, downRight));
        const o = <usize>ow << 3;
        v128.store(row0 + o, v128.shuffle<f32>(g00, g01, 0, 4, 1, 5));
        v128.store(row0 + o, v128.shuffle<f32>(g00, g01, 2, 6, 3, 7), 16);
        v128.store(row1 + o, v128.shuffle<f32>(g10, g11, 0, 4, 1, 5));
        v128.store(row1 + o, v128.shuffle<f32>(g10, g11, 2, 6, 3, 7), 16);
        if (ow + 4 == OW) break;
        first = i32x4.add(first, i32x4.splat(8));
      }
      // an odd width's last column
      for (let w = 2 * OW; w < W; w++) {
        store<f32>(row0 + (<usize>w << 2), 0);
        store<f32>(row1 + (<usize>w << 2), 0);
      }
    }
    // an odd height's last row
    if (2 * OH < H) memory.fill(dxp + <usize>(2 * OH) * rowBytes, 0, <usize>(H - 2 * OH) * rowBytes);
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
