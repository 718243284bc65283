// Checks of the convolutional-network experiments' quick forms, beyond the generated ones.
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('cnn-parameters-optimizers', ({ json }) => {
  // The seed's parameter table, counted by nn.summary from the layers themselves.
  assert.is(keyNumber(json, /parameters: conv 3×3×32/).ours, 320);
  assert.is(keyNumber(json, /parameters: conv 3×3×64/).ours, 18_496);
  assert.is(keyNumber(json, /parameters: dense 10/).ours, 16_010);
  assert.is(keyNumber(json, /parameters: total/).ours, 34_826);
  const runs = json.results.sweep.map((i: { result: { key: string; history: unknown[] } }) => i.result);
  assert.equal(runs.map((r: { key: string }) => r.key), ['adam', 'sgd', 'adadelta']);
  for (const r of runs) assert.is(r.history.length, json.settings.epochs);
  assert.ok((keyNumber(json, /^Adam .*test accuracy/).ours as number) > 0.15, 'Adam learns something in one quick epoch');
});
