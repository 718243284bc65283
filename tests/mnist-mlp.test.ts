// End to end: an MLP 784-128-10 (ReLU), batch 64, one epoch on the first 10,000 MNIST training
// images, evaluated on the 10,000 test images: > 90% accuracy, deterministic.
// SGD lr 0.02 with momentum 0.9 on standardised pixels: plain SGD lr 0.1 lands anywhere from 77%
// to 90% after 157 steps depending on the seed (the last, 16-example batch alone can cost 14
// points; the engine's steps match a float64 reference to 1e-8, so this is the recipe, not the
// engine), while momentum gives 91.3-92.1% over seeds 0-2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, nn, optim, randn } from '../bindings/index.js';
import { DataLoader, TensorDataset, mnistDataset } from '../bindings/data/index.js';
import { trainEpoch, evaluate, fit, progressReporter } from '../bindings/train/index.js';

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

test('fit: scheduler per epoch, validation, onEpoch; plain progress lines off a TTY', () => {
  manualSeed(4);
  const x = randn([64, 2]);
  const y = Array.from(x.data().filter((_, i) => i % 2 === 0), (v, i) => (v + x.data()[2 * i + 1] > 0 ? 1 : 0));
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true });
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const scheduler = new optim.ExponentialLR(opt, { gamma: 0.5 });
  const epochs: number[] = [];
  const history = fit(model, loader, opt, nn.functional.crossEntropy, {
    epochs: 3, scheduler, validation: loader, progress: false, onEpoch: (e) => epochs.push(e),
  });
  assert.equal(epochs, [1, 2, 3]);
  assert.is(opt.paramGroups[0].lr, 0.5 * 0.5 ** 3);
  assert.ok(history[2].validation!.accuracy > 0.8, `accuracy ${history[2].validation!.accuracy}`);
  assert.ok(history[2].train.loss < history[0].train.loss);
  const lines: string[] = [];
  const r = progressReporter('t', { isTTY: false, write: (s: string) => lines.push(s) });
  for (let b = 1; b <= 100; b++) r.update({ batch: b, batches: 100, loss: 1, meanLoss: 1, stepsPerSecond: 10 });
  r.done('ok');
  assert.is(lines.length, 12); // deciles 0..10, then the summary
  assert.not.ok(lines.join('').includes('\r'));
});

test.run();
