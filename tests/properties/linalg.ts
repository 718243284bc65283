/**
 * Properties of linalg (eigh, eigvalsh, svd, svdvals, solve, inv, pinv, lstsq): random
 * well-conditioned batches. Forward: the defining identities in float64 (A·V = V·diag(λ), VᵀV = I,
 * A = U·diag(S)·Vh, A·X = B, the pseudo-inverse's Penrose conditions) and the sign and order
 * conventions; gradients: finite differences of float64 references written here (Jacobi
 * eigenvalues, Gaussian elimination); bad input: errors naming the op.
 */
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import * as wg from '../../bindings/index.js';
import { Tensor } from '../../bindings/index.js';
import { Nd } from '../helpers/ref.js';
import { prop, T, close, rejects, sameShape, gradMatches, dataOf, junkArb, Data } from './harness.js';

const { linalg } = wg;

// ---- float64 references ----------------------------------------------------------------------------

/** Row-major [m, n] product of [m, k] and [k, n]; `ta`/`tb` read the operands transposed. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
    out[i * n + j] = s;
  }
  return out;
}

/**
 * Eigenvalues (ascending) of a symmetric [n, n] matrix, from ml-matrix's float64 decomposition
 * (Householder tridiagonalisation and QL): another algorithm than the engine's cyclic Jacobi, so
 * the two cannot share a mistake.
 */
function eigvalsRef(sym: ArrayLike<number>, n: number): number[] {
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => sym[i * n + j]));
  return new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues.slice().sort((x, y) => x - y);
}

/** X = A⁻¹B for [n, n] A and [n, k] B by Gaussian elimination with partial pivoting, float64. */
function solveRef(A: ArrayLike<number>, B: ArrayLike<number>, n: number, k: number): Float64Array {
  const a = Float64Array.from(A), b = Float64Array.from(B);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let j = 0; j < n; j++) [a[c * n + j], a[p * n + j]] = [a[p * n + j], a[c * n + j]];
    for (let j = 0; j < k; j++) [b[c * k + j], b[p * k + j]] = [b[p * k + j], b[c * k + j]];
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      for (let j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j];
      for (let j = 0; j < k; j++) b[r * k + j] -= f * b[c * k + j];
    }
  }
  for (let c = n - 1; c >= 0; c--) for (let j = 0; j < k; j++) {
    let s = b[c * k + j];
    for (let q = c + 1; q < n; q++) s -= a[c * n + q] * b[q * k + j];
    b[c * k + j] = s / a[c * n + c];
  }
  return b;
}

const eye = (n: number) => Float64Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0));

/** Applies a per-matrix function over the batch of an Nd [..., m, n]. */
function perMatrix(x: Nd, m: number, n: number, outShape: number[], f: (a: Float64Array) => ArrayLike<number>): Nd {
  const count = x.size / (m * n), per = outShape.slice(x.shape.length - 2).reduce((p, q) => p * q, 1);
  const out = Nd.zeros(outShape);
  for (let b = 0; b < count; b++) out.data.set(f(x.data.subarray(b * m * n, (b + 1) * m * n)), b * per);
  return out;
}

/** The symmetric matrix whose lower triangle a holds (what eigh with UPLO 'L' reads). */
function fromLower(a: ArrayLike<number>, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = a[i * n + j];
  return s;
}

// ---- arbitraries -----------------------------------------------------------------------------------

const batchArb = fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 });

/** Square matrices made well-conditioned: random entries plus ±n·I. */
const squareArb = fc.tuple(batchArb, fc.integer({ min: 1, max: 4 }), fc.boolean()).chain(([batch, n, neg]) => dataOf([...batch, n, n]).map((d) => ({
  batch, n, A: { shape: d.shape, values: d.values.map((v, i) => Math.fround(v + (Math.floor(i / n) % n === i % n ? (neg ? -1 : 1) * (n + 4.5) : 0))) } as Data,
})));

/** Symmetric matrices with eigenvalues kept apart (a random diagonal spread plus a small symmetric part). */
const symArb = fc.tuple(batchArb, fc.integer({ min: 1, max: 4 })).chain(([batch, n]) => fc.tuple(dataOf([...batch, n, n]), fc.shuffledSubarray([-6, -3, 0, 3, 6, 9], { minLength: n, maxLength: n }))
  .map(([d, diag]) => {
    const v = d.values.slice();
    const count = v.length / (n * n);
    for (let b = 0; b < count; b++) for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      const x = i === j ? diag[i] + 0.2 * v[b * n * n + i * n + j] : 0.2 * v[b * n * n + i * n + j];
      v[b * n * n + i * n + j] = v[b * n * n + j * n + i] = Math.fround(x);
    }
    return { batch, n, A: { shape: d.shape, values: v } as Data };
  }));

