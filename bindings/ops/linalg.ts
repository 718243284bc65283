/**
 * torch.linalg: eigh, eigvalsh, svd, svdvals, solve, inv, pinv, lstsq (batched over leading dims).
 *
 * Storage is float32 like every tensor; each factorisation reads its matrices into float64 and
 * runs in plain JavaScript float64 (the matrices of PCA, whitening, OLS and ARD are small, and
 * O(n³) work in float64 is what keeps the float32 results accurate). Only +, −, ×, ÷ and
 * Math.sqrt are used — all correctly rounded by the JavaScript spec — and every loop runs in a
 * fixed order, so the results are the same bits in every runtime and on every thread count.
 *
 *   eigh   cyclic Jacobi rotations (Rutishauser's stable formulas) on the lower triangle (UPLO
 *          'L', as PyTorch), sweeping until an off-diagonal element is negligible against its
 *          diagonal pair; eigenvalues ascending as torch.linalg.eigh.
 *   svd    one-sided Jacobi (Hestenes) on the columns of A (of Aᵀ when m < n), full_matrices
 *          false: U [m, k], S [k] descending, Vh [k, n], k = min(m, n).
 *   solve  LU with partial pivoting; inv is solve(A, I); pinv and lstsq come from the SVD
 *          (lstsq returns the minimum-norm solution as PyTorch's 'gelsd' driver, with its
 *          residuals, rank and singular values).
 *
 * Eigenvectors and singular vectors are defined up to sign; LAPACK's signs depend on the library
 * build. wasmgrad fixes them: in each eigenvector and each left singular vector u_i, the entry
 * of largest magnitude (the first such on ties) is positive (v_i flips with u_i).
 *
 * Gradients (the formulas of PyTorch's FunctionsManual.cpp, written out in float64 here, one
 * matrix at a time): eigh and svd where the eigen/singular values are distinct (like PyTorch, the
 * gradient is infinite or NaN when they repeat), solve, inv, pinv and lstsq for inputs whose
 * rank does not change under small perturbations. No double backward.
 */
import { Tensor, fromValues } from '../tensor.js';
import { record } from '../autograd.js';
import { fmt, sizeOf } from '../shape.js';
import { checkOptions, numberArg, oneOf, show } from '../args.js';

const EPS = 2 ** -52;
const EPS32 = 2 ** -23;
const MAX_SWEEPS = 60;

// ---- float64 matrix helpers (row-major, dims given) ----------------------------------------------

/** C[m, n] = A[m, k] · B[k, n] (ta/tb: the stored A is [k, m] / B is [n, k] and is transposed). */
function mm(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = ta ? a[p * m + i] : a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aip * (tb ? b[j * k + p] : b[p * n + j]);
    }
  }
  return c;
}

