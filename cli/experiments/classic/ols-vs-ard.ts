// Seed 003, exercise 2.2 part 3: ordinary least squares against automatic relevance determination
// (ARD) on a synthetic regression problem where only a few of many features matter — the data of
// scikit-learn's ARD example the seed follows: X ~ N(0, 1), a handful of weights ~ N(0, 1/λ), the
// rest 0, noise ~ N(0, 1/α). OLS is linalg.lstsq; ARD is MacKay's evidence maximisation (the
// fixed-point updates of scikit-learn's ARDRegression), each step a linalg.inv of the kept
// features' posterior precision.
import { linalg, randn, randperm, tensor, tidy } from '../../../bindings/index.js';
import { barChart, lineChart, panels } from '../../plot/index.js';
import { register } from '../../registry.js';

export interface ArdOptions {
  iterations: number;
  /** Stop when the summed change of the weights falls below this (scikit-learn's tol). */
  tol: number;
  /** A weight whose precision λ exceeds this is pruned to 0 (scikit-learn's threshold_lambda). */
  thresholdLambda: number;
}

export interface ArdFit {
  coef: number[];
  intercept: number;
  /** Per-weight precisions λ (Infinity once pruned). */
  lambda: number[];
  /** Noise precision α. */
  alpha: number;
  kept: number[];
  iterations: number;
}

/** Column means of X and the mean of y (both models fit an intercept by centring, as scikit-learn). */
function centre(X: number[][], y: number[]) {
  const n = X.length, d = X[0].length;
  const xm = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / n);
  const ym = y.reduce((a, b) => a + b, 0) / n;
  return { xm, ym, Xc: X.map((r) => r.map((v, j) => v - xm[j])), yc: y.map((v) => v - ym) };
}

/** OLS by linalg.lstsq on centred data (the minimum-norm solution when N ≤ d). */
export function ols(X: number[][], y: number[]): { coef: number[]; intercept: number } {
  const { xm, ym, Xc, yc } = centre(X, y);
  const coef = tidy(() => Array.from(linalg.lstsq(tensor(Xc), tensor(yc)).solution.data(), Number));
  return { coef, intercept: ym - coef.reduce((s, w, j) => s + w * xm[j], 0) };
}

/**
 * ARD regression: prior w_i ~ N(0, 1/λ_i), noise precision α, both re-estimated to maximise the
 * evidence (Gamma(1e-6, 1e-6) hyperpriors, as scikit-learn):
 *   Σ = (α XᵀX + diag λ)⁻¹ over the kept features, μ = α Σ Xᵀy, γ_i = 1 − λ_i Σ_ii,
 *   λ_i = (γ_i + 2·1e-6) / (μ_i² + 2·1e-6),   α = (N − Σγ + 2·1e-6) / (‖y − Xμ‖² + 2·1e-6).
 */