/** [m, n] matrices with singular values kept apart (rows of a scaled, well-spread basis plus noise). */
const rectArb = fc.tuple(batchArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([batch, m, n]) => dataOf([...batch, m, n]).map((d) => {
  const k = Math.min(m, n);
  const v = d.values.map((x, i) => {
    const r = Math.floor(i / n) % m, c = i % n;
    // a diagonal with distinct values 2, 4, 6, ... (so min(m, n) distinct singular values) plus a small perturbation
    return Math.fround((r === c && r < k ? 2 * (r + 1) : 0) + 0.15 * x);
  });
  return { batch, m, n, A: { shape: d.shape, values: v } as Data };
}));

// ---- eigh ------------------------------------------------------------------------------------------

prop(['linalg.eigh', 'linalg.eigvalsh'], 'eigh: A·V = V·diag(λ), VᵀV = I, λ ascending, each eigenvector\'s largest entry positive; UPLO U reads the upper triangle; eigvalsh = λ', fc.tuple(symArb, fc.constantFrom<'L' | 'U'>('L', 'U')), ([{ n, A }, uplo]) => {
  const res = linalg.eigh(T(A), uplo);
  const [L, V] = res;
  if (res.eigenvalues !== L || res.eigenvectors !== V) throw new Error('eigh: .eigenvalues/.eigenvectors are not the pair');
  sameShape(L, A.shape.slice(0, -1), 'eigh eigenvalues');
  sameShape(V, A.shape, 'eigh eigenvectors');
  const l = L.data(), v = V.data(), count = A.values.length / (n * n);
  for (let b = 0; b < count; b++) {
    const a = Float64Array.from(A.values.slice(b * n * n, (b + 1) * n * n));
    const vb = v.subarray(b * n * n, (b + 1) * n * n), lb = Array.from(l.subarray(b * n, (b + 1) * n));
    const av = mm(a, vb, n, n, n), vl = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] = vb[i * n + j] * lb[j];
    close(av, vl, `eigh A·V = V·diag(λ) (matrix ${b} of [${A.shape}])`, 0, 2e-5 * 10);
    close(mm(vb, vb, n, n, n, true), eye(n), `eigh VᵀV = I (matrix ${b})`, 0, 2e-6 * n);
    close(lb, eigvalsRef(a, n), `eigh λ (matrix ${b})`, 2e-6, 2e-5);
    for (let j = 0; j < n; j++) {
      const col = Array.from({ length: n }, (_, i) => vb[i * n + j]);
      const big = col.reduce((p, x, i) => (Math.abs(x) > Math.abs(col[p]) + 1e-6 ? i : p), 0);
      if (col[big] < 0) throw new Error(`eigh: eigenvector ${j} of matrix ${b} has its largest entry negative: ${col}`);
    }
  }
  close(linalg.eigvalsh(T(A), uplo).data(), l, 'eigvalsh = eigh λ', 0, 0);
  // only the chosen triangle is read: junk in the other one changes nothing
  const junked = { shape: A.shape, values: A.values.map((x, i) => ((uplo === 'L' ? i % n > Math.floor(i / n) % n : i % n < Math.floor(i / n) % n) ? x + 100 : x)) };
  close(linalg.eigvalsh(T(junked), uplo).data(), l, `eigvalsh reads only the ${uplo === 'L' ? 'lower' : 'upper'} triangle`, 0, 0);
}, 40);

