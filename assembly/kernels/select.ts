/**
 * Selection kernels: where (choose between two tensors by a mask), where with a constant
 * (maskedFill), and the triangle mask of tril/triu.
 *
 * Layout: f32, contiguous, all operands the same size n (the caller broadcasts first). A mask
 * element selects where it is non-zero. Each kernel overwrites y; y may alias an input.
 * Selection copies bits: NaN and ±inf pass through unchanged (no arithmetic blend), so
 * maskedFill(−inf) gives exact −inf for attention masks.
 */

/** y[i] = cond[i] != 0 ? a[i] : b[i]. */
export function where(cond: usize, a: usize, b: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keepA = f32x4.ne(v128.load(cond + o), zero);
    v128.store(y + o, v128.bitselect(v128.load(a + o), v128.load(b + o), keepA));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(cond + o) != 0 ? load<f32>(a + o) : load<f32>(b + o));
  }
}

/** y[i] = cond[i] != 0 ? value : b[i] (maskedFill; with b == y it fills in place). */
export function whereScalar(cond: usize, value: f32, b: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, v128.bitselect(v, v128.load(b + o), f32x4.ne(v128.load(cond + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(cond + o) != 0 ? value : load<f32>(b + o));
  }
}

/**
 * Triangle of each of `batch` rows×cols matrices: keeps x[r, c] where c − r <= k (lower,
 * upper == 0: tril) or c − r >= k (upper != 0: triu), zero elsewhere. Serves the forward pass
 * and, applied to the output gradient, the backward pass.
 */
export function triangle(x: usize, y: usize, batch: i32, rows: i32, cols: i32, k: i32, upper: i32): void {
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const row = <usize>((b * rows + r) * cols) << 2;
      // columns [lo, hi) are kept
      let lo = 0, hi = cols;
      if (upper) lo = min<i32>(max<i32>(r + k, 0), cols);
      else hi = min<i32>(max<i32>(r + k + 1, 0), cols);
      if (lo > 0) memory.fill(y + row, 0, <usize>lo << 2);
      if (hi > lo && x != y) memory.copy(y + row + (<usize>lo << 2), x + row + (<usize>lo << 2), <usize>(hi - lo) << 2);
      if (hi < cols) memory.fill(y + row + (<usize>hi << 2), 0, <usize>(cols - hi) << 2);
    }
  }
}
