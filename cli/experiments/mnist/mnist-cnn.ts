// Seed 000, task 3: classify MNIST with a convolutional network, softmax cross-entropy and an
// optimiser; minibatches; evaluate on the test set; plot misclassified test digits and the
// learning curve (training and test loss per epoch). The trained model is saved as a
// checkpoint for `wasmgrad predict`.
import { nn, optim } from '../../../bindings/index.js';
import { MNIST_MEAN, MNIST_STD } from '../../../bindings/data/index.js';
import { serializeCheckpoint } from '../../../bindings/train/index.js';
import { rememberCheckpoint } from '../../harness/checkpoints.js';
import { mnistLoaders } from '../../harness/index.js';
import { register } from '../../registry.js';
import { MNIST_CNN_ARCHITECTURE, mnistCnn } from './cnn-model.js';

register({
  id: 'mnist-cnn',
  family: 'mnist',
  title: 'A convolutional network on MNIST: test accuracy, learning curves, misclassified digits',
  seed: '000 "Deep learning", task 3',
  description:
    'Two 3×3 convolution blocks (16 and 32 channels, ReLU, max pooling), a dense layer of 128 with dropout and ' +
    'ten outputs, trained on the 60,000 MNIST training images with softmax cross-entropy and Adam in minibatches of 64, ' +
    'the learning rate divided by 5 every 4 epochs; the 10,000 test images are evaluated after every epoch. ' +
    'The trained model is saved as model.ckpt, which `wasmgrad predict` uses to classify your own digit images.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: { epochs: 12, batchSize: 64, optimizer: 'Adam', lr: 1e-3, stepLrEvery: 4, stepLrGamma: 0.2, dropout: 0.25 },
  quick: { epochs: 1 },
  files: ['model.ckpt'],
  async run(ctx) {
    const s = ctx.settings;

    // (a) The data: pixels scaled to [0, 1], then standardised with the training mean and std.
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize });

    // (b) The model, the loss (categorical cross-entropy on the logits) and the optimiser.
    const model = mnistCnn(s.dropout);
    const table = nn.summary(model, [1, 28, 28], null);
    ctx.section(`## The network\n\n\`\`\`\n${table.text}\n\`\`\``);
    ctx.setting('parameters', table.totalParams);
    const optimizer = new optim.Adam(model.parameters(), { lr: s.lr });
    const scheduler = new optim.StepLR(optimizer, { stepSize: s.stepLrEvery, gamma: s.stepLrGamma });

    // (c, d) Train in minibatches, evaluate on the test set every epoch; learning curves,
    // confusion matrix and the misclassified test digits.
    const fit = await ctx.fit({
      title: 'CNN', model, optimizer, scheduler, loss: nn.functional.crossEntropy,
      train: data.train, test: data.test, epochs: s.epochs,
      figures: { images: data.testImages },
    });
    const test = fit.test!;
    const meanEpoch = fit.epochSeconds.reduce((a, b) => a + b, 0) / Math.max(1, fit.epochSeconds.length);
    ctx.timing('mean seconds per epoch (train + test evaluation)', meanEpoch);
    ctx.log(`test accuracy ${(100 * test.accuracy).toFixed(2)}%, ${meanEpoch.toFixed(1)} s per epoch`);

    ctx.keyNumber('test accuracy', test.accuracy, { seed: '≥ 0.99 (EXPERIMENTS.md)', digits: 4 });
    ctx.keyNumber('test loss (cross-entropy)', test.loss);
    ctx.keyNumber('misclassified test images', test.n - Math.round(test.accuracy * test.n), { note: `of ${test.n}` });
    ctx.keyNumber('final training loss', fit.final.trainLoss);
    ctx.section(`Epoch times are in the timing table at the end (they are the only numbers that change between runs).`);

    // The checkpoint: weights plus what predict needs to prepare an image as this model saw them.
    const path = ctx.file('model.ckpt', serializeCheckpoint({
      model,
      epoch: fit.final.epoch,
      extra: { architecture: MNIST_CNN_ARCHITECTURE, normalize: { mean: MNIST_MEAN, std: MNIST_STD }, testAccuracy: test.accuracy, quick: ctx.quick, dropout: s.dropout },
    }));
    rememberCheckpoint('mnist-cnn', path);
  },
});