function transposed(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

function axpy(y: Float64Array, x: Float64Array, alpha: number): Float64Array {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
  return y;
}

/** A float32 tensor from float64 matrices (one per batch entry), shape `shape`. */
function toTensor(parts: Float64Array[], shape: number[], op: string): Tensor {
  const size = sizeOf(shape);
  const flat = new Float32Array(size);
  let o = 0;
  for (const p of parts) { flat.set(p, o); o += p.length; }
  if (o !== size) throw new Error(`${op}: internal error, ${o} values for shape ${fmt(shape)}`);
  return fromValues(flat, shape, op, true);
}

/** A batch of matrices [..., m, n] read as float64, one array per matrix. */
interface Batch { batch: number[]; m: number; n: number; mats: Float64Array[] }

function readBatch(x: Tensor, count: number, m: number, n: number): Float64Array[] {
  const v = x._read();
  const mats: Float64Array[] = [];
  for (let b = 0; b < count; b++) mats.push(Float64Array.from(v.subarray(b * m * n, (b + 1) * m * n)));
  return mats;
}

function matrices(op: string, x: unknown, name = 'A', square = false): Batch {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${show(x)}`);
  if (x.ndim < 2) throw new RangeError(`${op}: ${name} must be a matrix or a batch of matrices [..., m, n], got shape ${fmt(x.shape)}`);
  const m = x.shape[x.ndim - 2], n = x.shape[x.ndim - 1];
  if (square && m !== n) throw new RangeError(`${op}: ${name} must be a square matrix (or a batch of them), got shape ${fmt(x.shape)} (${m}×${n})`);
  const batch = x.shape.slice(0, -2);
  const count = sizeOf(batch);
  const mats = readBatch(x, count, m, n);
  for (const a of mats) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new RangeError(`${op}: ${name} of shape ${fmt(x.shape)} holds a non-finite value (${a[i]})`);
    }
  }
  return { batch, m, n, mats };
}

/** Gradient matrices (null if the output got no gradient) in the batch layout of `shape`. */
function gradMats(g: Tensor | null, count: number, m: number, n: number): Float64Array[] {
  if (!g) return Array.from({ length: count }, () => new Float64Array(m * n));
  return readBatch(g, count, m, n);
}

/** Flips column j of a [rows, cols] matrix (and the same column of `also`) so its largest-magnitude entry is positive. */
function fixSign(a: Float64Array, rows: number, cols: number, j: number, also?: Float64Array, alsoRows?: number): void {
  let best = 0, at = 0;
  for (let i = 0; i < rows; i++) {
    const v = Math.abs(a[i * cols + j]);
    if (v > best) { best = v; at = i; }
  }
  if (a[at * cols + j] >= 0) return;
  for (let i = 0; i < rows; i++) a[i * cols + j] = -a[i * cols + j];
  if (also) for (let i = 0; i < alsoRows!; i++) also[i * cols + j] = -also[i * cols + j];
}

// ---- eigh: cyclic Jacobi ------------------------------------------------------------------------

/**
 * A plane rotation of two strided vectors of `buf`: x_k = buf[i + k·step], y_k = buf[j + k·step]
 * for k < count become c·x − s·y and s·x + c·y (columns of a row-major matrix: step = its width;
 * rows: step 1). The one rotation both Jacobi methods (eigh, svd) apply.
 */
function rotate(buf: Float64Array, i: number, j: number, step: number, count: number, c: number, s: number): void {
  for (let k = 0, xi = i, yi = j; k < count; k++, xi += step, yi += step) {
    const x = buf[xi], y = buf[yi];
    buf[xi] = c * x - s * y;
    buf[yi] = s * x + c * y;
  }
}

/** Eigen-decomposition of the symmetric matrix whose lower triangle `a` holds: w ascending, columns of v. */
function jacobiEigh(lower: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = lower[i * n + j];
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p], aqq = a[q * n + q];
        // negligible against both diagonal entries (or underflowing): treat as converged
        if (Math.abs(apq) <= EPS * 0.5 * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) < 1e-300) {
          a[p * n + q] = a[q * n + p] = 0;
          continue;
        }
        rotated = true;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        rotate(a, p, q, n, n, c, s); // columns p, q
        rotate(a, p * n, q * n, 1, n, c, s); // rows p, q
        a[p * n + q] = a[q * n + p] = 0;
        rotate(v, p, q, n, n, c, s); // columns p, q of the eigenvectors
      }
    }
    if (!rotated) break;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j] || i - j);
  const w = new Float64Array(n), vs = new Float64Array(n * n);
  order.forEach((src, dst) => {
    w[dst] = a[src * n + src];
    for (let k = 0; k < n; k++) vs[k * n + dst] = v[k * n + src];
  });
  for (let j = 0; j < n; j++) fixSign(vs, n, n, j);
  return { w, v: vs };
}

/** `[eigenvalues, eigenvectors]`, also by name (PyTorch's named tuple). @example const { eigenvalues, eigenvectors } = linalg.eigh(c) */
export type EighResult = [Tensor, Tensor] & { eigenvalues: Tensor; eigenvectors: Tensor };

function uploArg(op: string, uplo: unknown): 'L' | 'U' {
  return oneOf(op, 'UPLO', uplo, ['L', 'U'] as const, 'L');
}

/** The lower triangle of a (from its upper triangle when uplo is 'U'). */
function triangle(a: Float64Array, n: number, uplo: 'L' | 'U'): Float64Array {
  if (uplo === 'L') return a;
  return transposed(a, n, n);
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices
 * [..., n, n], reading only the lower triangle (UPLO 'L', or the upper with 'U'), as
 * torch.linalg.eigh. Each eigenvector's largest-magnitude entry is positive.
 */
export function eigh(A: Tensor, UPLO: 'L' | 'U' = 'L'): EighResult {
  const op = 'linalg.eigh';
  const uplo = uploArg(op, UPLO);
  const { batch, n, mats } = matrices(op, A, 'A', true);
  const parts = mats.map((a) => jacobiEigh(triangle(a, n, uplo), n));
  const L = toTensor(parts.map((p) => p.w), [...batch, n], op);
  const V = toTensor(parts.map((p) => p.v), [...batch, n, n], op);
  const out = Object.assign([L, V] as [Tensor, Tensor], { eigenvalues: L, eigenvectors: V });
  // both outputs share one backward: gradients reach A through whichever outputs are used
  const eighBackward = (gL: Tensor | null, gV: Tensor | null): Tensor => {
    const gLs = gradMats(gL, mats.length, 1, n), gVs = gradMats(gV, mats.length, n, n);
    return toTensor(parts.map(({ w, v }, b) => {
      // gA = V (diag(gL) + F ∘ sym(Vᵀ gV)) Vᵀ, F_ij = 1 / (λ_j − λ_i) (PyTorch's linalg_eig_backward)
      const vtg = mm(v, gVs[b], n, n, n, true);
      const inner = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          inner[i * n + j] = i === j ? gLs[b][i] : 0.5 * (vtg[i * n + j] - vtg[j * n + i]) / (w[j] - w[i]);
        }
      }
      return mm(mm(v, inner, n, n, n), v, n, n, n, false, true);
    }), A.shape.slice(), `${op} backward`);
  };
  linkOutputs(op, A, [L, V], eighBackward);
  return out;
}

/** Eigenvalues only (ascending), as torch.linalg.eigvalsh. */
export function eigvalsh(A: Tensor, UPLO: 'L' | 'U' = 'L'): Tensor {
  return eigh(A, UPLO).eigenvalues;
}

/**
 * Records the backward of a multi-output op: each output gets its own node, whose rule gives the
 * input's gradient from that output's gradient alone (the others taken as zero). The formulas
 * are linear in the output gradients, so the sum the autodiff accumulates over the outputs used
 * equals the joint formula.
 */
function linkOutputs(op: string, input: Tensor, outs: Tensor[], rule: (...grads: (Tensor | null)[]) => Tensor): void {
  outs.forEach((o, i) => {
    record(o, op, [input], (g) => [rule(...outs.map((_, j) => (j === i ? g : null)))]);
  });
}

// ---- svd: one-sided Jacobi ----------------------------------------------------------------------

interface Svd { u: Float64Array; s: Float64Array; vh: Float64Array }

/** Thin SVD of a [m, n] with m ≥ n by one-sided Jacobi: u [m, n], s [n] descending, v [n, n] columns. */
function jacobiSvdTall(a0: Float64Array, m: number, n: number): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const u = Float64Array.from(a0);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let k = 0; k < m; k++) {
          const ui = u[k * n + i], uj = u[k * n + j];
          alpha += ui * ui; beta += uj * uj; gamma += ui * uj;
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.abs(zeta) > 1e150 ? 1 / (2 * zeta) : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotate(u, i, j, n, m, c, s); // columns i, j of u [m, n]
        rotate(v, i, j, n, n, c, s); // columns i, j of v [n, n]
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let k = 0; k < m; k++) ss += u[k * n + j] * u[k * n + j];
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j] - norms[i] || i - j);
  const s = new Float64Array(n), us = new Float64Array(m * n), vs = new Float64Array(n * n);
  const tiny = (norms[order[0]] || 0) * EPS * Math.max(m, n);
  const zero: number[] = [];
  order.forEach((src, dst) => {
    s[dst] = norms[src];
    for (let k = 0; k < n; k++) vs[k * n + dst] = v[k * n + src];
    if (norms[src] > tiny && norms[src] > 0) for (let k = 0; k < m; k++) us[k * n + dst] = u[k * n + src] / norms[src];
    else zero.push(dst);
  });
  // Columns of U for (numerically) zero singular values: an orthonormal completion, from the
  // unit vectors, each orthogonalised twice against the columns so far (classical Gram-Schmidt).
  for (const j of zero) {
    let bestVec: Float64Array | null = null, bestNorm = -1;
    for (let e = 0; e < m; e++) {
      const x = new Float64Array(m);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < n; c++) {
          if (c === j || (zero.includes(c) && zero.indexOf(c) > zero.indexOf(j))) continue;
          let d = 0;
          for (let k = 0; k < m; k++) d += us[k * n + c] * x[k];
          for (let k = 0; k < m; k++) x[k] -= d * us[k * n + c];
        }
      }
      let nn = 0;
      for (let k = 0; k < m; k++) nn += x[k] * x[k];
      if (nn > bestNorm + 1e-12) { bestNorm = nn; bestVec = x; }
    }
    const r = Math.sqrt(bestNorm);
    for (let k = 0; k < m; k++) us[k * n + j] = bestVec![k] / r;
  }
  for (let j = 0; j < n; j++) fixSign(us, m, n, j, vs, n);
  return { u: us, s, v: vs };
}

function thinSvd(a: Float64Array, m: number, n: number): Svd {
  if (m >= n) {
    const { u, s, v } = jacobiSvdTall(a, m, n);
    return { u, s, vh: transposed(v, n, n) };
  }
  // A = (Aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ: U = V' [m, m], Vh = U'ᵀ [m, n]; signs fixed on the new U
  const { u: u2, s, v: v2 } = jacobiSvdTall(transposed(a, m, n), n, m);
  for (let j = 0; j < m; j++) fixSign(v2, m, m, j, u2, n);
  return { u: v2, s, vh: transposed(u2, n, m) };
}

/** `[U, S, Vh]`, also by name (PyTorch's named tuple). @example const { U, S, Vh } = linalg.svd(a) */
export type SvdResult = [Tensor, Tensor, Tensor] & { U: Tensor; S: Tensor; Vh: Tensor };
/** Options of `linalg.svd`. @example linalg.svd(a, { fullMatrices: false }) */
export interface SvdOptions {
  /** Only false (PyTorch's default is true): U [m, k] and Vh [k, n], k = min(m, n). */
  fullMatrices?: boolean;
}

/**
 * Thin singular value decomposition A = U diag(S) Vh of [..., m, n] matrices, as
 * torch.linalg.svd(A, full_matrices=False): S descending; each column of U has its
 * largest-magnitude entry positive (the row of Vh flips with it).
 */
export function svd(A: Tensor, fullMatricesOrOptions: boolean | SvdOptions = { fullMatrices: false }): SvdResult {
  const op = 'linalg.svd';
  const o = typeof fullMatricesOrOptions === 'boolean' ? { fullMatrices: fullMatricesOrOptions } : checkOptions(op, fullMatricesOrOptions, ['fullMatrices']);
  if (o.fullMatrices !== undefined && o.fullMatrices !== false) {
    throw new RangeError(`${op}: fullMatrices true is not supported (wasmgrad computes the thin SVD); pass { fullMatrices: false } — PCA, whitening and least squares need only the thin factors`);
  }
  const { batch, m, n, mats } = matrices(op, A);
  const k = Math.min(m, n);
  const parts = mats.map((a) => thinSvd(a, m, n));
  const U = toTensor(parts.map((p) => p.u), [...batch, m, k], op);
  const S = toTensor(parts.map((p) => p.s), [...batch, k], op);
  const Vh = toTensor(parts.map((p) => p.vh), [...batch, k, n], op);
  const svdBackward = (gU: Tensor | null, gS: Tensor | null, gVh: Tensor | null): Tensor => {
    const gUs = gradMats(gU, mats.length, m, k), gSs = gradMats(gS, mats.length, 1, k), gVhs = gradMats(gVh, mats.length, k, n);
    return toTensor(parts.map((p, b) => svdGrad(p, gU ? gUs[b] : null, gSs[b], gVh ? gVhs[b] : null, m, n, k)), A.shape.slice(), `${op} backward`);
  };
  linkOutputs(op, A, [U, S, Vh], svdBackward);
  return Object.assign([U, S, Vh] as [Tensor, Tensor, Tensor], { U, S, Vh });
}

/**
 * PyTorch's svd_backward for the thin SVD (real case):
 *   gA = U [ (skew(UᵀgU) / E) S + S (skew(VᵀgV) / E) + diag(gS) ] Vh
 *        + (I − UUᵀ) gU S⁻¹ Vh + U S⁻¹ gVᵀ (I − VVᵀ),
 * skew(X) = X − Xᵀ, E_jk = S_k² − S_j² (j ≠ k).
 */
function svdGrad({ u, s, vh }: Svd, gU: Float64Array | null, gS: Float64Array, gVh: Float64Array | null, m: number, n: number, k: number): Float64Array {
  const inner = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inner[i * k + i] = gS[i];
  let utgu: Float64Array | null = null, vtgv: Float64Array | null = null;
  if (gU) {
    utgu = mm(u, gU, k, m, k, true);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      if (i !== j) inner[i * k + j] += (utgu[i * k + j] - utgu[j * k + i]) / (s[j] * s[j] - s[i] * s[i]) * s[j];
    }
  }
  if (gVh) {
    // VᵀgV = Vh gVhᵀ
    vtgv = mm(vh, gVh, k, n, k, false, true);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      if (i !== j) inner[i * k + j] += s[i] * (vtgv[i * k + j] - vtgv[j * k + i]) / (s[j] * s[j] - s[i] * s[i]);
    }
  }
  const gA = mm(mm(u, inner, m, k, k), vh, m, k, n);
  if (gU && m > k) {
    // (gU − U UᵀgU) S⁻¹ Vh
    const r = axpy(Float64Array.from(gU), mm(u, utgu!, m, k, k), -1);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) r[i * k + j] /= s[j];
    axpy(gA, mm(r, vh, m, k, n), 1);
  }
  if (gVh && n > k) {
    // U S⁻¹ (gVh − VᵀgV Vh)   [gVᵀ(I − VVᵀ) = gVh − (gVh V) Vh, and gVh V = (VᵀgV)ᵀ]
    const r = axpy(Float64Array.from(gVh), mm(transposed(vtgv!, k, k), vh, k, k, n), -1);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) r[i * n + j] /= s[i];
    axpy(gA, mm(u, r, m, k, n), 1);
  }
  return gA;
}

/** Singular values only (descending), as torch.linalg.svdvals. */
export function svdvals(A: Tensor): Tensor {
  return svd(A).S;
}

// ---- solve, inv ---------------------------------------------------------------------------------

/** X = A⁻¹ B for one [n, n] A and [n, k] B, by LU with partial pivoting (throws on a singular A). */
function luSolve(op: string, shape: readonly number[], a0: Float64Array, b0: Float64Array, n: number, k: number, which: string): Float64Array {
  const a = Float64Array.from(a0), x = Float64Array.from(b0);
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let col = 0; col < n; col++) {
    let piv = col, best = Math.abs(a[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col]);
      if (v > best) { best = v; piv = r; }
    }
    // a zero pivot, or one at rounding level of the float32 input (an exactly singular matrix
    // in float32 leaves a pivot of that size after float64 elimination)
    if (best === 0 || best <= scale * n * EPS * 4) {
      throw new RangeError(`${op}: ${which}A of shape ${fmt(shape)} is singular (pivot ${col + 1} of ${n} is ${best === 0 ? 'zero' : best.toExponential(2)}); the system has no unique solution — linalg.lstsq or linalg.pinv give the least-squares one`);
    }
    if (piv !== col) {
      for (let j = 0; j < n; j++) { const t = a[col * n + j]; a[col * n + j] = a[piv * n + j]; a[piv * n + j] = t; }
      for (let j = 0; j < k; j++) { const t = x[col * k + j]; x[col * k + j] = x[piv * k + j]; x[piv * k + j] = t; }
    }
    const d = a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / d;
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[r * n + j] -= f * a[col * n + j];
      for (let j = 0; j < k; j++) x[r * k + j] -= f * x[col * k + j];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    for (let j = 0; j < k; j++) {
      let v = x[r * k + j];
      for (let c = r + 1; c < n; c++) v -= a[r * n + c] * x[c * k + j];
      x[r * k + j] = v / a[r * n + r];
    }
  }
  return x;
}

/** B as [..., n, k] matrices: a vector right-hand side ([n] or [..., n] with A's batch) counts as k = 1. */
function rightHandSide(op: string, A: Tensor, B: unknown, rows: number): { bm: Batch; vector: boolean } {
  if (!(B instanceof Tensor)) throw new TypeError(`${op}: B must be a Tensor, got ${show(B)}`);
  const batchA = A.shape.slice(0, -2);
  const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.slice(0, -1).every((d, i) => d === batchA[i]));
  const Bm = vector ? B.reshape([...B.shape, 1]) : B;
  if (Bm.ndim < 2 || Bm.shape[Bm.ndim - 2] !== rows) {
    throw new RangeError(`${op}: B of shape ${fmt(B.shape)} does not fit A of shape ${fmt(A.shape)}: B needs ${rows} rows ([..., ${rows}, k] or a vector [${rows}])`);
  }
  const batchB = Bm.shape.slice(0, -2);
  const sameBatch = vector && B.ndim === 1 ? true : batchB.length === batchA.length && batchB.every((d, i) => d === batchA[i]);
  if (!sameBatch) throw new RangeError(`${op}: the batch dims of A ${fmt(A.shape)} and B ${fmt(B.shape)} differ (wasmgrad does not broadcast them; expand B first)`);
  const k = Bm.shape[Bm.ndim - 1];
  const count = sizeOf(batchA);
  if (vector && B.ndim === 1) {
    const one = readBatch(Bm, 1, rows, k)[0];
    return { bm: { batch: batchA, m: rows, n: k, mats: Array.from({ length: count }, () => one) }, vector };
  }
  return { bm: matrices(op, Bm, 'B'), vector };
}

/** Sums per-matrix gradients of a vector B [n] that was shared by every matrix of the batch. */
function sumOverBatch(parts: Float64Array[]): Float64Array[] {
  const s = new Float64Array(parts[0].length);
  for (const p of parts) axpy(s, p, 1);
  return [s];
}

/**
 * The solution X of A X = B for square A [..., n, n] and B [..., n, k] (or a vector [..., n]),
 * as torch.linalg.solve; a singular A is an error naming the shape.
 */
export function solve(A: Tensor, B: Tensor): Tensor {
  const op = 'linalg.solve';
  const am = matrices(op, A, 'A', true);
  const n = am.n;
  const { bm, vector } = rightHandSide(op, A, B, n);
  const k = bm.n;
  const xs = am.mats.map((a, b) => luSolve(op, A.shape, a, bm.mats[b], n, k, am.mats.length > 1 ? `matrix ${b} of ` : ''));
  const outShape = vector ? (B.ndim === 1 ? [...am.batch, n] : B.shape.slice()) : [...am.batch, n, k];
  const X = toTensor(xs, outShape, op);
  return record(X, op, [A, B], (g) => {
    // gB = A⁻ᵀ gX, gA = −gB Xᵀ
    const gx = readBatch(g, am.mats.length, n, k);
    const gB = am.mats.map((a, b) => luSolve(op, A.shape, transposed(a, n, n), gx[b], n, k, ''));
    const gA = gB.map((gb, b) => mm(gb, xs[b], n, k, n, false, true).map((v) => -v));
    return [
      A.requiresGrad ? toTensor(gA, A.shape.slice(), `${op} backward`) : null,
      B.requiresGrad ? toTensor(vector && B.ndim === 1 ? sumOverBatch(gB) : gB, B.shape.slice(), `${op} backward`) : null,
    ];
  });
}

/** The inverse of square matrices [..., n, n], as torch.linalg.inv; a singular A is an error. */
export function inv(A: Tensor): Tensor {
  const op = 'linalg.inv';
  const { batch, n, mats } = matrices(op, A, 'A', true);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const invs = mats.map((a, b) => luSolve(op, A.shape, a, eye, n, n, mats.length > 1 ? `matrix ${b} of ` : ''));
  const out = toTensor(invs, [...batch, n, n], op);
  return record(out, op, [A], (g) => {
    // gA = −A⁻ᵀ g A⁻ᵀ
    const gs = readBatch(g, mats.length, n, n);
    return [toTensor(invs.map((v, b) => mm(mm(v, gs[b], n, n, n, true), v, n, n, n, false, true).map((x) => -x)), A.shape.slice(), `${op} backward`)];
  });
}

// ---- pinv, lstsq (from the SVD) -----------------------------------------------------------------

/** A⁺ [n, m] = V diag(1/σ for σ > cutoff) Uᵀ, and the rank. */
function pseudoInverse(p: Svd, m: number, n: number, rtol: number): { pinv: Float64Array; rank: number } {
  const k = Math.min(m, n);
  const cutoff = rtol * (p.s[0] ?? 0);
  const scaled = new Float64Array(k * m); // diag(1/σ) Uᵀ
  let rank = 0;
  for (let i = 0; i < k; i++) {
    if (!(p.s[i] > cutoff) || p.s[i] === 0) continue;
    rank++;
    for (let r = 0; r < m; r++) scaled[i * m + r] = p.u[r * k + i] / p.s[i];
  }
  return { pinv: mm(p.vh, scaled, n, k, m, true), rank };
}

/**
 * The gradient of X = A⁺B (A⁺ of constant rank), as PyTorch's pinv_backward composed with the product:
 *   G = gX Bᵀ;  gA = −A⁺ᵀ G A⁺ᵀ + (I − AA⁺) Gᵀ A⁺A⁺ᵀ + A⁺ᵀA⁺ Gᵀ (I − A⁺A);  gB = A⁺ᵀ gX.
 */
function pinvProductGrad(a: Float64Array, ap: Float64Array, G: Float64Array, m: number, n: number): Float64Array {
  const gA = mm(mm(ap, G, m, n, m, true), ap, m, m, n, false, true).map((v) => -v);     // −A⁺ᵀ G A⁺ᵀ
  const gt = transposed(G, n, m);                                                       // Gᵀ [m, n]
  const apapt = mm(ap, ap, n, m, n, false, true);                                       // A⁺A⁺ᵀ [n, n]
  const t1 = mm(gt, apapt, m, n, n);
  axpy(axpy(gA, t1, 1), mm(a, mm(ap, t1, n, m, n), m, n, n), -1);                       // (I − AA⁺) Gᵀ A⁺A⁺ᵀ
  const aptap = mm(ap, ap, m, n, m, true);                                              // A⁺ᵀA⁺ [m, m]
  const t2 = mm(aptap, gt, m, m, n);
  axpy(axpy(gA, t2, 1), mm(t2, mm(ap, a, n, m, n), m, n, n), -1);                       // A⁺ᵀA⁺ Gᵀ (I − A⁺A)
  return gA;
}

/** Options of `linalg.pinv`. @example linalg.pinv(a, { rtol: 1e-6 }) */
export interface PinvOptions {
  /** Singular values below rtol·σ_max count as zero (default max(m, n)·float32 eps, as PyTorch for float32). */
  rtol?: number;
  /** Must be true: the symmetric (eigh-based) path is not implemented; the SVD path is valid for every input. */
  hermitian?: boolean;
}

function defaultRtol(m: number, n: number): number {
  return Math.max(m, n) * EPS32;
}

/** The Moore-Penrose pseudo-inverse of [..., m, n] matrices, as torch.linalg.pinv (from the SVD). */
export function pinv(A: Tensor, options?: PinvOptions): Tensor {
  const op = 'linalg.pinv';
  const o = checkOptions(op, options, ['rtol', 'hermitian']);
  if (o.hermitian) throw new RangeError(`${op}: hermitian true is not supported; the default SVD path gives the same result for symmetric input`);
  const { batch, m, n, mats } = matrices(op, A);
  const rtol = numberArg(op, 'rtol', o.rtol, defaultRtol(m, n), 0);
  const ps = mats.map((a) => pseudoInverse(thinSvd(a, m, n), m, n, rtol).pinv);
  const out = toTensor(ps, [...batch, n, m], op);
  return record(out, op, [A], (g) => {
    // X = A⁺ I: the product rule with B = I, so G = g
    const gs = readBatch(g, mats.length, n, m);
    return [toTensor(mats.map((a, b) => pinvProductGrad(a, ps[b], gs[b], m, n)), A.shape.slice(), `${op} backward`)];
  });
}

/** Options of `linalg.lstsq`. @example linalg.lstsq(a, b, { rcond: 1e-6 }) */
export interface LstsqOptions {
  /** Singular values below rcond·σ_max count as zero (default max(m, n)·float32 eps, as PyTorch). */
  rcond?: number;
  /** Accepted for PyTorch's spelling: only 'gelsd' (SVD-based, what wasmgrad computes). */
  driver?: 'gelsd';
}

/** What `linalg.lstsq` returns (PyTorch's named tuple, camelCased). @example const { solution, rank } = linalg.lstsq(a, b) */
export interface LstsqResult {
  /** The minimum-norm least-squares solution [..., n, k] (or [..., n] for a vector B). */
  solution: Tensor;
  /** Squared residual norms per column [..., k] when m > n and A has full rank; otherwise an empty tensor (as PyTorch). */
  residuals: Tensor;
  /** The numerical rank of each A (shape of the batch), as floats. */
  rank: Tensor;
  /** The singular values of each A [..., min(m, n)], descending. */
  singularValues: Tensor;
}

/**
 * The least-squares solution of A X ≈ B (A [..., m, n], B [..., m, k] or a vector [..., m]),
 * the minimum-norm one when A is rank-deficient, as torch.linalg.lstsq with driver 'gelsd'.
 * Differentiable with respect to A and B where the rank is locally constant.
 */
export function lstsq(A: Tensor, B: Tensor, options?: LstsqOptions): LstsqResult {
  const op = 'linalg.lstsq';
  const o = checkOptions(op, options, ['rcond', 'driver']);
  if (o.driver !== undefined && o.driver !== 'gelsd') throw new RangeError(`${op}: driver ${show(o.driver)} is not supported; wasmgrad's lstsq is SVD-based ('gelsd')`);
  const am = matrices(op, A);
  const { m, n } = am;
  const rcond = numberArg(op, 'rcond', o.rcond, defaultRtol(m, n), 0);
  const { bm, vector } = rightHandSide(op, A, B, m);
  const k = bm.n;
  const svds = am.mats.map((a) => thinSvd(a, m, n));
  const pinvs = svds.map((p) => pseudoInverse(p, m, n, rcond));
  const xs = pinvs.map((p, b) => mm(p.pinv, bm.mats[b], n, m, k));
  const outShape = vector ? [...am.batch, n] : [...am.batch, n, k];
  const solution = toTensor(xs, outShape, op);
  const fullRank = pinvs.every((p) => p.rank === n);
  const residuals = m > n && fullRank
    ? toTensor(xs.map((x, b) => {
      const r = axpy(Float64Array.from(bm.mats[b]), mm(am.mats[b], x, m, n, k), -1);
      const out = new Float64Array(k);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[j] += r[i * k + j] * r[i * k + j];
      return out;
    }), vector ? [...am.batch] : [...am.batch, k], op)
    : fromValues(new Float32Array(0), [0], op, true);
  const rank = fromValues(Float32Array.from(pinvs.map((p) => p.rank)), am.batch.slice(), op, true);
  const singularValues = toTensor(svds.map((p) => p.s), [...am.batch, Math.min(m, n)], op);
  record(solution, op, [A, B], (g) => {
    const gx = readBatch(g, am.mats.length, n, k);
    const gB = pinvs.map((p, b) => mm(p.pinv, gx[b], m, n, k, true)); // A⁺ᵀ gX
    return [
      A.requiresGrad ? toTensor(am.mats.map((a, b) => pinvProductGrad(a, pinvs[b].pinv, mm(gx[b], bm.mats[b], n, k, m, false, true), m, n)), A.shape.slice(), `${op} backward`) : null,
      B.requiresGrad ? toTensor(vector && B.ndim === 1 ? sumOverBatch(gB) : gB, B.shape.slice(), `${op} backward`) : null,
    ];
  });
  return { solution, residuals, rank, singularValues };
}
