// End to end: an MLP 784-128-10 (ReLU), batch 64, one epoch on the first 10,000 MNIST training
// images, evaluated on the 10,000 test images: > 90% accuracy, deterministic.
// SGD lr 0.02 with momentum 0.9 on standardised pixels: plain SGD lr 0.1 lands anywhere from 77%
// to 90% after 157 steps depending on the seed (the last, 16-example batch alone can cost 14
// points; the engine's steps match a float64 reference to 1e-8, so this is the recipe, not the
// engine), while momentum gives 91.3-92.1% over seeds 0-2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, nn, optim } from '../bindings/index.js';
import { DataLoader, mnistDataset } from '../bindings/data/index.js';
import { trainEpoch, evaluate } from '../bindings/train/index.js';

test.before(async () => {
  await init();
});

async function run() {
  manualSeed(0);
  const trainSet = await mnistDataset({ train: true, limit: 10000, flatten: true, normalize: true });
  const testSet = await mnistDataset({ train: false, flatten: true, normalize: true });
  const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.02, momentum: 0.9 });
  const lossFn = nn.functional.crossEntropy;
  const t0 = performance.now();
  const epoch = trainEpoch(model, new DataLoader(trainSet, { batchSize: 64, shuffle: true }), opt, lossFn, { progress: true, label: 'mnist' });
  const trainSeconds = (performance.now() - t0) / 1000;
  const res = evaluate(model, new DataLoader(testSet, { batchSize: 1000 }), { lossFn });
  const seconds = (performance.now() - t0) / 1000;
  return { epoch, res, trainSeconds, seconds, params: model.parameters().map((p) => p.data()) };
}

test('one epoch on 10,000 MNIST images reaches > 90% test accuracy, reproducibly', async () => {
  const a = await run();
  console.log(`\nMNIST MLP 784-128-10, 1 epoch on 10k: test accuracy ${(100 * a.res.accuracy).toFixed(2)}%, test loss ${a.res.loss.toFixed(4)}, `
    + `train ${a.trainSeconds.toFixed(2)} s (${(a.epoch.batches / a.trainSeconds).toFixed(0)} steps/s), train+eval ${a.seconds.toFixed(2)} s`);
  assert.ok(a.res.accuracy > 0.9, `accuracy ${a.res.accuracy}`);
  assert.is(a.res.n, 10000);
  assert.is(a.res.confusion.flat().reduce((s, v) => s + v, 0), 10000);
  assert.is(a.epoch.batches, 157);
  assert.ok(a.seconds < 30, `took ${a.seconds} s`);
  const b = await run();
  assert.is(b.res.accuracy, a.res.accuracy);
  a.params.forEach((p, i) => assert.equal(Array.from(b.params[i]), Array.from(p), 'same seed, same weights'));
});

test.run();
