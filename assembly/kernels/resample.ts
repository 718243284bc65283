/**
 * Resampling of P independent planes [H, W] -> [OH, OW] driven by index tables the caller
 * computes (bindings/ops/resample.ts, with PyTorch's coordinate rules), so that one kernel serves
 * every mode and scale:
 *   interpolate, nearest (linear = 0): y[oh, ow] = x[hi[oh], wi[ow]]           (tables of OH / OW i32)
 *   interpolate, bilinear (linear = 1): with hi = (h0, h1) and hw = (λh0, λh1) per output row
 *     (same for columns),  y = λh0·(λw0·x[h0,w0] + λw1·x[h0,w1]) + λh1·(λw0·x[h1,w0] + λw1·x[h1,w1])
 *     (PyTorch's order of operations)
 *   adaptive average pooling: rows [hs[oh], he[oh]) × columns [ws[ow], we[ow]), averaged
 * Backward kernels overwrite dx and add each output's gradient back to the inputs it read, in
 * output order, so results are deterministic; planes are independent (threads split them).
 */

export function interpolateForward(x: usize, y: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32,
  hi: usize, wi: usize, hw: usize, ww: usize, linear: i32): void {
  const inPlane = <usize>H * <usize>W, outPlane = <usize>OH * <usize>OW;
  for (let p = 0; p < P; p++) {
    const xp = x + ((<usize>p * inPlane) << 2), yp = y + ((<usize>p * outPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const yr = yp + ((<usize>oh * <usize>OW) << 2);
      if (!linear) {
        const xr = xp + ((<usize>load<i32>(hi + (<usize>oh << 2)) * <usize>W) << 2);
        for (let ow = 0; ow < OW; ow++) {
          store<f32>(yr + (<usize>ow << 2), load<f32>(xr + (<usize>load<i32>(wi + (<usize>ow << 2)) << 2)));
        }
        continue;
      }
      const r0 = xp + ((<usize>load<i32>(hi + (<usize>oh << 3)) * <usize>W) << 2);
      const r1 = xp + ((<usize>load<i32>(hi + (<usize>oh << 3), 4) * <usize>W) << 2);
      const lh0 = load<f32>(hw + (<usize>oh << 3)), lh1 = load<f32>(hw + (<usize>oh << 3), 4);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = <usize>load<i32>(wi + (<usize>ow << 3)) << 2, c1 = <usize>load<i32>(wi + (<usize>ow << 3), 4) << 2;
        const lw0 = load<f32>(ww + (<usize>ow << 3)), lw1 = load<f32>(ww + (<usize>ow << 3), 4);
        store<f32>(yr + (<usize>ow << 2), lh0 * (lw0 * load<f32>(r0 + c0) + lw1 * load<f32>(r0 + c1))
          + lh1 * (lw0 * load<f32>(r1 + c0) + lw1 * load<f32>(r1 + c1)));
      }
    }
  }
}

export function interpolateBackward(dy: usize, dx: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32,
  hi: usize, wi: usize, hw: usize, ww: usize, linear: i32): void {
  const inPlane = <usize>H * <usize>W, outPlane = <usize>OH * <usize>OW;
  memory.fill(dx, 0, (<usize>P * inPlane) << 2);
  for (let p = 0; p < P; p++) {
    const xp = dx + ((<usize>p * inPlane) << 2), gp = dy + ((<usize>p * outPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const gr = gp + ((<usize>oh * <usize>OW) << 2);
      if (!linear) {
        const xr = xp + ((<usize>load<i32>(hi + (<usize>oh << 2)) * <usize>W) << 2);
        for (let ow = 0; ow < OW; ow++) {
          const q = xr + (<usize>load<i32>(wi + (<usize>ow << 2)) << 2);
          store<f32>(q, load<f32>(q) + load<f32>(gr + (<usize>ow << 2)));
        }
        continue;
      }
      const r0 = xp + ((<usize>load<i32>(hi + (<usize>oh << 3)) * <usize>W) << 2);
      const r1 = xp + ((<usize>load<i32>(hi + (<usize>oh << 3), 4) * <usize>W) << 2);
      const lh0 = load<f32>(hw + (<usize>oh << 3)), lh1 = load<f32>(hw + (<usize>oh << 3), 4);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = <usize>load<i32>(wi + (<usize>ow << 3)) << 2, c1 = <usize>load<i32>(wi + (<usize>ow << 3), 4) << 2;
        const lw0 = load<f32>(ww + (<usize>ow << 3)), lw1 = load<f32>(ww + (<usize>ow << 3), 4);
        const g = load<f32>(gr + (<usize>ow << 2));
        store<f32>(r0 + c0, load<f32>(r0 + c0) + lh0 * lw0 * g);
        store<f32>(r0 + c1, load<f32>(r0 + c1) + lh0 * lw1 * g);
        store<f32>(r1 + c0, load<f32>(r1 + c0) + lh1 * lw0 * g);
        store<f32>(r1 + c1, load<f32>(r1 + c1) + lh1 * lw1 * g);
      }
    }
  }
}

/** Window bounds: start and end tables of OH (rows) and OW (columns) i32 each, [hs | he], [ws | we]. */
export function adaptiveAvgPool2dForward(x: usize, y: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32,
  hb: usize, wb: usize): void {
  const inPlane = <usize>H * <usize>W, outPlane = <usize>OH * <usize>OW;
  for (let p = 0; p < P; p++) {
    const xp = x + ((<usize>p * inPlane) << 2), yp = y + ((<usize>p * outPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = load<i32>(hb + (<usize>oh << 2)), h1 = load<i32>(hb + (<usize>(OH + oh) << 2));
      for (let ow = 0; ow < OW; ow++) {
        const w0 = load<i32>(wb + (<usize>ow << 2)), w1 = load<i32>(wb + (<usize>(OW + ow) << 2));
        let s: f32 = 0;
        for (let h = h0; h < h1; h++) {
          const xr = xp + ((<usize>h * <usize>W) << 2);
          for (let w = w0; w < w1; w++) s += load<f32>(xr + (<usize>w << 2));
        }
        store<f32>(yp + ((<usize>oh * <usize>OW + <usize>ow) << 2), s / <f32>((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(dy: usize, dx: usize, P: i32, H: i32, W: i32, OH: i32, OW: i32,
  hb: usize, wb: usize): void {
  const inPlane = <usize>H * <usize>W, outPlane = <usize>OH * <usize>OW;
  memory.fill(dx, 0, (<usize>P * inPlane) << 2);
  for (let p = 0; p < P; p++) {
    const xp = dx + ((<usize>p * inPlane) << 2), gp = dy + ((<usize>p * outPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = load<i32>(hb + (<usize>oh << 2)), h1 = load<i32>(hb + (<usize>(OH + oh) << 2));
      for (let ow = 0; ow < OW; ow++) {
        const w0 = load<i32>(wb + (<usize>ow << 2)), w1 = load<i32>(wb + (<usize>(OW + ow) << 2));
        const g = load<f32>(gp + ((<usize>oh * <usize>OW + <usize>ow) << 2)) / <f32>((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) {
          const xr = xp + ((<usize>h * <usize>W) << 2);
          for (let w = w0; w < w1; w++) store<f32>(xr + (<usize>w << 2), load<f32>(xr + (<usize>w << 2)) + g);
        }
      }
    }
  }
}
