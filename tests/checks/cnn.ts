// Checks of the convolutional-network experiments' quick forms (seed 003 exercises 1.5 and 3.3),
// beyond the generated ones.
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

checkExperiment('conv-toeplitz', ({ json, report }) => {
  assert.is(keyNumber(json, /^y = conv\(x\)$/).ours, '[6, 6, 7, 8]');
  assert.equal(json.results.A, [[1, 0, 1, 0, 0, 0], [0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0], [0, 0, 0, 1, 0, 1]]);
  // A read off the backward pass equals A from the forward pass: the input gradient multiplies by Aᵀ.
  assert.equal(json.results.AtFromGradient, json.results.A);
  assert.equal(json.results.xHat, [6, 6, 13, 14, 7, 8]);
  assert.is(keyNumber(json, /max \|Aᵀy − conv input gradient/).ours, 0);
  assert.equal(json.results.nullSpace.response, [[0, 0, 0, 0], [0, 0, 0, 0]]);
  assert.equal(json.results.nullSpace.itsOutput, [6, 6, 7, 8]);
  assert.match(report, /5-entry vector \[6, 6, 13, 7, 8\]/);
});

checkExperiment('cnn-variants', ({ json, report }) => {
  const names = ['course', 'model1', 'model2', 'model3', 'model4', 'resnet-mnist'];
  assert.equal(Object.keys(json.results.training).sort(), names.slice().sort());
  for (const n of names) {
    const h = json.results.training[n].history;
    assert.is(h.length, 1, n);
    // One epoch on 100 images: a model may still be at chance, but its numbers are real.
    assert.ok(h[0].testAccuracy >= 0 && h[0].testAccuracy <= 1 && h[0].trainLoss > 0 && h[0].trainLoss < 5, `${n}: ${JSON.stringify(h[0])}`);
  }
  // Wrong predictions per label add up to the errors of the final evaluation.
  const wrong = json.results.resnetMnistWrongPerClass as number[];
  const acc = json.results.training['resnet-mnist'].testAccuracy as number;
  assert.is(wrong.reduce((a, b) => a + b, 0), Math.round((1 - acc) * 50));
  assert.match(report, /Not run: --data-dir did not point at CIFAR-10/);
});
