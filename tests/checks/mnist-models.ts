// Checks of seed 004's experiments (mnist-four-models, manual-gradients) in their quick forms.
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('mnist-four-models', ({ json }) => {
  assert.equal(Object.keys(json.figures).sort(), ['confusion', 'error-curves', 'validation-by-lr']);
  const items = json.results.sweep as Array<{ key: string; result: { best: { epoch: number; valError: number; testError: number }; confusion: number[][] } }>;
  assert.equal(items.map((i) => i.key), ['d-lr0.1', 'c-lr0.1', 'b-lr0.1', 'a-lr0.1']);
  for (const { key, result } of items) {
    const n = result.confusion.flat().reduce((a, b) => a + b, 0);
    assert.is(n, json.settings['test images'], `${key}: confusion counts every test image`);
    // The reported test error is the confusion matrix's off-diagonal share.
    const wrong = n - result.confusion.reduce((a, row, i) => a + row[i], 0);
    assert.ok(Math.abs(wrong / n - result.best.testError) < 1e-9, key);
  }
  // Two quick epochs of the linear model on 500 images: better than chance.
  assert.ok((keyNumber(json, /^\(a\).*test error/).ours as number) < 0.7);
});

checkExperiment('manual-gradients', ({ json }) => {
  const items = json.results.sweep as Array<{ key: string; result: { check: { layers: Array<{ name: string; maxAbsDiff: number; maxAbsGrad: number }>; lockstepMaxAbsDw: number } } }>;
  assert.is(items.length, 4);
  for (const { key, result } of items) {
    // Every hand-written gradient equals autodiff's to float32 rounding (relative to the gradient's size).
    for (const l of result.check.layers) assert.ok(l.maxAbsDiff <= 1e-5 * Math.max(1, l.maxAbsGrad) && l.maxAbsGrad > 0, `${key} ${l.name}: ${l.maxAbsDiff}`);
    assert.ok(result.check.lockstepMaxAbsDw < 1e-5, `${key}: lockstep ${result.check.lockstepMaxAbsDw}`);
  }
  const conv = items.find((i) => i.key.startsWith('d-'))!.result.check.layers.map((l) => l.name);
  assert.equal(conv, ['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
  assert.ok((keyNumber(json, /^\(a\).*test error/).ours as number) < 0.7);
});
