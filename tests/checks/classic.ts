// Checks of the classic-ML experiments' quick forms (seed 003 exercises 2.1-2.3, 3.1).
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('time-series-regression', ({ json }) => {
  for (const tag of ['a', 'b']) {
    const r = json.results[`series-${tag}`];
    for (const m of ['SVR', 'forest', 'MLP']) {
      assert.is(r.sweep[m].train.length, r.lags.length);
      assert.ok(r.lags.includes(r.chosen[m].lag));
      // Every method does better than guessing the mean: its test MSE is below the series' variance scale.
      assert.ok(r.chosen[m].testMse > 0 && r.chosen[m].testMse < 20, `${tag} ${m}: ${r.chosen[m].testMse}`);
    }
    assert.ok(r.persistence > 0);
  }
  assert.is(keyNumber(json, /temperate.*SVR test MSE/).seedReported, 3.633);
  assert.is(keyNumber(json, /tropical.*forest test MSE/).seedReported, 1.158);
});

checkExperiment('som', ({ json }) => {
  const nmi = keyNumber(json, /NMI/).ours as number;
  assert.ok(nmi > 0.4 && nmi <= 1, `NMI ${nmi}`);
  const acc = keyNumber(json, /SOM classifier: accuracy/).ours as number;
  assert.ok(acc >= 0.8, `accuracy ${acc}`);
  const u = json.results.irisUMatrix as number[][];
  assert.is(u.length, 7);
  assert.is(Math.max(...u.flat()), 1);
  // More iterations, a closer fit of the moons.
  const moons = json.results.moons as Array<{ quantizationError: number }>;
  assert.ok(moons[moons.length - 1].quantizationError < moons[0].quantizationError);
});

checkExperiment('mlp-grid-search', ({ json, report }) => {
  // Quick: 3 solvers × 2 activations × 2 layer sets on each of the two default data sets.
  for (const tag of ['a', 'b']) {
    const g = json.results[`grid-${tag}`];
    assert.is(g.rows.length, 12);
    const best = Math.max(...g.rows.map((r: { validation: number }) => r.validation));
    assert.is(g.best.validation, best);
    assert.ok(g.test >= 0 && g.test <= 1);
  }
  // Iris is easy: the best of the grid is far above chance (1/3) on validation and test.
  assert.ok(json.results['grid-a'].best.validation >= 0.8 && json.results['grid-a'].test >= 0.8, JSON.stringify(json.results['grid-a'].best));
  assert.match(report, /\| solver \| activation \| \(20, 20\) \| \(50, 20\) \|/);
});

checkExperiment('pca', ({ json }) => {
  for (const key of ['gaussian', 'iris']) {
    const r = json.results[key] as { rmse: number[]; explainedVariance: number[]; mlPcaMaxDifference: number };
    // standardised data: about 1 with no component, 0 with all, never rising
    assert.ok(Math.abs(r.rmse[0] - 1) < 0.01, `${key}: RMSE at 0 = ${r.rmse[0]}`);
    assert.ok(r.rmse.at(-1)! < 1e-3, `${key}: RMSE with all components ${r.rmse.at(-1)}`);
    for (let k = 1; k < r.rmse.length; k++) assert.ok(r.rmse[k] <= r.rmse[k - 1] + 1e-6, `${key}: RMSE rises at ${k}`);
    assert.ok(r.mlPcaMaxDifference < 1e-3, `${key}: ml-pca difference ${r.mlPcaMaxDifference}`);
  }
  const iris = json.results.iris as { explainedVariance: number[] };
  assert.ok(iris.explainedVariance[0] + iris.explainedVariance[1] > 0.9, 'Iris: two components hold over 90 % of the variance');
  assert.is(keyNumber(json, /RMSE with 0 components/).seedReported, 'close to 1');
});

checkExperiment('ols-vs-ard', ({ json, report }) => {
  const { truth, ard } = json.results as { truth: { relevant: number[] }; ard: { coef: number[]; kept: number[] } };
  // ARD prunes: fewer weights than features survive, the pruned ones are exactly 0, and most of the
  // truly relevant features are among the kept ones.
  assert.ok(ard.kept.length < ard.coef.length, `ARD kept all ${ard.kept.length} features`);
  ard.coef.forEach((w, j) => { if (!ard.kept.includes(j)) assert.is(w, 0, `pruned weight ${j} = ${w}`); });
  const found = truth.relevant.filter((j) => ard.kept.includes(j)).length;
  assert.ok(found >= truth.relevant.length - 1, `ARD found ${found} of ${truth.relevant.length} relevant features`);
  // On data where few features matter ARD predicts unseen data better than OLS.
  const olsMse = keyNumber(json, /^OLS test MSE/).ours as number, ardMse = keyNumber(json, /^ARD test MSE/).ours as number;
  assert.ok(ardMse < olsMse, `ARD ${ardMse} vs OLS ${olsMse}`);
  assert.match(report, new RegExp(`ARD sets ${ard.coef.length - ard.kept.length} of the ${ard.coef.length} weights to exactly 0`));
});
