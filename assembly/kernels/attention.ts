/**
 * Scaled dot-product attention over a batch of B independent (batch × head) problems in one call:
 * q [B, L, E], k [B, S, E], v [B, S, Ev], all contiguous, out [B, L, Ev]:
 *   scores = scale · q·kᵀ (+ mask) (−∞ above the diagonal when causal)      [L, S] per problem
 *   P      = softmax over each row of scores                                  -> probs [B, L, S]
 *   out    = (P ⊙ drop) · v            (drop: the dropout mask, 0 or 1/(1−p); 0 = no dropout)
 * Each product is one call of the blocked GEMM (gemm.ts) on the problem's matrices, so there are
 * no transposed copies and no per-head calls from JavaScript.
 *
 * The additive mask is read at mask + (maskOffsets[b] + i·maskRowStride + j·maskColStride) floats
 * (strides 0 broadcast it), which covers every shape that broadcasts to [B, L, S]. mask = 0: none.
 * probs is overwritten with P (saved for the backward pass); the softmax runs in float64 lanes
 * (max subtracted, exp of the difference summed in float64) and writes each P rounded twice at
 * most. A row that is −∞ everywhere gives NaN, as in PyTorch.
 *
 * Backward, per problem, from P, the dropout mask and dOut (every output overwritten):
 *   dv = (P ⊙ drop)ᵀ · dOut         dP = (dOut · vᵀ) ⊙ drop
 *   dS = P ⊙ (dP − rowsum(dP ⊙ P))  -> dScores [B, L, S] (also the additive mask's gradient)
 *   dq = scale · dS · k             dk = scale · dSᵀ · q
 * `ws` is L·S floats of scratch for P ⊙ drop (unused without dropout). Threads split the B
 * problems (the caller offsets every pointer and maskOffsets); each problem is computed the same
 * way whatever the split.
 */
import { gemm } from "./gemm";
import { splat, expD } from "./f64lanes";

// @ts-ignore: decorator
@inline function f32lanesMax(v: v128): f32 {
  return max<f32>(max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** In-place softmax of n floats at p: exp(x − max) in float64 lanes, normalised by their float64 sum. */
function softmaxRow(p: usize, n: i32): void {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) mv = f32x4.max(mv, v128.load(p + (<usize>j << 2)));
  let m = f32lanesMax(mv);
  for (; j < n; j++) m = max<f32>(m, load<f32>(p + (<usize>j << 2)));
  const md = splat(<f64>m);
  let sum = splat(0);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const x = v128.load(p + o);
    const lo = expD(f64x2.sub(f64x2.promote_low_f32x4(x), md));
    const hi = expD(f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), md));
    sum = f64x2.add(sum, f64x2.add(lo, hi));
    v128.store(p + o, i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = f64x2.extract_lane(expD(splat(<f64>load<f32>(p + o) - <f64>m)), 0);
    total += e;
    store<f32>(p + o, <f32>e);
  }
  const r = <f32>(1.0 / total);
  const rv = f32x4.splat(r);
  j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + (<usize>j << 2), f32x4.mul(v128.load(p + (<usize>j << 2)), rv));
  for (; j < n; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * r);
}

/** dst = a ⊙ b over n floats. */
function mulRows(dst: usize, a: usize, b: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2)));
}

