/**
 * Data movement: one strided copy that serves permute/transpose, slice, concat, expand and their
 * backward passes; row gather/scatter for minibatches and embeddings; one-hot.
 *
 * Shapes and strides come as i32 arrays in memory (up to 8 dims; strides in elements, may be 0).
 */

import { COPY_MAX_DIMS } from "../abi";

const MAX_DIMS = COPY_MAX_DIMS;
const counter = memory.data(MAX_DIMS * 4, 16);

/**
 * dst[dstOff(i)] = src[srcOff(i)] (or += when accumulate != 0) for every index i of the box
 * shape[0..ndim), where xOff(i) = Σ i_d · xStrides[d].
 */
export function stridedCopy(src: usize, dst: usize, ndim: i32, shape: usize, srcStrides: usize,
  dstStrides: usize, accumulate: i32): void {
  if (ndim == 0) {
    store<f32>(dst, accumulate ? load<f32>(dst) + load<f32>(src) : load<f32>(src));
    return;
  }
  for (let d = 0; d < ndim; d++) if (load<i32>(shape + (<usize>d << 2)) == 0) return;
  const last = <usize>(ndim - 1) << 2;
  const n = load<i32>(shape + last);
  const ss = load<i32>(srcStrides + last);
  const ds = load<i32>(dstStrides + last);
  memory.fill(counter, 0, MAX_DIMS * 4);
  let so: i32 = 0;
  let dof: i32 = 0;
  while (true) {
    const s = src + (<usize>so << 2);
    const t = dst + (<usize>dof << 2);
    if (ss == 1 && ds == 1 && !accumulate) {
      memory.copy(t, s, <usize>n << 2);
    } else if (ss == 1 && ds == 1) {
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(t + o, f32x4.add(v128.load(t + o), v128.load(s + o)));
      }
      for (; i < n; i++) {
        const o = <usize>i << 2;
        store<f32>(t + o, load<f32>(t + o) + load<f32>(s + o));
      }
    } else {
      for (let i = 0; i < n; i++) {
        const sp = s + (<usize>(i * ss) << 2);
        const tp = t + (<usize>(i * ds) << 2);
        store<f32>(tp, accumulate ? load<f32>(tp) + load<f32>(sp) : load<f32>(sp));
      }
    }
    // Odometer over the outer dims.
    let d = ndim - 2;
    for (; d >= 0; d--) {
      const dp = <usize>d << 2;
      const c = load<i32>(counter + dp) + 1;
      so += load<i32>(srcStrides + dp);
      dof += load<i32>(dstStrides + dp);
      if (c < load<i32>(shape + dp)) {
        store<i32>(counter + dp, c);
        break;
      }
      store<i32>(counter + dp, 0);
      so -= c * load<i32>(srcStrides + dp);
      dof -= c * load<i32>(dstStrides + dp);
    }
    if (d < 0) return;
  }
}

/** y[r] = x[idx[r]] for rows of rowLen floats; returns the first r with idx out of [0, nRows), or −1. */
export function gatherRows(x: usize, idx: usize, y: usize, nIdx: i32, rowLen: i32, nRows: i32): i32 {
  const rowBytes = <usize>rowLen << 2;
  for (let r = 0; r < nIdx; r++) {
    const k = load<i32>(idx + (<usize>r << 2));
    if (k < 0 || k >= nRows) return r;
    memory.copy(y + <usize>r * rowBytes, x + <usize>k * rowBytes, rowBytes);
  }
  return -1;
}

/** dx[idx[r]] += dy[r]: the backward of gatherRows (dx must be zeroed or hold a sum to add to). */
export function scatterAddRows(dy: usize, idx: usize, dx: usize, nIdx: i32, rowLen: i32): void {
  const rowBytes = <usize>rowLen << 2;
  for (let r = 0; r < nIdx; r++) {
    const k = load<i32>(idx + (<usize>r << 2));
    const s = dy + <usize>r * rowBytes;
    const t = dx + <usize>k * rowBytes;
    for (let j = 0; j < rowLen; j++) {
      const o = <usize>j << 2;
      store<f32>(t + o, load<f32>(t + o) + load<f32>(s + o));
    }
  }
}

/** y [n, C] = one-hot rows of the i32 labels; returns the first bad index, or −1. */
export function oneHot(labels: usize, y: usize, n: i32, C: i32): i32 {
  memory.fill(y, 0, <usize>n * <usize>C << 2);
  for (let i = 0; i < n; i++) {
    const k = load<i32>(labels + (<usize>i << 2));
    if (k < 0 || k >= C) return i;
    store<f32>(y + (<usize>(i * C + k) << 2), 1.0);
  }
  return -1;
}

/** Converts n floats to i32 (truncation toward zero), e.g. class labels held in a float tensor. */
export function f32ToI32(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(y + (<usize>i << 2), <i32>load<f32>(x + (<usize>i << 2)));
}
