/**
 * Reductions, softmax and the fused softmax cross-entropy.
 *
 * Every reduction sees its input as [outer, n, inner] (contiguous) and reduces the middle axis,
 * writing [outer, inner]; the caller (bindings/ops/reduce.ts) maps any axis to that view.
 * Summation order is fixed by the shape alone, so results are bit-reproducible.
 */

/** Sums n contiguous floats: four SIMD lanes per block of 1024, blocks added in f64 for accuracy. */
@inline function sumContiguous(x: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i < n) {
    const end = min<i32>(i + 1024, n);
    let acc = f32x4.splat(0);
    for (; i + 4 <= end; i += 4) acc = f32x4.add(acc, v128.load(x + (<usize>i << 2)));
    let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1))
      + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; i < end; i++) s += load<f32>(x + (<usize>i << 2));
    total += <f64>s;
  }
  return total;
}

/** y[o, j] = scale · Σ_k x[o, k, j]. */
export function reduceSum(x: usize, y: usize, outer: i32, n: i32, inner: i32, scale: f32): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      store<f32>(y + (<usize>o << 2), <f32>(sumContiguous(x + (<usize>(o * n) << 2), n) * <f64>scale));
    }
    return;
  }
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    reduceSumColumns(x + <usize>o * <usize>n * rowBytes, y + <usize>o * rowBytes, n, inner, inner, scale);
  }
}

/**
 * y[j] = scale · Σ_k x[k·ld + j] for j < cols: column sums of an n-row block, k ascending, each
 * column on its own (SIMD lanes are columns), so any split of the columns gives the same bits.
 */
export function reduceSumColumns(x: usize, y: usize, n: i32, ld: i32, cols: i32, scale: f32): void {
  const rowBytes = <usize>ld << 2;
  memory.fill(y, 0, <usize>cols << 2);
  for (let k = 0; k < n; k++) {
    const xr = x + <usize>k * rowBytes;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const p = <usize>j << 2;
      v128.store(y + p, f32x4.add(v128.load(y + p), v128.load(xr + p)));
    }
    for (; j < cols; j++) {
      const p = <usize>j << 2;
      store<f32>(y + p, load<f32>(y + p) + load<f32>(xr + p));
    }
  }
  if (scale != 1.0) {
    for (let j = 0; j < cols; j++) {
      const p = <usize>j << 2;
      store<f32>(y + p, load<f32>(y + p) * scale);
    }
  }
}

/**
 * y[o, j] = max_k x[o, k, j], and (if idx != 0) idx[o, j] = the first k attaining it (i32).
 * NaN wins, like PyTorch's max.
 */
export function reduceMax(x: usize, y: usize, idx: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = x + (<usize>(o * n * inner + j) << 2);
      let best = load<f32>(base);
      let bestK = 0;
      for (let k = 1; k < n; k++) {
        const v = load<f32>(base + (<usize>(k * inner) << 2));
        if (v > best || (v != v && best == best)) {
          best = v;
          bestK = k;
        }
      }
      const out = <usize>(o * inner + j);
      store<f32>(y + (out << 2), best);
      if (idx != 0) store<i32>(idx + (out << 2), bestK);
    }
  }
}

/** dx = 0 except dx[o, idx[o,j], j] = dy[o, j]: the gradient of max flows to its argmax. */
export function reduceMaxBackward(dy: usize, idx: usize, dx: usize, outer: i32, n: i32, inner: i32): void {
  memory.fill(dx, 0, <usize>outer * <usize>n * <usize>inner << 2);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const out = <usize>(o * inner + j) << 2;
      const k = load<i32>(idx + out);
      store<f32>(dx + (<usize>(o * n * inner + k * inner + j) << 2), load<f32>(dy + out));
    }
  }
}

/**
 * Softmax (log = 0) or log-softmax (log != 0) of x over the middle axis of [outer, n, inner].
 * Subtracting the maximum m first keeps exp from overflowing. Log-softmax is (x − m) − log Σ,
 * never x − (m + log Σ): for logits near 1e4 the sum m + log Σ would round to float32's step
 * there (~1e-3) and lose three digits. The sum is kept in f64 so long rows lose none either.
 */
