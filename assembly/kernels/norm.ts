/**
 * Layer normalisation over the last n elements of each of `rows` contiguous rows:
 *   y = (x − mean)·rstd·gamma + beta,   rstd = 1/√(var + eps), var biased (as PyTorch).
 * gamma/beta [n] may be 0 (no affine). The forward pass also writes mean[rows] and rstd[rows]
 * for the backward pass. Each row is read from memory once: its three sweeps (sum, sums of the
 * shifted data, output) run while the row sits in L1; the shifted sums correct the mean and keep the
 * variance accurate when the mean is large against the spread.
 *
 * Backward, with xhat = (x − mean)·rstd and g = dy·gamma:
 *   dx     = rstd·(g − mean(g) − xhat·mean(g·xhat))      (overwritten)
 *   dgamma += Σ_rows dy·xhat,  dbeta += Σ_rows dy        (accumulated, rows in ascending order)
 * layerNormBackward does both in one sweep per row; a thread split instead runs it on row ranges
 * without dgamma, and layerNormParamGrads on column ranges. Each dgamma/dbeta element is then the
 * same sum over the same rows in the same order, with the same float operations: the same bits.
 *
 * Row sums use four f32 lanes combined in a fixed order, so results depend only on n.
 */

// @ts-ignore: decorator
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Σ p[j] over n floats. */
function rowSum(p: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, v128.load(p + (<usize>j << 2)));
  let s = lanes(acc);
  for (; j < n; j++) s += load<f32>(p + (<usize>j << 2));
  return s;
}

// Σ (p[j] − m) and Σ (p[j] − m)² over n floats (the first is the mean's correction term)
let centredSum: f32 = 0;

/** Σ (p[j] − m)² over n floats; leaves Σ (p[j] − m) in centredSum. */
function rowCentredSquares(p: usize, n: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let acc = f32x4.splat(0), acc1 = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const d = f32x4.sub(v128.load(p + (<usize>j << 2)), mv);
    acc1 = f32x4.add(acc1, d);
    acc = f32x4.add(acc, f32x4.mul(d, d));
  }
  let s = lanes(acc), s1 = lanes(acc1);
  for (; j < n; j++) {
    const d = load<f32>(p + (<usize>j << 2)) - m;
    s1 += d;
    s += d * d;
  }
  centredSum = s1;
  return s;
}

export function layerNormForward(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize,
  rows: i32, n: i32, eps: f32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    // shifted data: a first mean m0 from a float32 sum, then the sums of x − m0 (small, so
    // accurate) correct it and give the variance: var = Σd²/n − (Σd/n)²
    const m0: f32 = rowSum(xr, n) / <f32>n;
    const sq = <f64>rowCentredSquares(xr, n, m0) / <f64>n, shift = <f64>centredSum / <f64>n;
    const m = <f32>(<f64>m0 + shift);
    const v = max<f64>(sq - shift * shift, 0);
    const s = <f32>(1.0 / Math.sqrt(v + <f64>eps));
    store<f32>(mean + (<usize>r << 2), m);
    store<f32>(rstd + (<usize>r << 2), s);
    const mv = f32x4.splat(m), sv = f32x4.splat(s);
    let j = 0;
    if (gamma) {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        const h = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), sv);
        const b = beta ? v128.load(beta + o) : f32x4.splat(0);
        v128.store(yr + o, f32x4.add(f32x4.mul(h, v128.load(gamma + o)), b));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        const b: f32 = beta ? load<f32>(beta + o) : 0;
        store<f32>(yr + o, (load<f32>(xr + o) - m) * s * load<f32>(gamma + o) + b);
      }
    } else {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(yr + o, f32x4.mul(f32x4.sub(v128.load(xr + o), mv), sv));
      }
      for (; j < n; j++) store<f32>(yr + (<usize>j << 2), (load<f32>(xr + (<usize>j << 2)) - m) * s);
    }
  }
}

/** g = dy·gamma (or dy), elementwise; gamma may be 0. */
// @ts-ignore: decorator
@inline function gV(dy: usize, gamma: usize, o: usize): v128 {
  return gamma ? f32x4.mul(v128.load(dy + o), v128.load(gamma + o)) : v128.load(dy + o);
}
// @ts-ignore: decorator
@inline function gS(dy: usize, gamma: usize, o: usize): f32 {
  return gamma ? load<f32>(dy + o) * load<f32>(gamma + o) : load<f32>(dy + o);
}

/** dgamma[j] += dy[j]·xhat[j], dbeta[j] += dy[j] over one row's columns [0, n). */
// @ts-ignore: decorator
@inline function accumulateParams(dyr: usize, xr: usize, dgamma: usize, dbeta: usize, n: i32, m: f32, s: f32): void {
  const mv = f32x4.splat(m), sv = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const d = v128.load(dyr + o);
    const h = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), sv);
    if (dgamma) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, h)));
    if (dbeta) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const d = load<f32>(dyr + o);
    if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + d * ((load<f32>(xr + o) - m) * s));
    if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
  }
}

/**
 * For each row: dx (if dx != 0) overwritten, and dgamma/dbeta (each if != 0) accumulated.
 * gamma may be 0 (no affine).
 */
export function layerNormBackward(dy: usize, x: usize, gamma: usize, mean: usize, rstd: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const invN: f32 = 1.0 / <f32>n;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, dyr = dy + <usize>r * rowBytes;
    const m = load<f32>(mean + (<usize>r << 2)), s = load<f32>(rstd + (<usize>r << 2));
    if (dx) {
      const mv = f32x4.splat(m), sv = f32x4.splat(s);
      // sums of g and g·xhat
      let a = f32x4.splat(0), b = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        const g = gV(dyr, gamma, o);
        a = f32x4.add(a, g);
        b = f32x4.add(b, f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(xr + o), mv), sv)));
      }
      let sa = lanes(a), sb = lanes(b);
      for (; j < n; j++) {
        const o = <usize>j << 2;
        const g = gS(dyr, gamma, o);
        sa += g;
        sb += g * ((load<f32>(xr + o) - m) * s);
      }
      const ma = sa * invN, mb = sb * invN;
      const mav = f32x4.splat(ma), mbv = f32x4.splat(mb);
      const dxr = dx + <usize>r * rowBytes;
      j = 0;
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        const h = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), sv);
        v128.store(dxr + o, f32x4.mul(sv, f32x4.sub(f32x4.sub(gV(dyr, gamma, o), mav), f32x4.mul(h, mbv))));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        const h = (load<f32>(xr + o) - m) * s;
        store<f32>(dxr + o, s * ((gS(dyr, gamma, o) - ma) - h * mb));
      }
    }
    if (dgamma || dbeta) accumulateParams(dyr, xr, dgamma, dbeta, n, m, s);
  }
}

/**
 * dgamma/dbeta (each if != 0; overwritten) for columns [0, cols) of rows that are ld floats
 * apart: the caller offsets dy, x, dgamma and dbeta to the first column of its range.
 */
export function layerNormParamGrads(dy: usize, x: usize, mean: usize, rstd: usize, dgamma: usize, dbeta: usize,
  rows: i32, cols: i32, ld: i32): void {
  if (dgamma) memory.fill(dgamma, 0, <usize>cols << 2);
  if (dbeta) memory.fill(dbeta, 0, <usize>cols << 2);
  const rowBytes = <usize>ld << 2;
  for (let r = 0; r < rows; r++) {
    accumulateParams(dy + <usize>r * rowBytes, x + <usize>r * rowBytes, dgamma, dbeta, cols,
      load<f32>(mean + (<usize>r << 2)), load<f32>(rstd + (<usize>r << 2)));
  }
}
