// Seed 004, part 1: four MNIST classifiers — (a) linear + softmax, (b) one hidden layer of 128
// ReLU, (c) two of 256 ReLU, (d) a small conv net — trained by minibatch gradient descent with
// batches of 200. As the seed did, each model is trained with every learning rate of
// {0.1, 0.01, 0.001, 0.0001}; the validation error after each epoch picks the learning rate and
// the stopping epoch, and the model as it was at that epoch gives the reported train and test
// errors and the confusion matrix. Each (model, learning rate) is a sweep item, so
// `--jobs n` spreads them over processes and `--shard i/n` over machines.
import { nn, optim } from '../../../bindings/index.js';
import { DataLoader } from '../../../bindings/data/index.js';
import { evaluate } from '../../../bindings/train/index.js';
import { mnistLoaders } from '../../harness/index.js';
import { register } from '../../registry.js';
import { fourModel, itemKeys, MODEL_TITLES, parseItemKey, SEED_PART1, type ModelKey } from './four-models.js';
import { type ModelRun, errorCurvesFigure, errorTable, pickBest, validationFigure, confusionPanels } from './four-models-report.js';

register({
  id: 'mnist-four-models',
  family: 'mnist',
  title: 'Four MNIST models (linear, 128 ReLU, 2×256 ReLU, conv): learning rate and stopping epoch by validation',
  seed: '004 "Advanced ML", assignment 1, part 1',
  description:
    'Models (a) linear + softmax, (b) 784-128-10 ReLU, (c) 784-256-256-10 ReLU, (d) conv 3×3×16 same → ReLU → maxpool 2 → ' +
    'conv 3×3×16 same → ReLU → maxpool 2 → dense 256 ReLU → dense 10, with softmax cross-entropy, trained by plain minibatch ' +
    'gradient descent (batches of 200, pixels in [0, 1] as the seed\'s TensorFlow input) with each learning rate of ' +
    '{0.1, 0.01, 0.001, 0.0001}. 5,000 training images are held out for validation (as TensorFlow\'s MNIST split); the lowest ' +
    'validation error over the epochs picks the learning rate and the stopping epoch, and the model at that epoch is evaluated on ' +
    'the 55,000 training and 10,000 test images. Each (model, learning rate) is a sweep item: `--jobs n` runs them in n processes.',
  flags: ['data-dir', 'limit', 'shard'],
  settings: {
    models: ['a', 'b', 'c', 'd'], lrs: [0.1, 0.01, 0.001, 0.0001], batchSize: 200, validation: 5000,
    epochs: 60, convEpochs: 20, optimizer: 'SGD (no momentum)', pixels: '[0, 1]',
  },
  quick: { lrs: [0.1], epochs: 2, convEpochs: 2, validation: 100 },
  sweep: {
    keys: (s) => itemKeys(s.models as ModelKey[], s.lrs as number[]),
    report(ctx, items) {
      const runs = items.map((i) => i.result as unknown as ModelRun);
      const models = ctx.settings.models as ModelKey[];
      const best = models.map((m) => pickBest(runs.filter((r) => r.model === m)));
      for (const b of best) {
        const seed = SEED_PART1[b.model];
        ctx.keyNumber(`${MODEL_TITLES[b.model]}: test error`, b.best.testError, { seed: seed.testError });
        ctx.keyNumber(`${MODEL_TITLES[b.model]}: training error`, b.best.trainError, { seed: seed.trainError });
        ctx.keyNumber(`${MODEL_TITLES[b.model]}: learning rate, stopping epoch`, `${b.lr}, ${b.best.epoch}`, { seed: `${seed.lr}, ${seed.epoch}` });
      }
      const held = (ctx.settings.validation as number).toLocaleString('en-US');
      ctx.figure('error-curves', errorCurvesFigure(best, 'Training, validation and test error at the chosen learning rate'), {
        caption: `Training error is the running error over each epoch's batches; validation (${held} held-out training images) and test errors are measured after the epoch. The dashed line is the stopping epoch, where validation error is lowest.`,
      });
      ctx.figure('validation-by-lr', validationFigure(models, runs, 'Validation error per epoch for each learning rate'), {
        caption: 'The sweep that chooses the learning rate: with plain gradient descent and a fixed number of epochs, the smaller rates have not converged.',
      });
      ctx.figure('confusion', confusionPanels(best, 'Confusion matrices on the test images, at the stopping epoch'), {
        caption: 'Rows: true digit; columns: predicted digit.',
      });
      ctx.section(errorTable(best, runs, 'part1'));
    },
  },
  async run(ctx) {
    const s = ctx.settings;
    // Pixels in [0, 1] (TensorFlow's MNIST input); 5,000 training images held out for validation.
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, validation: s.validation, normalize: false });
    const trainInOrder = new DataLoader(data.trainSet, { batchSize: 1000 });
    await ctx.sweep(async (key): Promise<any> => {
      const { model: m, lr } = parseItemKey(key);
      const model = fourModel(m);
      const optimizer = new optim.SGD(model.parameters(), { lr });
      const valError: number[] = [];
      // Epoch 0 (the initial weights) is the fallback when no epoch improves on it, e.g. a diverging rate.
      let best = { epoch: 0, valError: 1 - evaluate(model, data.validation!).accuracy };
      let snapshot = model.stateDict();
      const fit = await ctx.fit({
        name: key, title: `${MODEL_TITLES[m]}, lr ${lr}`, model, optimizer, loss: nn.functional.crossEntropy,
        train: data.train, test: data.test, epochs: m === 'd' ? s.convEpochs : s.epochs, progress: 'epochs',
        onEpoch(record) {
          const v = 1 - evaluate(model, data.validation!).accuracy;
          valError.push(v);
          if (v < best.valError) {
            best = { epoch: record.epoch, valError: v };
            snapshot = model.stateDict();
          }
        },
      });
      // The model as it was at the stopping epoch: its training and test errors, its confusion matrix.
      model.loadStateDict(snapshot);
      const train = evaluate(model, trainInOrder);
      const test = evaluate(model, data.test, { lossFn: nn.functional.crossEntropy });
      const h = fit.history;
      const run: ModelRun = {
        model: m, lr,
        epochs: h.map((e) => e.epoch),
        trainError: h.map((e) => 1 - (e.trainAccuracy ?? 0)),
        valError: valError.slice(0, h.length),
        testError: h.map((e) => 1 - (e.testAccuracy ?? 0)),
        trainLoss: h.map((e) => e.trainLoss),
        diverged: fit.diverged ? fit.diverged.epoch : null,
        best: { epoch: best.epoch, valError: best.valError, trainError: 1 - train.accuracy, testError: 1 - test.accuracy, testLoss: test.loss },
        confusion: test.confusion,
      };
      return run;
    });
  },
});
