/**
 * Scans: the cumulative sum along the middle axis of [outer, n, inner] (contiguous f32).
 *
 * Each running sum is carried in f64 (as PyTorch's CPU cumsum does) and rounded once per output,
 * so long scans do not drift. reverse != 0 sums from the end (y[k] = Σ_{j>=k} x[j]), which is
 * the backward pass of the forward scan. Overwrites y; the order depends only on the shape.
 */
export function cumsum(x: usize, y: usize, outer: i32, n: i32, inner: i32, reverse: i32): void {
  const step = <isize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = <usize>(o * n * inner + j) << 2;
      let p: usize = reverse ? base + <usize>((n - 1) * inner) * 4 : base;
      const dir: isize = reverse ? -step : step;
      let acc: f64 = 0;
      for (let k = 0; k < n; k++) {
        acc += <f64>load<f32>(x + p);
        store<f32>(y + p, <f32>acc);
        p = <usize>(<isize>p + dir);
      }
    }
  }
}
