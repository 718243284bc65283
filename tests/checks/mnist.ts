// Checks of the MNIST experiments' quick forms, beyond the generated ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { deserializeCheckpoint } from '../../bindings/train/index.js';
import { MNIST_CNN_ARCHITECTURE, mnistCnn } from '../../cli/experiments/mnist/cnn-model.js';
import { lastCheckpoint } from '../../cli/harness/checkpoints.js';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('mnist-cnn', ({ dir, json }) => {
  assert.equal(Object.keys(json.figures).sort(), ['confusion', 'learning-curves', 'misclassified']);
  const acc = keyNumber(json, /^test accuracy$/).ours as number;
  // 600 images, one epoch: far from 99 %, but well above chance.
  assert.ok(acc > 0.3 && acc <= 1, `quick test accuracy ${acc}`);
  const h = json.results.training.model.history;
  assert.is(h.length, json.settings.epochs);
  const model = mnistCnn();
  const loaded = deserializeCheckpoint(readFileSync(join(dir, 'model.ckpt')), { model });
  assert.is((loaded.extra as { architecture: string }).architecture, MNIST_CNN_ARCHITECTURE);
  assert.is((loaded.extra as { testAccuracy: number }).testAccuracy, acc);
  // The generated test runs twice; the second run's checkpoint is the last one.
  assert.match(lastCheckpoint('mnist-cnn') ?? '', /wasmgrad-mnist-cnn-\w+\/model\.ckpt$/, 'predict finds the last checkpoint');
});