prop('linalg.eigh', 'eigh: the gradient of Σ w·λ (distinct eigenvalues) matches finite differences of a float64 Jacobi reference, through the lower triangle', symArb, ({ n, A }) => {
  const x = T(A, true);
  const w = Array.from({ length: A.values.length / n }, (_, i) => ((i * 7) % 5 - 2) / 2 + 0.3);
  linalg.eigh(x).eigenvalues.mul(wg.tensor(w, { shape: A.shape.slice(0, -1) })).sum().backward();
  const g = x.grad!.data();
  // d/dA_ij (i > j) of a function of the lower triangle is G_ij + G_ji; diagonal G_ii; upper 0
  const folded = Array.from(g, (v, k) => {
    const i = Math.floor(k / n) % n, j = k % n, b = Math.floor(k / (n * n));
    return i > j ? v + g[b * n * n + j * n + i] : i === j ? v : 0;
  });
  const ref = (xs: Nd[]) => perMatrix(xs[0], n, n, A.shape.slice(0, -1), (a) => eigvalsRef(fromLower(a, n), n));
  const nd = Nd.from(A.shape, A.values);
  const numeric = Array.from(nd.data, (keep, k) => {
    const h = 1e-6;
    nd.data[k] = keep + h;
    const up = Float64Array.from(ref([nd]).data);
    nd.data[k] = keep - h;
    const down = Float64Array.from(ref([nd]).data);
    nd.data[k] = keep;
    return up.reduce((s, u, i) => s + w[i] * (u - down[i]), 0) / (2 * h);
  });
  close(folded, numeric, `eigh gradient of [${A.shape}]`, 1e-3, 1e-4);
}, 25);

// ---- svd -------------------------------------------------------------------------------------------

prop(['linalg.svd', 'linalg.svdvals'], 'svd: A = U·diag(S)·Vh, UᵀU = I, Vh·Vhᵀ = I (thin), S descending and non-negative, each U column\'s largest entry positive; svdvals = S', rectArb, ({ m, n, A }) => {
  const k = Math.min(m, n);
  const res = linalg.svd(T(A), false);
  const [U, S, Vh] = res;
  if (res.U !== U || res.S !== S || res.Vh !== Vh) throw new Error('svd: .U/.S/.Vh are not the triple');
  const batch = A.shape.slice(0, -2);
  sameShape(U, [...batch, m, k], 'svd U');
  sameShape(S, [...batch, k], 'svd S');
  sameShape(Vh, [...batch, k, n], 'svd Vh');
  const u = U.data(), s = S.data(), vh = Vh.data(), count = A.values.length / (m * n);
  for (let b = 0; b < count; b++) {
    const ub = u.subarray(b * m * k, (b + 1) * m * k), sb = Array.from(s.subarray(b * k, (b + 1) * k)), vb = vh.subarray(b * k * n, (b + 1) * k * n);
    const us = Float64Array.from(ub, (x, i) => x * sb[i % k]);
    close(mm(us, vb, m, k, n), A.values.slice(b * m * n, (b + 1) * m * n), `svd U·diag(S)·Vh = A (matrix ${b} of [${A.shape}])`, 0, 2e-5 * (2 * k + 1));
    close(mm(ub, ub, k, m, k, true), eye(k), `svd UᵀU = I (matrix ${b})`, 0, 2e-6 * m);
    close(mm(vb, vb, k, n, k, false, true), eye(k), `svd Vh·Vhᵀ = I (matrix ${b})`, 0, 2e-6 * n);
    const a = Float64Array.from(A.values.slice(b * m * n, (b + 1) * m * n));
    const want = eigvalsRef(mm(a, a, n, m, n, true), n).reverse().slice(0, k).map((e) => Math.sqrt(Math.max(e, 0)));
    close(sb, want, `svd S (matrix ${b})`, 2e-6, 2e-5);
    sb.forEach((x, i) => { if (x < 0 || (i > 0 && x > sb[i - 1])) throw new Error(`svd: S not descending and non-negative: ${sb}`); });
    for (let j = 0; j < k; j++) {
      const col = Array.from({ length: m }, (_, i) => ub[i * k + j]);
      const big = col.reduce((p, x, i) => (Math.abs(x) > Math.abs(col[p]) + 1e-6 ? i : p), 0);
      if (col[big] < 0) throw new Error(`svd: column ${j} of U (matrix ${b}) has its largest entry negative: ${col}`);
    }
  }
  close(linalg.svdvals(T(A)).data(), s, 'svdvals = svd S', 0, 0);
  close(linalg.svd(T(A), { fullMatrices: false }).S.data(), s, 'svd(A, { fullMatrices: false })', 0, 0);
}, 40);

prop('linalg.svd', 'svd: the gradient of Σ w·S (distinct singular values) matches finite differences of a float64 reference', rectArb, ({ m, n, A }) => {
  const k = Math.min(m, n);
  gradMatches(`svdvals [${A.shape}]`, ([t]) => linalg.svdvals(t), ([t]) => perMatrix(t, m, n, [...A.shape.slice(0, -2), k],
    (a) => eigvalsRef(mm(a, a, n, m, n, true), n).reverse().slice(0, k).map((e) => Math.sqrt(Math.max(e, 0)))), [A], [true], 2e-3, 3e-4);
}, 25);

