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
