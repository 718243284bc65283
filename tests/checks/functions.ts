// Checks of the function-minimisation experiments' quick forms, beyond the generated ones.
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('autodiff-sigmoid-squared', ({ json }) => {
  const err = keyNumber(json, /max \|AD − analytic\|/).ours as number;
  assert.ok(err >= 0 && err <= 1e-6, `max error ${err}`);
  assert.ok((json.results.x as number[]).length >= 601);
});

checkExperiment('himmelblau', ({ json }) => {
  assert.equal(Object.keys(json.figures).sort(), ['contour', 'loss', 'trajectories']);
  const runs = json.results.runs as Array<{ label: string; loss: number; minimum: string; stepsToTarget: number }>;
  assert.is(runs.length, 13);
  const plain = runs[0];
  assert.match(plain.label, /plain loop/);
  assert.is.not(plain.minimum, 'none');
  assert.ok(plain.loss < 1e-6 && plain.stepsToTarget > 0, JSON.stringify(plain));
  // Under --quick (300 steps) the smallest learning rates of the adaptive methods are still on
  // their way; the largest of every sweep (the last three of each four rows) must have arrived.
  const arrived = runs.filter((r) => r.minimum !== 'none');
  assert.ok(arrived.length >= 9, `${arrived.length} of 13 runs reached a minimum`);
  for (const i of [3, 6, 9, 12]) assert.is.not(runs[i].minimum, 'none', JSON.stringify(runs[i]));
  for (const r of arrived) assert.ok(r.loss < 1e-6, JSON.stringify(r));
});

checkExperiment('rosenbrock-optimizers', ({ json }) => {
  const start = Math.hypot(-4 - 1, -2 - 1);
  const runs = json.results.runs as Array<{ method: string; lr: number; builtin: boolean; finalDistance: number; divergedAt: number }>;
  assert.is(runs.length, 12);
  for (const r of runs) {
    if (r.method === 'momentum' && r.lr === 1e-3) {
      assert.ok(r.divergedAt > 0, `momentum η=1e-3 should diverge: ${JSON.stringify(r)}`);
      continue;
    }
    assert.is(r.divergedAt, -1, JSON.stringify(r));
    // Adam at η = 1e-4 moves only ~0.2 in 2000 quick steps, but it does move closer.
    assert.ok(r.finalDistance < start, JSON.stringify(r));
  }
  assert.is(keyNumber(json, /seed GD − optim\.SGD/).ours, 0);
  assert.is(keyNumber(json, /seed momentum − optim\.SGD/).ours, 0);
});