// ---- solve, inv, pinv, lstsq ---------------------------------------------------------------------

prop(['linalg.solve', 'linalg.inv'], 'solve(A, B) (B a matrix or a vector) and inv(A) equal Gaussian elimination in float64, with gradients of A and B', squareArb.chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: 3 }))
  .chain(([cc, k]) => fc.tuple(fc.constant(cc), fc.constant(k), dataOf(k === 0 ? [...cc.batch, cc.n] : [...cc.batch, cc.n, k])))), ([{ n, A }, k, B]) => {
  const kk = Math.max(k, 1);
  const ref = ([a, b]: Nd[]) => {
    const count = a.size / (n * n);
    const out = Nd.zeros(B.shape);
    for (let i = 0; i < count; i++) out.data.set(solveRef(a.data.subarray(i * n * n, (i + 1) * n * n), b.data.subarray(i * n * kk, (i + 1) * n * kk), n, kk), i * n * kk);
    return out;
  };
  const x = linalg.solve(T(A), T(B));
  sameShape(x, B.shape, `solve [${A.shape}] [${B.shape}]`);
  close(x.data(), ref([Nd.from(A.shape, A.values), Nd.from(B.shape, B.values)]).data, `solve [${A.shape}] [${B.shape}]`, 1e-5, 1e-5);
  gradMatches(`solve [${A.shape}] [${B.shape}]`, ([a, b]) => linalg.solve(a, b), ref, [A, B]);
  const invRef = ([a]: Nd[]) => perMatrix(a, n, n, A.shape, (m) => solveRef(m, eye(n), n, n));
  close(linalg.inv(T(A)).data(), invRef([Nd.from(A.shape, A.values)]).data, `inv [${A.shape}]`, 1e-5, 1e-6);
  gradMatches(`inv [${A.shape}]`, ([a]) => linalg.inv(a), invRef, [A]);
}, 30);

/** (AᵀA)⁻¹Aᵀ (tall) or Aᵀ(AAᵀ)⁻¹ (wide): the pseudo-inverse of a full-rank [m, n] A. */
function pinvRef(a: Float64Array, m: number, n: number): Float64Array {
  if (m >= n) {
    const x = solveRef(mm(a, a, n, m, n, true), mm(a, eye(m), n, m, m, true), n, m); // (AᵀA)⁻¹ Aᵀ: [n, m]
    return x;
  }
  const y = solveRef(mm(a, a, m, n, m, false, true), a, m, n); // (AAᵀ)⁻¹ A: [m, n]
  return Float64Array.from({ length: n * m }, (_, i) => y[(i % m) * n + Math.floor(i / m)]);
}

prop(['linalg.pinv', 'linalg.lstsq'], 'pinv and lstsq of full-rank tall or wide A: the float64 pseudo-inverse, the least-squares (minimum-norm) solution, residuals when m > n, rank and singular values, with gradients',
  rectArb.chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: 2 })).chain(([cc, k]) => fc.tuple(fc.constant(cc), fc.constant(k), dataOf(k === 0 ? [...cc.batch, cc.m] : [...cc.batch, cc.m, k])))),
  ([{ m, n, A }, k, B]) => {
    const batch = A.shape.slice(0, -2), kk = Math.max(k, 1);
    const pref = ([a]: Nd[]) => perMatrix(a, m, n, [...batch, n, m], (x) => pinvRef(x, m, n));
    close(linalg.pinv(T(A)).data(), pref([Nd.from(A.shape, A.values)]).data, `pinv [${A.shape}]`, 1e-4, 1e-5);
    gradMatches(`pinv [${A.shape}]`, ([a]) => linalg.pinv(a), pref, [A], [true], 3e-3, 3e-4);
    const sref = ([a, b]: Nd[]) => {
      const count = a.size / (m * n);
      const out = Nd.zeros(k === 0 ? [...batch, n] : [...batch, n, k]);
      for (let i = 0; i < count; i++) out.data.set(mm(pinvRef(a.data.subarray(i * m * n, (i + 1) * m * n), m, n), b.data.subarray(i * m * kk, (i + 1) * m * kk), n, m, kk), i * n * kk);
      return out;
    };
    const res = linalg.lstsq(T(A), T(B));
    const sol = sref([Nd.from(A.shape, A.values), Nd.from(B.shape, B.values)]);
    sameShape(res.solution, sol.shape, `lstsq solution [${A.shape}] [${B.shape}]`);
    close(res.solution.data(), sol.data, `lstsq [${A.shape}] [${B.shape}]`, 1e-4, 1e-5);
    close(res.rank.data(), new Array(res.rank.size).fill(Math.min(m, n)), 'lstsq rank', 0, 0);
    close(res.singularValues.data(), linalg.svdvals(T(A)).data(), 'lstsq singular values', 0, 0);
    if (m > n) {
      const count = A.values.length / (m * n);
      const want: number[] = [];
      for (let i = 0; i < count; i++) {
        const ax = mm(A.values.slice(i * m * n, (i + 1) * m * n), sol.data.subarray(i * n * kk, (i + 1) * n * kk), m, n, kk);
        for (let j = 0; j < kk; j++) {
          let s = 0;
          for (let q = 0; q < m; q++) s += (B.values[i * m * kk + q * kk + j] - ax[q * kk + j]) ** 2;
          want.push(s);
        }
      }
      close(res.residuals.data(), want, `lstsq residuals [${A.shape}] [${B.shape}]`, 1e-3, 1e-4);
    } else if (res.residuals.size !== 0) throw new Error(`lstsq: residuals of an m <= n system should be empty, got shape [${res.residuals.shape}]`);
    gradMatches(`lstsq [${A.shape}] [${B.shape}]`, ([a, b]) => linalg.lstsq(a, b).solution, sref, [A, B], [true, true], 3e-3, 3e-4);
  }, 30);

