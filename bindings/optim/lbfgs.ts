/**
 * L-BFGS, a port of PyTorch 1.13's torch/optim/lbfgs.py (itself after minFunc), with its
 * strong-Wolfe line search. The flattened vectors are Float32Arrays worked on in JS: they are
 * few and short next to a forward pass. Values PyTorch holds as float32 0-d tensors (dot
 * products, ρ, the Hessian scale, α, β) are rounded to float32 here too; values it holds as
 * Python floats (losses, the step t, the interpolation) stay float64.
 */
import { Tensor } from '../tensor.js';
import { f32 } from '../wasm.js';
import { withGradMode } from '../autograd.js';
import { Closure, Optimizer, ParamGroup, Params, optimizerArgs } from './optimizer.js';
import { intArg, show } from '../args.js';

const fr = Math.fround;

/**
 * Options of `optim.LBFGS` (PyTorch's defaults: lr 1, maxIter 20, historySize 100, no line search).
 *
 * PyTorch: `LBFGS(params, lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size, line_search_fn)`.
 * @example new optim.LBFGS([x], { lineSearchFn: 'strongWolfe' })
 */
export interface LBFGSOptions {
  /** Step size (default 1). */
  lr?: number;
  /** Iterations per `step()` (default 20). PyTorch: `max_iter`. */
  maxIter?: number;
  /** Default: maxIter · 5/4 (rounded down). */
  maxEval?: number;
  /** Stop when the largest gradient component is at most this (default 1e-7). PyTorch: `tolerance_grad`. */
  toleranceGrad?: number;
  /** Stop when the loss or the step changes by at most this (default 1e-9). PyTorch: `tolerance_change`. */
  toleranceChange?: number;
  /** Number of past updates kept for the curvature estimate (default 100). PyTorch: `history_size`. */
  historySize?: number;
  /** 'strongWolfe' (PyTorch's spelling 'strong_wolfe' works too) or null for fixed steps. */
  lineSearchFn?: 'strongWolfe' | 'strong_wolfe' | null;
}

type Resolved = Required<Omit<LBFGSOptions, 'lineSearchFn' | 'maxEval'>> & { maxEval: number; lineSearchFn: 'strongWolfe' | null };

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return fr(s);
}

function absMax(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function absSum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return fr(s);
}

/** y += alpha·x, alpha rounded to float32 as torch's add_(alpha=) does. */
function axpy(y: Float32Array, alpha: number, x: Float32Array): void {
  const a = fr(alpha);
  for (let i = 0; i < y.length; i++) y[i] = y[i] + fr(a * x[i]);
}

function scaled(x: Float32Array, s: number): Float32Array {
  const a = fr(s), out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i];
  return out;
}

/**
 * Minimiser of the cubic through two points with values and slopes, clamped to bounds. In torch
 * the slopes are float32 tensors, so every term that touches them is float32; so here.
 */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number,
  bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = fr(fr(g1 + g2) - 3 * (f1 - f2) / (x1 - x2));
  const d2Square = fr(fr(d1 * d1) - fr(g1 * g2));
  if (d2Square >= 0) {
    const d2 = fr(Math.sqrt(d2Square));
    const minPos = x1 <= x2
      ? fr(x2 - fr(fr(x2 - x1) * fr(fr(fr(g2 + d2) - d1) / fr(fr(g2 - g1) + fr(2 * d2)))))
      : fr(x1 - fr(fr(x1 - x2) * fr(fr(fr(g1 + d2) - d1) / fr(fr(g1 - g2) + fr(2 * d2)))));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

type ObjFunc = (x: Float32Array[], t: number, d: Float32Array) => [number, Float32Array];

function strongWolfe(objFunc: ObjFunc, x: Float32Array[], t: number, d: Float32Array, f: number, g: Float32Array,
  gtd: number, c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): [number, Float32Array, number, number] {
  const dNorm = absMax(d);
  g = g.slice();
  let [fNew, gNew] = objFunc(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [], bracketF: number[] = [], bracketG: Float32Array[] = [], bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > fr(f + fr(c1 * t * gtd)) || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew.slice()]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= fr(-c2 * gtd)) {
      bracket = [t]; bracketF = [fNew]; bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew.slice()]; bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp; fPrev = fNew; gPrev = gNew.slice(); gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew];
  }

  // Zoom: refine the bracket until a point satisfies the Wolfe conditions.
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Too close to a bracket end, twice in a row or outside: move 10% of the bracket inwards.
    const bMax = Math.max(...bracket), bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > fr(f + fr(c1 * t * gtd)) || fNew >= bracketF[lowPos]) {
      bracket[highPos] = t; bracketF[highPos] = fNew; bracketG[highPos] = gNew.slice(); bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= fr(-c2 * gtd)) {
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        bracket[highPos] = bracket[lowPos]; bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos]; bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t; bracketF[lowPos] = fNew; bracketG[lowPos] = gNew.slice(); bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals];
}

