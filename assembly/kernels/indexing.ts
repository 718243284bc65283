/**
 * Indexing along one axis: gather/scatter (an index per element) and indexSelect/indexAdd (an
 * index per slice). Tensors are seen as [outer, n, inner] around the indexed axis (contiguous
 * f32; the caller maps any axis to that view); indices are i32 with values in [0, n).
 *
 * Every kernel returns the position of the first index out of [0, n) (flat, in the index array),
 * or −1, so the bindings can name the bad index. Scatters run in row-major order of the index
 * array, so repeated indices resolve the same way every time: the last write wins (scatter) and
 * sums are added in that order (scatterAdd, indexAdd); no thread split changes it.
 */

/** y[o, j, i] = x[o, idx[o, j, i], i] with y and idx [outer, m, inner] and x [outer, n, inner]. */
export function gatherAlong(x: usize, idx: usize, y: usize, outer: i32, n: i32, m: i32, inner: i32): i32 {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const at = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) {
        const k = load<i32>(idx + (<usize>(at + i) << 2));
        if (k < 0 || k >= n) return at + i;
        store<f32>(y + (<usize>(at + i) << 2), load<f32>(x + (<usize>((o * n + k) * inner + i) << 2)));
      }
    }
  }
  return -1;
}

/**
 * y[o, idx[o, j, i], i] = src[o, j, i] (accumulate == 0) or += it (accumulate != 0), for src and
 * idx [outer, m, inner] into y [outer, n, inner]; y keeps its other values.
 */
export function scatterAlong(src: usize, idx: usize, y: usize, outer: i32, n: i32, m: i32, inner: i32, accumulate: i32): i32 {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const at = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) {
        const k = load<i32>(idx + (<usize>(at + i) << 2));
        if (k < 0 || k >= n) return at + i;
        const t = y + (<usize>((o * n + k) * inner + i) << 2);
        const v = load<f32>(src + (<usize>(at + i) << 2));
        store<f32>(t, accumulate ? load<f32>(t) + v : v);
      }
    }
  }
  return -1;
}

/** y[o, idx[o, j, i], i] = value (scatter of a constant; with value 0, the mask of scatter's backward). */
export function scatterFill(value: f32, idx: usize, y: usize, outer: i32, n: i32, m: i32, inner: i32): i32 {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const at = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) {
        const k = load<i32>(idx + (<usize>(at + i) << 2));
        if (k < 0 || k >= n) return at + i;
        store<f32>(y + (<usize>((o * n + k) * inner + i) << 2), value);
      }
    }
  }
  return -1;
}

/** y[o, j, :] = x[o, idx[j], :] with idx [m] (one index per slice), x [outer, n, inner], y [outer, m, inner]. */
export function indexSelectAlong(x: usize, idx: usize, y: usize, outer: i32, n: i32, m: i32, inner: i32): i32 {
  for (let j = 0; j < m; j++) {
    const k = load<i32>(idx + (<usize>j << 2));
    if (k < 0 || k >= n) return j;
  }
  const bytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      memory.copy(y + <usize>(o * m + j) * bytes, x + <usize>(o * n + k) * bytes, bytes);
    }
  }
  return -1;
}

/** y[o, idx[j], :] += alpha · src[o, j, :] with src [outer, m, inner] into y [outer, n, inner]. */
export function indexAddAlong(src: usize, idx: usize, y: usize, outer: i32, n: i32, m: i32, inner: i32, alpha: f32): i32 {
  for (let j = 0; j < m; j++) {
    const k = load<i32>(idx + (<usize>j << 2));
    if (k < 0 || k >= n) return j;
  }
  const a = f32x4.splat(alpha);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      const s = src + (<usize>((o * m + j) * inner) << 2);
      const t = y + (<usize>((o * n + k) * inner) << 2);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = <usize>i << 2;
        v128.store(t + p, f32x4.add(v128.load(t + p), f32x4.mul(a, v128.load(s + p))));
      }
      for (; i < inner; i++) {
        const p = <usize>i << 2;
        store<f32>(t + p, load<f32>(t + p) + alpha * load<f32>(s + p));
      }
    }
  }
  return -1;
}