export function softmax(x: usize, y: usize, outer: i32, n: i32, inner: i32, log: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const xb = x + (<usize>(o * n * inner + j) << 2);
      const yb = y + (<usize>(o * n * inner + j) << 2);
      const step = <usize>inner << 2;
      let m = load<f32>(xb);
      for (let k = 1; k < n; k++) m = max<f32>(m, load<f32>(xb + <usize>k * step));
      let s: f64 = 0;
      for (let k = 0; k < n; k++) {
        const e = Mathf.exp(load<f32>(xb + <usize>k * step) - m);
        s += <f64>e;
        if (!log) store<f32>(yb + <usize>k * step, e);
      }
      if (log) {
        const logSum = Math.log(s);
        const md = <f64>m;
        for (let k = 0; k < n; k++) store<f32>(yb + <usize>k * step, <f32>((<f64>load<f32>(xb + <usize>k * step) - md) - logSum));
      } else {
        const r: f32 = <f32>(1.0 / s);
        for (let k = 0; k < n; k++) store<f32>(yb + <usize>k * step, load<f32>(yb + <usize>k * step) * r);
      }
    }
  }
}

/**
 * Backward of softmax / log-softmax from the forward output y:
 * softmax: dx = y ⊙ (dy − Σ dy⊙y); log-softmax: dx = dy − exp(y) · Σ dy.
 */
export function softmaxBackward(y: usize, dy: usize, dx: usize, outer: i32, n: i32, inner: i32, log: i32): void {
  const step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const off = <usize>(o * n * inner + j) << 2;
      let s: f32 = 0;
      for (let k = 0; k < n; k++) {
        const p = off + <usize>k * step;
        s += log ? load<f32>(dy + p) : load<f32>(dy + p) * load<f32>(y + p);
      }
      for (let k = 0; k < n; k++) {
        const p = off + <usize>k * step;
        const yv = load<f32>(y + p);
        const g = load<f32>(dy + p);
        store<f32>(dx + p, log ? g - Mathf.exp(yv) * s : yv * (g - s));
      }
    }
  }
}

/**
 * Softmax cross-entropy per sample from logits [N, C] and i32 labels:
 * loss[i] = logsumexp(x_i) − x_i[label_i]; logp (N×C) keeps log-softmax for the backward pass.
 * Returns the first sample index whose label is out of range, or −1.
 */
export function crossEntropyForward(logits: usize, labels: usize, loss: usize, logp: usize, N: i32, C: i32): i32 {
  softmax(logits, logp, N, C, 1, 1);
  for (let i = 0; i < N; i++) {
    const label = load<i32>(labels + (<usize>i << 2));
    if (label < 0 || label >= C) return i;
    store<f32>(loss + (<usize>i << 2), -load<f32>(logp + (<usize>(i * C + label) << 2)));
  }
  return -1;
}

/** dx[i, c] = dloss[i] · (softmax(x_i)[c] − [c == label_i]). */
export function crossEntropyBackward(logp: usize, labels: usize, dloss: usize, dx: usize, N: i32, C: i32): void {
  for (let i = 0; i < N; i++) {
    const g = load<f32>(dloss + (<usize>i << 2));
    const label = load<i32>(labels + (<usize>i << 2));
    const row = <usize>(i * C) << 2;
    for (let c = 0; c < C; c++) {
      const p = row + (<usize>c << 2);
      const prob = Mathf.exp(load<f32>(logp + p));
      store<f32>(dx + p, g * (c == label ? prob - 1.0 : prob));
    }
  }
}

/** Negative log-likelihood from log-probabilities: loss[i] = −logp[i, label_i]; returns bad index or −1. */
export function nllForward(logp: usize, labels: usize, loss: usize, N: i32, C: i32): i32 {
  for (let i = 0; i < N; i++) {
    const label = load<i32>(labels + (<usize>i << 2));
    if (label < 0 || label >= C) return i;
    store<f32>(loss + (<usize>i << 2), -load<f32>(logp + (<usize>(i * C + label) << 2)));
  }
  return -1;
}

/** dx = 0 except dx[i, label_i] = −dloss[i]. */
export function nllBackward(labels: usize, dloss: usize, dx: usize, N: i32, C: i32): void {
  memory.fill(dx, 0, <usize>N * <usize>C << 2);
  for (let i = 0; i < N; i++) {
    const label = load<i32>(labels + (<usize>i << 2));
    store<f32>(dx + (<usize>(i * C + label) << 2), -load<f32>(dloss + (<usize>i << 2)));
  }
}