/**
 * Limited-memory BFGS, PyTorch's algorithm step for step; `step(closure)` re-evaluates the loss.
 *
 * PyTorch: `optim.LBFGS`.
 * @example opt.step(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; })
 */
export class LBFGS extends Optimizer<Resolved> {
  private readonly params: Tensor[];
  private readonly numel: number;

  /**
   * PyTorch's LBFGS(params, lr=1, maxIter=20, maxEval=maxIter·5/4, toleranceGrad=1e-7,
   * toleranceChange=1e-9, historySize=100, lineSearchFn=null), positionally or by name.
   */
  constructor(params: Params, ...args: (number | string | null | LBFGSOptions | undefined)[]) {
    const o = optimizerArgs('LBFGS', args, ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'],
      { lr: 1, maxIter: 20, maxEval: null as number | null, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null as string | null });
    const maxIter = intArg('LBFGS', 'maxIter', o.maxIter, undefined, 1);
    const maxEval = o.maxEval === null ? Math.floor(maxIter * 5 / 4) : intArg('LBFGS', 'maxEval', o.maxEval, undefined, 1);
    intArg('LBFGS', 'historySize', o.historySize, undefined, 1);
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strongWolfe' && o.lineSearchFn !== 'strong_wolfe') {
      throw new RangeError(`LBFGS: lineSearchFn must be 'strong_wolfe' (or 'strongWolfe') or null, got ${show(o.lineSearchFn)}`);
    }
    const lineSearchFn = o.lineSearchFn === null ? null : 'strongWolfe' as const;
    super(params, { ...o, maxIter, maxEval, lineSearchFn }, 'LBFGS', ['toleranceGrad', 'toleranceChange']);
    if (this.paramGroups.length !== 1) throw new Error("LBFGS doesn't support per-parameter options (parameter groups)");
    this.params = this.paramGroups[0].params;
    this.numel = this.params.reduce((n, p) => n + p.size, 0);
  }

  protected override validate(g: ParamGroup<Resolved>): void {
    super.validate(g);
    if ((g.lineSearchFn as string | null) === 'strong_wolfe') g.lineSearchFn = 'strongWolfe';
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strongWolfe') {
      throw new RangeError(`LBFGS: lineSearchFn must be 'strong_wolfe' (or 'strongWolfe') or null, got ${show(g.lineSearchFn)}`);
    }
  }

  private gatherFlatGrad(): Float32Array {
    const out = new Float32Array(this.numel);
    let offset = 0;
    for (const p of this.params) {
      if (p.grad && !p.grad.isDisposed) out.set(p.grad._read(), offset);
      offset += p.size;
    }
    return out;
  }

  private addGrad(stepSize: number, update: Float32Array): void {
    const a = fr(stepSize);
    let offset = 0;
    for (const p of this.params) {
      const base = p.ptr >>> 2, mem = f32();
      for (let i = 0; i < p.size; i++) mem[base + i] = mem[base + i] + fr(a * update[offset + i]);
      offset += p.size;
    }
  }

  private cloneParams(): Float32Array[] {
    return this.params.map((p) => p._read());
  }

  private setParams(x: Float32Array[]): void {
    this.params.forEach((p, i) => f32().set(x[i], p.ptr >>> 2));
  }

  private evaluate(closure: Closure): number {
    const loss = withGradMode(true, closure);
    return typeof loss === 'number' ? loss : loss.item();
  }

  /** One L-BFGS step of up to maxIter iterations; returns the loss at the starting point. */
  step(closure?: Closure): number {
    if (!closure) throw new TypeError('LBFGS.step needs a closure that re-evaluates the loss and its gradients');
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    // PyTorch keeps the global state under the first parameter, so state dicts line up.
    const state = this.stateOf(this.params[0], () => ({ funcEvals: 0, nIter: 0 }));

    const origLoss = this.evaluate(closure);
    let loss = origLoss;
    let currentEvals = 1;
    state.funcEvals = (state.funcEvals as number) + 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = absMax(flatGrad) <= toleranceGrad;
    if (optCond) return origLoss;

    let d = (state.d ?? null) as Float32Array | null;
    let t = (state.t ?? 0) as number;
    let oldDirs = (state.oldDirs ?? []) as Float32Array[];
    let oldStps = (state.oldStps ?? []) as Float32Array[];
    let ro = (state.ro ?? []) as number[];
    let hDiag = (state.hDiag ?? 1) as number;
    let prevFlatGrad = (state.prevFlatGrad ?? null) as Float32Array | null;
    let prevLoss = (state.prevLoss ?? 0) as number;
    const al: number[] = new Array(historySize).fill(0);

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter = (state.nIter as number) + 1;

      if (state.nIter === 1) {
        d = scaled(flatGrad, -1);
        oldDirs = []; oldStps = []; ro = [];
        hDiag = 1;
      } else {
        const y = new Float32Array(flatGrad.length);
        for (let i = 0; i < y.length; i++) y[i] = flatGrad[i] - prevFlatGrad![i];
        const s = scaled(d!, t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) { oldDirs.shift(); oldStps.shift(); ro.shift(); }
          oldDirs.push(y); oldStps.push(s); ro.push(fr(1 / ys));
          hDiag = fr(ys / dot(y, y));
        }
        const numOld = oldDirs.length;
        const q = scaled(flatGrad, -1);
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = fr(dot(oldStps[i], q) * ro[i]);
          axpy(q, -al[i], oldDirs[i]);
        }
        const r = scaled(q, hDiag);
        for (let i = 0; i < numOld; i++) {
          const be = fr(dot(oldDirs[i], r) * ro[i]);
          axpy(r, fr(al[i] - be), oldStps[i]);
        }
        d = r;
      }
      if (prevFlatGrad === null) prevFlatGrad = flatGrad.slice(); else prevFlatGrad.set(flatGrad);
      prevLoss = loss;

      // The first step is scaled by the gradient's size; 1/|g|₁ is a float32 tensor in PyTorch.
      if (state.nIter === 1) {
        const inv = fr(1 / absSum(flatGrad));
        t = inv < 1 ? fr(inv * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = dot(flatGrad, d!);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn === 'strongWolfe') {
        const xInit = this.cloneParams();
        const objFunc: ObjFunc = (x, tt, dd) => {
          this.addGrad(tt, dd);
          const l = this.evaluate(closure);
          const g = this.gatherFlatGrad();
          this.setParams(x);
          return [l, g];
        };
        [loss, flatGrad, t, lsFuncEvals] = strongWolfe(objFunc, xInit, t, d!, loss, flatGrad, gtd);
        this.addGrad(t, d!);
        optCond = absMax(flatGrad) <= toleranceGrad;
      } else {
        this.addGrad(t, d!);
        if (nIter !== maxIter) {
          loss = this.evaluate(closure);
          flatGrad = this.gatherFlatGrad();
          optCond = absMax(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals = (state.funcEvals as number) + lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (absMax(d!) * Math.abs(fr(t)) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    Object.assign(state, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss });
    return origLoss;
  }
}