export function ard(X: number[][], y: number[], o: ArdOptions): ArdFit {
  const { xm, ym, Xc, yc } = centre(X, y);
  const n = X.length, d = X[0].length;
  const eps = 1e-6;
  const variance = yc.reduce((s, v) => s + v * v, 0) / n;
  let alpha = 1 / (variance + 1e-12);
  const lambda = new Array<number>(d).fill(1);
  let coef = new Array<number>(d).fill(0);
  let keep = Array.from({ length: d }, (_, j) => j);
  let it = 0;
  const xt = tensor(Xc).keep(), yt = tensor(yc.map((v) => [v])).keep();
  const gram = tidy(() => xt.transpose(0, 1).matmul(xt).keep());
  const xty = tidy(() => xt.transpose(0, 1).matmul(yt).keep());
  try {
    for (it = 1; it <= o.iterations; it++) {
      const k = keep.length;
      const next = new Array<number>(d).fill(0);
      let sigmaDiag: Float32Array = new Float32Array(0);
      if (k > 0) {
        tidy(() => {
          const idx = tensor(keep);
          const g = gram.indexSelect(0, idx).indexSelect(1, idx).mul(alpha).add(tensor(keep.map((j, a) => keep.map((_, b) => (a === b ? lambda[j] : 0)))));
          const sigma = linalg.inv(g);
          const mu = sigma.matmul(xty.indexSelect(0, idx)).mul(alpha).data();
          keep.forEach((j, a) => { next[j] = mu[a]; });
          const s = sigma.data();
          sigmaDiag = Float32Array.from(keep, (_, a) => s[a * k + a]);
        });
      }
      let sse = 0;
      for (let i = 0; i < n; i++) {
        let p = 0;
        for (const j of keep) p += Xc[i][j] * next[j];
        sse += (yc[i] - p) ** 2;
      }
      let gammaSum = 0;
      keep.forEach((j, a) => {
        const gamma = 1 - lambda[j] * sigmaDiag[a];
        gammaSum += gamma;
        lambda[j] = (gamma + 2 * eps) / (next[j] ** 2 + 2 * eps);
      });
      alpha = (n - gammaSum + 2 * eps) / (sse + 2 * eps);
      const change = next.reduce((s, w, j) => s + Math.abs(w - coef[j]), 0);
      keep = keep.filter((j) => lambda[j] < o.thresholdLambda);
      for (let j = 0; j < d; j++) if (!keep.includes(j)) { next[j] = 0; lambda[j] = Infinity; }
      coef = next;
      if (it > 1 && change < o.tol) break;
    }
  } finally {
    [xt, yt, gram, xty].forEach((t) => t.dispose());
  }
  return { coef, intercept: ym - coef.reduce((s, w, j) => s + w * xm[j], 0), lambda, alpha, kept: keep, iterations: Math.min(it, o.iterations) };
}

/** scikit-learn's example data: X ~ N(0, 1); `relevant` random weights ~ N(0, 1/λ); noise ~ N(0, 1/α). */
function synthetic(n: number, d: number, relevant: number, lambda: number, alpha: number) {
  const xs = randn([n, d]).data();
  const X = Array.from({ length: n }, (_, i) => Array.from(xs.subarray(i * d, (i + 1) * d), Number));
  const which = Array.from(randperm(d)).slice(0, relevant).map(Number).sort((a, b) => a - b);
  const w = new Array<number>(d).fill(0);
  const draws = randn([relevant], { std: 1 / Math.sqrt(lambda) }).data();
  which.forEach((j, i) => { w[j] = draws[i]; });
  const noise = randn([n], { std: 1 / Math.sqrt(alpha) }).data();
  const y = X.map((r, i) => r.reduce((s, v, j) => s + v * w[j], 0) + noise[i]);
  return { X, y, w, relevant: which };
}

const predict = (m: { coef: number[]; intercept: number }, X: number[][]) => X.map((r) => r.reduce((s, v, j) => s + v * m.coef[j], m.intercept));
const mse = (p: number[], y: number[]) => p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / y.length;