export function attentionForward(q: usize, k: usize, v: usize, mask: usize, maskOffsets: usize,
  maskRowStride: i32, maskColStride: i32, drop: usize, probs: usize, out: usize, ws: usize,
  B: i32, L: i32, S: i32, E: i32, Ev: i32, scale: f32, causal: i32): void {
  const LS = <usize>L * <usize>S;
  for (let b = 0; b < B; b++) {
    const pb = probs + ((<usize>b * LS) << 2);
    gemm(0, 1, L, S, E, scale, q + ((<usize>b * <usize>L * <usize>E) << 2), E,
      k + ((<usize>b * <usize>S * <usize>E) << 2), E, 0, pb, S);
    const moff = mask ? load<i32>(maskOffsets + (<usize>b << 2)) : 0;
    for (let i = 0; i < L; i++) {
      const row = pb + ((<usize>i * <usize>S) << 2);
      if (mask) {
        const mrow = mask + (<usize>(moff + i * maskRowStride) << 2);
        if (maskColStride == 1) {
          let j = 0;
          for (; j + 4 <= S; j += 4) {
            const o = <usize>j << 2;
            v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(mrow + o)));
          }
          for (; j < S; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) + load<f32>(mrow + (<usize>j << 2)));
        } else {
          const mv = load<f32>(mrow);
          for (let j = 0; j < S; j++) store<f32>(row + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) + mv);
        }
      }
      if (causal) {
        // key j takes part iff j <= i (PyTorch: ones(L, S).tril())
        for (let j = i + 1; j < S; j++) store<f32>(row + (<usize>j << 2), -Infinity);
      }
      softmaxRow(row, S);
    }
    let pd = pb;
    if (drop) {
      mulRows(ws, pb, drop + ((<usize>b * LS) << 2), L * S);
      pd = ws;
    }
    gemm(0, 0, L, Ev, S, 1, pd, S, v + ((<usize>b * <usize>S * <usize>Ev) << 2), Ev, 0,
      out + ((<usize>b * <usize>L * <usize>Ev) << 2), Ev);
  }
}

/** dS = P ⊙ (dP − Σ dP ⊙ P) in place over one row of n (dP in ds). */
function softmaxBackwardRow(p: usize, ds: usize, n: i32): void {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(ds + o), v128.load(p + o)));
  }
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; j < n; j++) s += load<f32>(ds + (<usize>j << 2)) * load<f32>(p + (<usize>j << 2));
  const sv = f32x4.splat(s);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(ds + o, f32x4.mul(v128.load(p + o), f32x4.sub(v128.load(ds + o), sv)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(ds + o, load<f32>(p + o) * (load<f32>(ds + o) - s));
  }
}

/** dq, dk, dv may be 0 (not wanted); dScores [B, L, S] is always written. */
export function attentionBackward(q: usize, k: usize, v: usize, probs: usize, drop: usize, dOut: usize,
  dq: usize, dk: usize, dv: usize, dScores: usize, ws: usize,
  B: i32, L: i32, S: i32, E: i32, Ev: i32, scale: f32): void {
  const LS = <usize>L * <usize>S;
  for (let b = 0; b < B; b++) {
    const pb = probs + ((<usize>b * LS) << 2), ds = dScores + ((<usize>b * LS) << 2);
    const db = drop ? drop + ((<usize>b * LS) << 2) : 0;
    const qb = q + ((<usize>b * <usize>L * <usize>E) << 2), kb = k + ((<usize>b * <usize>S * <usize>E) << 2);
    const vb = v + ((<usize>b * <usize>S * <usize>Ev) << 2), gb = dOut + ((<usize>b * <usize>L * <usize>Ev) << 2);
    if (dv) {
      let pd = pb;
      if (drop) {
        mulRows(ws, pb, db, L * S);
        pd = ws;
      }
      gemm(1, 0, S, Ev, L, 1, pd, S, gb, Ev, 0, dv + ((<usize>b * <usize>S * <usize>Ev) << 2), Ev);
    }
    gemm(0, 1, L, S, Ev, 1, gb, Ev, vb, Ev, 0, ds, S);
    if (drop) mulRows(ds, ds, db, L * S);
    for (let i = 0; i < L; i++) softmaxBackwardRow(pb + ((<usize>i * <usize>S) << 2), ds + ((<usize>i * <usize>S) << 2), S);
    if (dq) gemm(0, 0, L, E, S, scale, ds, S, kb, E, 0, dq + ((<usize>b * <usize>L * <usize>E) << 2), E);
    if (dk) gemm(1, 0, S, E, L, scale, ds, S, qb, E, 0, dk + ((<usize>b * <usize>S * <usize>E) << 2), E);
  }
}
