/**
 * Statistics and norms over dims: var, std (Bessel's correction as PyTorch's `correction`),
 * norm (p = 1, 2, ∞, −∞, 0, any p > 0), logsumexp, cumsum, with their gradient rules.
 * Sums use the reduce kernels' f64 block accumulation; cumsum carries its running sum in f64
 * (assembly/kernels/scan.ts). Where PyTorch defines a gradient at a kink (a zero norm or std,
 * tied maxima in the ∞-norm) the rules here give PyTorch's value.
 */
import { Tensor } from '../tensor.js';
import { record, withGradMode } from '../autograd.js';
import { K } from '../wasm.js';
import { fmt, normAxis, sizeOf } from '../shape.js';
import { maskedFill, where } from './select.js';
import { boolArg, checkOptions, keysOf, show } from '../args.js';

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** Sorted unique axes (all when dim is undefined/null or an empty list, as PyTorch). */
function axesOf(x: Tensor, dim: number | readonly number[] | undefined | null, op: string): number[] {
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return x.shape.map((_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim as number];
  const axes = list.map((d) => normAxis(d, x.ndim, op));
  if (new Set(axes).size !== axes.length) throw new RangeError(`${op}: dim ${show(dim)} repeats a dimension`);
  return axes.sort((a, b) => a - b);
}

/** Runs the forward of an op with an explicit gradient rule: nothing inside is recorded. */
const raw = <T>(fn: () => T): T => withGradMode(false, fn);

/**
 * Options of `variance`/`std`: the divisor's correction and keepdim.
 *
 * PyTorch: `torch.var(x, dim, correction=, keepdim=)`.
 * @example std(x, 0, { correction: 0 })
 */
export interface VarOptions {
  /** Subtracted from the count in the divisor (default 1: the unbiased estimate; 0: the population variance). */
  correction?: number;
  /** PyTorch's older flag: true is correction 1, false is correction 0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** var(x, dim, unbiased, keepdim) and var(x, dim, { correction, keepdim }) as in PyTorch. */
const VAR_OPTIONS = keysOf<VarOptions>()('correction', 'unbiased', 'keepdim');

function varArgs(op: string, options: VarOptions | boolean | undefined, keepdim: boolean | undefined): { correction: number; keepdim: boolean } {
  if (typeof options === 'boolean' || options === undefined) {
    return { correction: options === false ? 0 : 1, keepdim: boolArg(op, 'keepdim', keepdim, false) };
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${op}: the third argument must be the unbiased flag or an options object { correction, keepdim }, got ${show(options)}`);
  const o = checkOptions(op, options, VAR_OPTIONS);
  if (o.correction !== undefined && o.unbiased !== undefined) throw new TypeError(`${op}: give correction or unbiased, not both`);
  const correction = o.correction ?? (boolArg(op, 'unbiased', o.unbiased, true) ? 1 : 0);
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new RangeError(`${op}: correction must be a non-negative number, got ${show(correction)}`);
  }
  if (o.keepdim !== undefined && keepdim !== undefined) throw new TypeError(`${op}: keepdim was given twice, in the options object and as an argument`);
  return { correction, keepdim: boolArg(op, 'keepdim', o.keepdim ?? keepdim, false) };
}

/** Sum of squared deviations over `axes` (keepdim) and the deviations themselves. */
function deviations(x: Tensor, axes: number[]): { dev: Tensor; ss: Tensor } {
  const dev = x.sub(x.mean(axes, true));
  return { dev, ss: dev.square().sum(axes, true) };
}

function dropAxes(t: Tensor, x: Tensor, axes: number[], keepdim: boolean): Tensor {
  return keepdim ? t : t.reshape(x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Variance over dim (all dims by default): Σ(x − mean)² / max(0, N − correction). With N −
 * correction <= 0 the result is inf or NaN, as in PyTorch.
 */
export function variance(x: Tensor, dim?: number | readonly number[] | null, options?: VarOptions | boolean, keepdim?: boolean): Tensor {
  const op = 'var';
  checkTensor(x, op);
  const { correction, keepdim: keep } = varArgs(op, options, keepdim);
  const axes = axesOf(x, dim, op);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  // a composition of differentiable ops: its gradient is 2(x − mean) / (N − correction)
  const { ss } = deviations(x, axes);
  return dropAxes(ss.div(Math.max(0, n - correction)), x, axes, keep);
}

/** Standard deviation: sqrt(var); its gradient is 0 where std is 0 (as PyTorch), not NaN. */
export function std(x: Tensor, dim?: number | readonly number[] | null, options?: VarOptions | boolean, keepdim?: boolean): Tensor {
  const op = 'std';
  checkTensor(x, op);
  const { correction, keepdim: keep } = varArgs(op, options, keepdim);
  const axes = axesOf(x, dim, op);
  const denom = Math.max(0, axes.reduce((p, a) => p * x.shape[a], 1) - correction);
  const { dev, s } = raw(() => {
    const d = deviations(x, axes);
    return { dev: d.dev, s: d.ss.div(denom).sqrt() };
  });
  const out = dropAxes(s, x, axes, keep);
  return record(out, op, [x], (g) => {
    // d std / dx = (x − mean) / (denom · std), and 0 where std == 0
    const coef = maskedFill(g.reshape(s.shape.slice()).div(s.mul(denom)), s.eq(0), 0);
    return [dev.mul(coef)];
  });
}

/**
 * The order of `norm`: a number p (Infinity for the max norm) or 'fro'.
 * @example norm(x, 'fro')
 */
export type NormOrd = number | 'fro';

/**
 * The vector p-norm over dim (all elements by default): p = 2 ('fro'), 1, Infinity (max |x|),
 * -Infinity (min |x|), 0 (count of non-zeros), or any other p: (Σ|x|^p)^(1/p).
 * Gradients as PyTorch: 0 where the norm is 0; the ∞-norm's shared evenly among tied maxima.
 */
export function norm(x: Tensor, p: NormOrd = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  const op = 'norm';
  checkTensor(x, op);
  const ord = p === 'fro' ? 2 : p;
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new RangeError(`norm: p must be a number, Infinity, -Infinity or 'fro', got ${show(p)}`);
  boolArg(op, 'keepdim', keepdim);
  const axes = axesOf(x, dim, op);
  if (!Number.isFinite(ord) && axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`norm: the ${ord > 0 ? '' : '-'}inf-norm of an empty dimension is undefined (shape ${fmt(x.shape)}, dim ${show(dim ?? null)})`);
  }
  const n = raw(() => {
    const a = x.abs();
    if (ord === 2) return a.square().sum(axes, true).sqrt();
    if (ord === 1) return a.sum(axes, true);
    if (ord === 0) return a.ne(0).sum(axes, true);
    if (ord === Infinity || ord === -Infinity) {
      let m = a;
      for (const ax of axes) m = ord > 0 ? m.max(ax, true) : m.min(ax, true);
      return m;
    }
    return a.pow(ord).sum(axes, true).pow(1 / ord);
  });
  const out = keepdim ? n : n.reshape(x.shape.filter((_, i) => !axes.includes(i)));
  return record(out, op, [x], (g) => {
    const gk = g.reshape(n.shape.slice());
    if (ord === 0) return [zerosOf(x)];
    if (ord === 1) return [x.sign().mul(gk)];
    if (ord === Infinity || ord === -Infinity) {
      const hit = x.abs().eq(n);
      return [x.sign().mul(hit).mul(gk.div(hit.sum(axes, true)))];
    }
    // x · |x|^(p−2) · g / n^(p−1), and 0 where n == 0 or x == 0 (for p < 2 |x|^(p−2) is inf there; PyTorch gives 0)
    const scale = maskedFill(gk.div(ord === 2 ? n : n.pow(ord - 1)), n.eq(0), 0);
    if (ord === 2) return [x.mul(scale)];
    const dir = ord > 2 ? x.mul(x.abs().pow(ord - 2)) : maskedFill(x.sign().mul(x.abs().pow(ord - 1)), x.eq(0), 0);
    return [dir.mul(scale)];
  });
}

function zerosOf(x: Tensor): Tensor {
  const z = Tensor._like(x, 'norm backward');
  K().fill(z.ptr, z.size, 0);
  return z;
}

/** log Σ exp(x) over dim, computed as m + log Σ exp(x − m) with m the maximum (so it does not overflow). */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const op = 'logsumexp';
  checkTensor(x, op);
  if (dim === undefined) throw new TypeError('logsumexp: dim is required (e.g. logsumexp(x, -1))');
  boolArg(op, 'keepdim', keepdim);
  const axes = axesOf(x, dim, op);
  const y = raw(() => {
    let m = x;
    for (const ax of axes) m = m.max(ax, true);
    // an all −inf (or +inf) slice: shift by 0 instead, so the result is −inf (inf), not NaN
    const shift = where(m.abs().eq(Infinity), 0, m);
    return x.sub(shift).exp().sum(axes, true).log().add(shift);
  });
  const out = keepdim ? y : y.reshape(x.shape.filter((_, i) => !axes.includes(i)));
  // d/dx = softmax over the reduced dims = exp(x − y)
  return record(out, op, [x], (g) => [x.sub(y).exp().mul(g.reshape(y.shape.slice()))]);
}

/** Running sum along dim: y[k] = Σ_{j<=k} x[j]; the gradient is the running sum from the end. */
export function cumsum(x: Tensor, dim: number): Tensor {
  const op = 'cumsum';
  checkTensor(x, op);
  if (dim === undefined) throw new TypeError('cumsum: dim is required (e.g. cumsum(x, 0))');
  const d = normAxis(dim, x.ndim, op);
  const outer = sizeOf(x.shape.slice(0, d)), n = x.ndim === 0 ? 1 : x.shape[d], inner = sizeOf(x.shape.slice(d + 1));
  const scan = (src: Tensor, reverse: boolean, name: string): Tensor => {
    const y = Tensor._like(src, name);
    if (y.size > 0) K().cumsum(src.ptr, y.ptr, outer, n, inner, reverse ? 1 : 0);
    return y;
  };
  return record(scan(x, false, op), op, [x], (g) => [scan(g, true, `${op} backward`)]);
}

// `var` is a reserved word in JavaScript: the function is `variance`, exported as `var` too.
export { variance as var };
