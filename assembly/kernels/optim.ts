/**
 * Fused optimiser updates: one call per parameter tensor per step, reading the gradient and the
 * optimiser state once and writing the parameter and state in place.
 *
 * Layout: f32, contiguous, n elements, all buffers the same length (a buffer an option does not
 * use may be 0). Scalars arrive as f32, computed by the caller in float64 exactly as PyTorch 1.13
 * computes its Python-side scalars (bias corrections, 1 − β, −lr). The element updates follow
 * PyTorch's single-tensor code paths operation by operation (mul_ then add_, addcmul's
 * (value·a)·b, addcdiv's (value·a)/b), each rounded to f32, so trajectories match torch.
 *
 * Every body is written once on v128: the SIMD loop runs it on 4 lanes, the tail on a splatted
 * single element (lane 0 stored), so the tail's arithmetic is the same IEEE f32 arithmetic.
 */

@inline function ld(p: usize, vec: bool): v128 {
  return vec ? v128.load(p) : f32x4.splat(load<f32>(p));
}

@inline function st(p: usize, v: v128, vec: bool): void {
  if (vec) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** grad + weightDecay·param (PyTorch's `grad.add(param, alpha=weight_decay)`). */
@inline function decayed(g: v128, p: v128, wd: f32): v128 {
  return wd != 0 ? f32x4.add(g, f32x4.mul(splat(wd), p)) : g;
}

/** a·s + v·t with each product rounded: PyTorch's `a.mul_(s).add_(v, alpha=t)`. */
@inline function ema(a: v128, s: f32, v: v128, t: f32): v128 {
  return f32x4.add(f32x4.mul(a, splat(s)), f32x4.mul(splat(t), v));
}

/** a·s + (t·v)·v: PyTorch's `a.mul_(s).addcmul_(v, v, value=t)`. */
@inline function emaSq(a: v128, s: f32, v: v128, t: f32): v128 {
  return f32x4.add(f32x4.mul(a, splat(s)), f32x4.mul(f32x4.mul(splat(t), v), v));
}

// ---- SGD ------------------------------------------------------------------------------------

@inline function sgdAt(o: usize, vec: bool, p: usize, g: usize, buf: usize, lr: f32, momentum: f32,
  oneMinusDampening: f32, wd: f32, nesterov: bool, first: bool): void {
  const pv = ld(p + o, vec);
  let d = decayed(ld(g + o, vec), pv, wd);
  if (momentum != 0) {
    const b = first ? d : ema(ld(buf + o, vec), momentum, d, oneMinusDampening);
    st(buf + o, b, vec);
    d = nesterov ? f32x4.add(d, f32x4.mul(splat(momentum), b)) : b;
  }
  st(p + o, f32x4.add(pv, f32x4.mul(splat(-lr), d)), vec);
}

/**
 * SGD with momentum/dampening/Nesterov/L2 decay. `buf` (the momentum buffer) is written from
 * the decayed gradient on the first step (firstStep = 1), as PyTorch clones it.
 */
export function sgdStep(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32,
  oneMinusDampening: f32, weightDecay: f32, nesterov: i32, firstStep: i32): void {
  const nest = nesterov != 0, first = firstStep != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdAt(<usize>i << 2, true, p, g, buf, lr, momentum, oneMinusDampening, weightDecay, nest, first);
  for (; i < n; i++) sgdAt(<usize>i << 2, false, p, g, buf, lr, momentum, oneMinusDampening, weightDecay, nest, first);
}

// ---- Adam / AdamW ---------------------------------------------------------------------------

@inline function adamAt(o: usize, vec: bool, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: f32, omb1: f32, beta2: f32, omb2: f32, negStepSize: f32, bc2Sqrt: f32, eps: f32,
  wd: f32, paramScale: f32): void {
  let pv = ld(p + o, vec);
  const gv = decayed(ld(g + o, vec), pv, wd);
  if (paramScale != 1) pv = f32x4.mul(pv, splat(paramScale));
  const mv = ema(ld(m + o, vec), beta1, gv, omb1);
  let vv = emaSq(ld(v + o, vec), beta2, gv, omb2);
  st(m + o, mv, vec);
  st(v + o, vv, vec);
  if (vmax != 0) {
    vv = f32x4.max(ld(vmax + o, vec), vv);
    st(vmax + o, vv, vec);
  }
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), splat(bc2Sqrt)), splat(eps));
  st(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(splat(negStepSize), mv), denom)), vec);
}

