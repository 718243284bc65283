// Checks of the optimisation experiments' quick forms (seed 003 exercises 1.3-1.4).
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('optimizers-noise', ({ json, report }) => {
  const runs = json.results.runs as Array<{ key: string; mse: number[]; testMse: number; diverged: boolean }>;
  // Quick: one size (10), one noise level (the table's), the seven optimiser settings of Table 1.
  assert.is(runs.length, 7);
  for (const r of runs) {
    assert.is(r.diverged, false, r.key);
    assert.is(r.mse.length, json.settings.epochs as number, r.key);
    assert.ok(r.mse.every((v) => v > 0 && v < 10) && r.testMse > 0, r.key);
  }
  // L-BFGS with a line search descends within its first epoch.
  const lbfgs = runs.find((r) => r.key.endsWith('/lbfgs'))!;
  assert.ok(lbfgs.mse[lbfgs.mse.length - 1] < lbfgs.mse[0], JSON.stringify(lbfgs.mse));
  // The timing table sits in the timing part of the report, one row per size, the seed's seconds beside ours.
  const timing = report.slice(report.indexOf('## Timing'));
  assert.match(timing, /Table 1 beside the seed's/);
  assert.match(timing, /\| 10×10 \| [\d.]+ s \/ 113\.87 s \(×[\d.]+\)/);
  assert.ok(keyNumber(json, /best optimiser/).ours !== 'none');
});

checkExperiment('regression-surface', ({ json }) => {
  const test = keyNumber(json, /^test MSE$/).ours as number;
  assert.ok(test > 0 && test < 0.5, `test MSE ${test}`);
  assert.is(keyNumber(json, /^test MSE$/).seedReported, 0.01038);
  const epochs = keyNumber(json, /epochs trained/).ours as number;
  assert.ok(epochs >= 1 && epochs <= (json.settings.epochs as number));
  assert.is((json.results.validationMse as number[]).length, epochs);
});