register({
  id: 'ols-vs-ard',
  family: 'classic',
  title: 'OLS vs automatic relevance determination on data with few relevant features',
  seed: '003 "Artificial neural networks", exercise 2.2 (part 3)',
  description:
    'scikit-learn\'s ARD example data (the seed follows it): N samples of d standard-normal features, a few weights drawn from N(0, 1/λ), the others 0, noise N(0, 1/α), ' +
    'all from --seed. OLS by linalg.lstsq; ARD by evidence maximisation with linalg.inv (scikit-learn ARDRegression\'s updates). ' +
    'Both are scored on a fresh test set from the same model. The seed\'s diabetes part (ARD keeps dimensions [0, 5, 6]) needs the Pima file, which no registry ships.',
  settings: { samples: 100, features: 100, relevant: 10, weightPrecision: 4, noisePrecision: 50, testSamples: 500, iterations: 300, tol: 1e-3, thresholdLambda: 1e4 },
  quick: { samples: 60, features: 30, relevant: 5, testSamples: 200, iterations: 100 },
  async run(ctx) {
    const s = ctx.settings;
    const data = synthetic(s.samples + s.testSamples, s.features, s.relevant, s.weightPrecision, s.noisePrecision);
    const train = { X: data.X.slice(0, s.samples), y: data.y.slice(0, s.samples) };
    const test = { X: data.X.slice(s.samples), y: data.y.slice(s.samples) };
    const o = ols(train.X, train.y);
    const a = ard(train.X, train.y, { iterations: s.iterations, tol: s.tol, thresholdLambda: s.thresholdLambda });

    const truePositives = a.kept.filter((j) => data.relevant.includes(j)).length;
    const zeros = a.coef.filter((w) => w === 0).length;
    const extras = a.kept.filter((j) => !data.relevant.includes(j));
    const largestExtra = Math.max(0, ...extras.map((j) => Math.abs(a.coef[j])));
    const idx = data.w.map((_, j) => j);
    ctx.figure('weights', lineChart({
      title: `Weights: truth, OLS and ARD (${s.samples} samples, ${s.features} features, ${s.relevant} relevant)`,
      x: { label: 'feature' }, y: { label: 'weight' },
      series: [
        { name: 'ground truth', x: idx, y: data.w, color: '#2ca02c', lineWidth: 2 },
        { name: 'OLS estimate', x: idx, y: o.coef, color: '#ff7f0e', marker: 'triangle', lineWidth: 0.8 },
        { name: 'ARD estimate', x: idx, y: a.coef, color: '#1f77b4', marker: 'circle', lineWidth: 0.8 },
      ],
      legend: 'top-right',
    }), {
      caption: `OLS spreads the noise over every weight. ARD sets ${zeros} of the ${s.features} weights to exactly 0; it keeps ` +
        `${truePositives} of the ${s.relevant} relevant features near the truth and ${extras.length} irrelevant ones, all with |w| ≤ ${largestExtra.toFixed(3)}.`,
    });

    // Bins 0.1 wide centred on multiples of 0.1, over the range both estimates cover: OLS's spread
    // and ARD's pile at 0 are then visible side by side on the same axis.
    const width = 0.1;
    const all = [...o.coef, ...a.coef];
    const lo = Math.round(Math.min(...all) / width), hi = Math.round(Math.max(...all) / width);
    const centres = Array.from({ length: hi - lo + 1 }, (_, i) => (lo + i) * width);
    const hist = (ws: number[]) => centres.map((_, i) => ws.filter((w) => Math.round(w / width) === lo + i).length);
    const categories = centres.map((c) => (Math.abs(c) < 1e-9 ? 0 : c).toFixed(1));
    const axis = { x: { label: `weight (bin centre; bins ${width} wide)` }, y: { label: 'features' } };
    ctx.figure('weight-histogram', panels({
      title: 'Histogram of the estimated weights',
      charts: [
        barChart({ title: 'OLS', categories, series: [{ name: 'OLS', values: hist(o.coef) }], ...axis, legend: 'none' }),
        barChart({ title: `ARD (${zeros} weights exactly 0)`, categories, series: [{ name: 'ARD', values: hist(a.coef) }], ...axis, legend: 'none' }),
      ],
      cols: 2, panelWidth: 520, panelHeight: 380,
    }), { caption: 'ARD\'s weights pile up at 0 (sparsity), with the relevant ones apart; OLS\'s are spread by the noise.' });

    ctx.result('truth', { relevant: data.relevant, weights: data.w });
    ctx.result('ols', { coef: o.coef, intercept: o.intercept });
    ctx.result('ard', { coef: a.coef, intercept: a.intercept, kept: a.kept, alpha: a.alpha, iterations: a.iterations });
    ctx.keyNumber('ARD: dimensions kept', a.kept.join(', '));
    ctx.keyNumber('truly relevant dimensions', data.relevant.join(', '));
    ctx.keyNumber('ARD: relevant dimensions found', `${truePositives} of ${data.relevant.length} (and ${a.kept.length - truePositives} others)`);
    ctx.keyNumber('OLS test MSE', mse(predict(o, test.X), test.y));
    ctx.keyNumber('ARD test MSE', mse(predict(a, test.X), test.y), { note: `noise variance 1/α = ${(1 / s.noisePrecision).toFixed(3)}` });
    ctx.keyNumber('ARD: estimated noise precision α', a.alpha, { seed: `${s.noisePrecision} (true)` });
  },
});
