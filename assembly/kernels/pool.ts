/**
 * 2-D pooling over planes: x [P,H,W] (P = N*C), y [P,OH,OW], row-major contiguous.
 * Window of output (oh,ow) starts at (oh*strideH - padH, ow*strideW - padW); OH/OW are given by
 * the caller. Max pool pads with -inf and records argmax as i32 flat index h*W+w within the plane
 * (first maximum in row-major window order wins; -1 if the window lies wholly in padding).
 * Avg pool counts padding (count_include_pad): every window divides by KH*KW.
 * Backward passes overwrite dx (zeroed, then scatter-add in a fixed output order).
 */

export function maxPool2dForward(x: usize, y: usize, argmax: usize,
  P: i32, H: i32, W: i32, KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, OH: i32, OW: i32): void {
  const HW = <usize>H * <usize>W, OHW = <usize>OH * <usize>OW;
  for (let p = 0; p < P; p++) {
    const xp = x + ((<usize>p * HW) << 2);
    let out = (<usize>p * OHW) << 2;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * strideH - padH;
      const hs = max(h0, 0), he = min(h0 + KH, H);
      for (let ow = 0; ow < OW; ow++) {
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
        store<i32>(argmax + out, bi);
        out += 4;
      }
    }
  }
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