prop(['linalg.eigh', 'linalg.svd', 'linalg.solve', 'linalg.inv', 'linalg.pinv', 'linalg.lstsq'], 'linalg: 1-D or non-square input, non-finite entries, a singular or mismatched solve, fullMatrices true, a bad UPLO, unknown options and non-tensors are errors naming the op',
  fc.tuple(fc.integer({ min: 2, max: 4 }), junkArb, fc.constantFrom(NaN, Infinity, -Infinity), fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !['rtol', 'hermitian', 'rcond', 'driver', 'fullMatrices', '__proto__'].includes(s))), ([n, junk, bad, key]) => {
    const sq = wg.ones(n, n), rect = wg.ones(n, n + 1); // sq is singular (rank 1)
    const withBad = wg.tensor(Array.from({ length: n * n }, (_, i) => (i === 1 ? bad : i % (n + 1) === 0 ? 1 : 0)), { shape: [n, n] });
    for (const [op, fn] of [['linalg.eigh', linalg.eigh], ['linalg.inv', linalg.inv]] as const) {
      rejects(() => fn(rect), op, `${op} of [${n}, ${n + 1}]`);
      rejects(() => fn(wg.ones(n)), op, `${op} of a vector`);
      rejects(() => fn(withBad), op, `${op} with ${bad}`);
      rejects(() => fn(junk as Tensor), op, `${op}(${String(junk)})`);
    }
    rejects(() => linalg.eigh(sq, junk as 'L'), 'linalg.eigh', `UPLO ${String(junk)}`);
    rejects(() => linalg.svd(withBad), 'linalg.svd', `svd with ${bad}`);
    rejects(() => linalg.svd(rect, true), 'linalg.svd', 'fullMatrices true');
    rejects(() => linalg.svd(rect, { [key]: 1 } as never), 'linalg.svd', `svd option ${key}`);
    rejects(() => linalg.inv(sq), 'linalg.inv', 'a singular matrix');
    rejects(() => linalg.solve(sq, wg.ones(n)), 'linalg.solve', 'a singular system');
    rejects(() => linalg.solve(sq, wg.ones(n + 1)), 'linalg.solve', `B of ${n + 1} rows for [${n}, ${n}]`);
    rejects(() => linalg.solve(rect, wg.ones(n)), 'linalg.solve', 'non-square A');
    rejects(() => linalg.pinv(rect, { [key]: 1 } as never), 'linalg.pinv', `pinv option ${key}`);
    rejects(() => linalg.lstsq(rect, wg.ones(n), { [key]: 1 } as never), 'linalg.lstsq', `lstsq option ${key}`);
    rejects(() => linalg.lstsq(rect, wg.ones(n + 1)), 'linalg.lstsq', `B of ${n + 1} rows for [${n}, ${n + 1}]`);
    rejects(() => linalg.lstsq(rect, wg.ones(n), { driver: 'gelsy' as never }), 'linalg.lstsq', "driver 'gelsy'");
    rejects(() => linalg.lstsq(junk as Tensor, wg.ones(n)), 'linalg.lstsq', `lstsq(${String(junk)})`);
  }, 15);