/**
 * Adam (weightDecay: L2 added to the gradient) and AdamW (paramScale = 1 − lr·wd applied to the
 * parameter first). vmax ≠ 0 turns on AMSGrad. negStepSize = −lr / (1 − β1^t), bc2Sqrt =
 * √(1 − β2^t).
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, negStepSize: f32, bc2Sqrt: f32,
  eps: f32, weightDecay: f32, paramScale: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    adamAt(<usize>i << 2, true, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, bc2Sqrt, eps, weightDecay, paramScale);
  }
  for (; i < n; i++) {
    adamAt(<usize>i << 2, false, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, bc2Sqrt, eps, weightDecay, paramScale);
  }
}

// ---- RMSprop --------------------------------------------------------------------------------

@inline function rmspropAt(o: usize, vec: bool, p: usize, g: usize, sq: usize, gavg: usize, buf: usize,
  alpha: f32, oma: f32, negLr: f32, eps: f32, wd: f32, momentum: f32): void {
  const pv = ld(p + o, vec);
  const gv = decayed(ld(g + o, vec), pv, wd);
  const sv = emaSq(ld(sq + o, vec), alpha, gv, oma);
  st(sq + o, sv, vec);
  let avg: v128;
  if (gavg != 0) {
    const ga = ema(ld(gavg + o, vec), alpha, gv, oma);
    st(gavg + o, ga, vec);
    avg = f32x4.sqrt(f32x4.add(sv, f32x4.mul(f32x4.neg(ga), ga)));
  } else {
    avg = f32x4.sqrt(sv);
  }
  avg = f32x4.add(avg, splat(eps));
  if (momentum > 0) {
    const b = f32x4.add(f32x4.mul(ld(buf + o, vec), splat(momentum)), f32x4.div(gv, avg));
    st(buf + o, b, vec);
    st(p + o, f32x4.add(pv, f32x4.mul(splat(negLr), b)), vec);
  } else {
    st(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(splat(negLr), gv), avg)), vec);
  }
}

/** RMSprop; gavg ≠ 0 makes it centered, buf is used when momentum > 0. */
export function rmspropStep(p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32,
  alpha: f32, oneMinusAlpha: f32, negLr: f32, eps: f32, weightDecay: f32, momentum: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) rmspropAt(<usize>i << 2, true, p, g, sq, gavg, buf, alpha, oneMinusAlpha, negLr, eps, weightDecay, momentum);
  for (; i < n; i++) rmspropAt(<usize>i << 2, false, p, g, sq, gavg, buf, alpha, oneMinusAlpha, negLr, eps, weightDecay, momentum);
}

// ---- Adagrad --------------------------------------------------------------------------------

@inline function adagradAt(o: usize, vec: bool, p: usize, g: usize, sum: usize, negClr: f32, eps: f32, wd: f32): void {
  const pv = ld(p + o, vec);
  const gv = decayed(ld(g + o, vec), pv, wd);
  const s = f32x4.add(ld(sum + o, vec), f32x4.mul(gv, gv));
  st(sum + o, s, vec);
  const std = f32x4.add(f32x4.sqrt(s), splat(eps));
  st(p + o, f32x4.add(pv, f32x4.div(f32x4.mul(splat(negClr), gv), std)), vec);
}

/** Adagrad; negClr = −lr / (1 + (t − 1)·lrDecay). */
export function adagradStep(p: usize, g: usize, sum: usize, n: i32, negClr: f32, eps: f32, weightDecay: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) adagradAt(<usize>i << 2, true, p, g, sum, negClr, eps, weightDecay);
  for (; i < n; i++) adagradAt(<usize>i << 2, false, p, g, sum, negClr, eps, weightDecay);
}

// ---- Adadelta -------------------------------------------------------------------------------

@inline function adadeltaAt(o: usize, vec: bool, p: usize, g: usize, sq: usize, acc: usize,
  rho: f32, omr: f32, negLr: f32, eps: f32, wd: f32): void {
  const pv = ld(p + o, vec);
  const gv = decayed(ld(g + o, vec), pv, wd);
  const sv = emaSq(ld(sq + o, vec), rho, gv, omr);
  st(sq + o, sv, vec);
  const std = f32x4.sqrt(f32x4.add(sv, splat(eps)));
  const av = ld(acc + o, vec);
  const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(av, splat(eps))), std), gv);
  st(acc + o, emaSq(av, rho, delta, omr), vec);
  st(p + o, f32x4.add(pv, f32x4.mul(splat(negLr), delta)), vec);
}

export function adadeltaStep(p: usize, g: usize, sq: usize, acc: usize, n: i32,
  rho: f32, oneMinusRho: f32, negLr: f32, eps: f32, weightDecay: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) adadeltaAt(<usize>i << 2, true, p, g, sq, acc, rho, oneMinusRho, negLr, eps, weightDecay);
  for (; i < n; i++) adadeltaAt(<usize>i << 2, false, p, g, sq, acc, rho, oneMinusRho, negLr, eps, weightDecay);
}
