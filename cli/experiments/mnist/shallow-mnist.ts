// Seed 001, problem 2: the network [784, 30, 10] with sigmoid hidden units, Xavier-normal
// weights and zero biases, cross-entropy, minibatches of 10, 30 epochs, on raw pixels in [0, 1]
// (the seed's transform is ToTensor() only). (a) SGD with Nesterov momentum 0.8 and weight decay
// 1e-5 at lr 0.001, then learning rates up and down until one performs poorly; (b) Adam
// (betas 0.9/0.999, weight decay 1e-5) over learning rates including 0.001; (c) a small tuning
// search of the 3-layer network, chosen on a validation split and then scored on the test set.
// Every run is a sweep item, so `--jobs` trains them on all cores and `--shard` over machines.
import { nn, optim } from '../../../bindings/index.js';
import { DataLoader, randomSplit } from '../../../bindings/data/index.js';
import { type EpochRecord, historyChart, mnistLoaders } from '../../harness/index.js';
import { table } from '../../harness/report.js';
import { lineChart } from '../../plot/index.js';
import { type Json, register } from '../../registry.js';
import { denseNet } from './dense.js';

/** One configuration of part (c); SGD uses Nesterov momentum when momentum > 0. */
interface Tuned {
  name: string;
  hidden: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum?: number;
  betas?: [number, number];
  weightDecay: number;
  /** StepLR: multiply the learning rate by gamma every stepSize epochs. */
  stepSize: number;
  gamma: number;
}

interface RunResult {
  history: EpochRecord[];
  diverged: { epoch: number } | null;
  /** Test accuracy after the last epoch trained. */
  testAccuracy: number | null;
}

const SEED_SGD = 'just below 0.95 (lr 0.001)';

const TUNED: Tuned[] = [
  { name: 'A', hidden: 100, batchSize: 32, optimizer: 'adam', lr: 1e-3, betas: [0.9, 0.999], weightDecay: 1e-5, stepSize: 10, gamma: 0.3 },
  { name: 'B', hidden: 100, batchSize: 32, optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, stepSize: 10, gamma: 0.3 },
  { name: 'C', hidden: 300, batchSize: 64, optimizer: 'adam', lr: 1e-3, betas: [0.9, 0.999], weightDecay: 1e-5, stepSize: 8, gamma: 0.3 },
  { name: 'D', hidden: 300, batchSize: 64, optimizer: 'sgd', lr: 0.2, momentum: 0.9, weightDecay: 1e-4, stepSize: 10, gamma: 0.3 },
  { name: 'E', hidden: 300, batchSize: 128, optimizer: 'adam', lr: 2e-3, betas: [0.9, 0.99], weightDecay: 1e-4, stepSize: 10, gamma: 0.3 },
  { name: 'F', hidden: 30, batchSize: 10, optimizer: 'sgd', lr: 0.01, momentum: 0.8, weightDecay: 1e-5, stepSize: 10, gamma: 0.5 },
];

const lrLabel = (lr: number) => `lr ${lr}`;
const key = {
  sgd: (lr: number) => `sgd/${lr}`,
  adam: (lr: number) => `adam/${lr}`,
  tuned: (t: Tuned) => `tuned/${t.name}`,
};

function describe(t: Tuned): string {
  const opt = t.optimizer === 'sgd' ? `SGD lr ${t.lr}, Nesterov momentum ${t.momentum}` : `Adam lr ${t.lr}, betas ${t.betas!.join('/')}`;
  return `[784, ${t.hidden}, 10], batch ${t.batchSize}, ${opt}, weight decay ${t.weightDecay}, StepLR ×${t.gamma} every ${t.stepSize} epochs`;
}

register({
  id: 'shallow-mnist',
  family: 'mnist',
  title: 'Shallow nets on MNIST: learning-rate sweeps for SGD and Adam, then tuning the 3-layer network',
  seed: '001 "Homework 7", problem 2',
  description:
    'The network [784, 30, 10] (sigmoid hidden layer, Xavier-normal weights, zero biases) trained with cross-entropy on ' +
    'minibatches of 10 for 30 epochs on raw pixels. (a) SGD with Nesterov momentum 0.8 and weight decay 1e-5 at learning ' +
    'rates from 1e-5 to 10; (b) Adam (betas 0.9/0.999, weight decay 1e-5) from 1e-5 to 1; (c) six configurations of the ' +
    'three-layer network (hidden width, batch size, optimiser, momentum/betas, weight decay, StepLR), trained on 55,000 ' +
    'images, chosen by accuracy on the other 5,000, and scored on the 10,000 test images.',
  flags: ['epochs', 'data-dir', 'limit', 'shard'],
  settings: {
    epochs: 30,
    hidden: 30,
    batchSize: 10,
    sgd: { momentum: 0.8, nesterov: true, weightDecay: 1e-5, lrs: [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10] },
    adam: { betas: [0.9, 0.999], weightDecay: 1e-5, lrs: [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1] },
    validationImages: 5000,
    tuned: TUNED as unknown as Json[],
  },
  quick: {
    epochs: 1,
    sgd: { momentum: 0.8, nesterov: true, weightDecay: 1e-5, lrs: [1e-3, 10] },
    adam: { betas: [0.9, 0.999], weightDecay: 1e-5, lrs: [1e-3] },
    validationImages: 100,
    tuned: [TUNED[0]] as unknown as Json[],
  },
  sweep: {
    keys: (s) => [
      ...lrsOf(s.sgd).map(key.sgd),
      ...lrsOf(s.adam).map(key.adam),
      ...(s.tuned as unknown as Tuned[]).map(key.tuned),
    ],
    report(ctx, items) {
      const s = ctx.settings;
      const byKey = new Map(items.map((i) => [i.key, i.result as unknown as RunResult]));
      const runsOf = (kind: 'sgd' | 'adam') => lrsOf(s[kind]).map((lr) => ({ lr, name: lrLabel(lr), ...byKey.get(key[kind](lr))! }));
      const sgd = runsOf('sgd');
      const adam = runsOf('adam');
      const tuned = (s.tuned as unknown as Tuned[]).map((t) => ({ t, name: `${t.name}: ${t.hidden} hidden, ${t.optimizer === 'sgd' ? 'SGD' : 'Adam'} lr ${t.lr}, batch ${t.batchSize}`, ...byKey.get(key.tuned(t))! }));

      // (a), (b): test accuracy per epoch, one line per learning rate.
      const accuracyAxis = { hlines: [{ at: 0.95, label: '0.95' }] };
      ctx.figure('sgd-learning-rates', historyChart(sgd, 'testAccuracy', { title: '(a) SGD, Nesterov momentum 0.8: test accuracy per epoch', ...accuracyAxis, legend: 'bottom-right' }), {
        caption: `[784, 30, 10] sigmoid, batch ${s.batchSize}, weight decay ${s.sgd.weightDecay}. The seed reports "just below 0.95" after 30 epochs at lr 0.001.`,
      });
      ctx.figure('adam-learning-rates', historyChart(adam, 'testAccuracy', { title: '(b) Adam (betas 0.9, 0.999): test accuracy per epoch', ...accuracyAxis, legend: 'bottom-right' }), {
        caption: `Same network, data and batches; weight decay ${s.adam.weightDecay}.`,
      });
      const finalOf = (r: { testAccuracy: number | null; diverged: unknown }) => r.testAccuracy ?? NaN;
      ctx.figure('final-accuracy-vs-lr', lineChart({
        title: `Test accuracy after ${s.epochs} epochs against the learning rate`,
        x: { label: 'learning rate (log scale)', scale: 'log' },
        y: { label: 'test accuracy', domain: [0, 1] },
        series: [
          { name: 'SGD, Nesterov momentum 0.8', x: sgd.map((r) => r.lr), y: sgd.map(finalOf), marker: 'circle' },
          { name: 'Adam', x: adam.map((r) => r.lr), y: adam.map(finalOf), marker: 'square' },
        ],
        legend: 'bottom-left',
      }), { caption: 'A run that diverged (its loss became NaN) has no point.' });

      // (c): validation accuracy per epoch for each configuration; the best by its last validation accuracy.
      ctx.figure('tuning', historyChart(tuned, 'valAccuracy', { title: `(c) Tuning the 3-layer network: validation accuracy (${s.validationImages.toLocaleString('en-US')} held-out images)`, legend: 'bottom-right' }), {
        caption: 'Each configuration is trained on the training images minus the validation split; the best is chosen on validation accuracy only.',
      });

      // Key numbers, then the seed's questions answered with them.
      const last = (r: { history: EpochRecord[] }) => r.history[r.history.length - 1];
      const note = (r: RunResult) => (r.diverged ? `diverged in epoch ${r.diverged.epoch}` : undefined);
      for (const r of sgd) ctx.keyNumber(`(a) SGD ${lrLabel(r.lr)}: final test accuracy`, r.testAccuracy ?? 'diverged', { seed: r.lr === 1e-3 ? SEED_SGD : undefined, note: note(r) });
      for (const r of adam) ctx.keyNumber(`(b) Adam ${lrLabel(r.lr)}: final test accuracy`, r.testAccuracy ?? 'diverged', { note: note(r) });
      const best = <T extends { testAccuracy: number | null }>(rs: T[]) => rs.reduce((a, b) => ((b.testAccuracy ?? -1) > (a.testAccuracy ?? -1) ? b : a));
      const bestSgd = best(sgd);
      const bestAdam = best(adam);
      ctx.keyNumber('(a) best SGD learning rate', bestSgd.lr, { note: `test accuracy ${bestSgd.testAccuracy?.toFixed(4)}` });
      ctx.keyNumber('(b) best Adam learning rate', bestAdam.lr, { note: `test accuracy ${bestAdam.testAccuracy?.toFixed(4)}` });
      const chosen = tuned.reduce((a, b) => ((last(b)?.valAccuracy ?? -1) > (last(a)?.valAccuracy ?? -1) ? b : a));
      ctx.keyNumber('(c) best tuned configuration', chosen.t.name, { note: describe(chosen.t) });
      ctx.keyNumber('(c) its validation accuracy', last(chosen).valAccuracy!);
      ctx.keyNumber('(c) its test accuracy', chosen.testAccuracy ?? 'diverged', { seed: '< 0.99 ("not likely above 0.99 without expanding the data")' });

      const poorSgd = sgd.filter((r) => (r.testAccuracy ?? 0) < 0.9).map((r) => r.lr);
      const poorAdam = adam.filter((r) => (r.testAccuracy ?? 0) < 0.9).map((r) => r.lr);
      const baseline = sgd.find((r) => r.lr === 1e-3);
      ctx.section([
        '## Answers',
        '',
        `(a) At the seed's settings (SGD lr 0.001) the network reaches **${baseline?.testAccuracy?.toFixed(4) ?? 'n/a'}** test accuracy after ${s.epochs} epochs (seed: "just below 0.95"). ` +
        `The best learning rate of the sweep is **${bestSgd.lr}** (${bestSgd.testAccuracy?.toFixed(4)}); ` +
        `learning rates ${poorSgd.length ? poorSgd.join(', ') : '(none)'} end below 0.90${poorSgd.length ? ` — too small to get anywhere in ${s.epochs} epochs, or so large that the sigmoid units saturate and the steps overshoot` : ''}.`,
        '',
        `(b) With Adam the best learning rate is **${bestAdam.lr}** (${bestAdam.testAccuracy?.toFixed(4)}); ` +
        `lr 0.001 gives ${adam.find((r) => r.lr === 1e-3)?.testAccuracy?.toFixed(4) ?? 'n/a'}. Learning rates ${poorAdam.length ? poorAdam.join(', ') : '(none)'} end below 0.90. ` +
        `Adam's useful range sits lower than SGD's: it normalises each step by the gradient's running scale, so its learning rate is close to the step size itself.`,
        '',
        `(c) Of ${tuned.length} configurations, **${chosen.t.name}** (${describe(chosen.t)}) has the best validation accuracy, ` +
        `${last(chosen).valAccuracy!.toFixed(4)}, and scores **${chosen.testAccuracy?.toFixed(4)}** on the test set (seed: below 0.99 without more data).`,
        '',
        table(['config', 'hidden', 'batch', 'optimiser', 'weight decay', 'StepLR', 'validation acc.', 'test acc.'], tuned.map((r) => [
          r.t.name, String(r.t.hidden), String(r.t.batchSize),
          r.t.optimizer === 'sgd' ? `SGD lr ${r.t.lr}, Nesterov ${r.t.momentum}` : `Adam lr ${r.t.lr}, betas ${r.t.betas!.join('/')}`,
          String(r.t.weightDecay), `×${r.t.gamma} / ${r.t.stepSize} epochs`,
          last(r)?.valAccuracy?.toFixed(4) ?? '—', r.testAccuracy?.toFixed(4) ?? 'diverged',
        ])),
      ].join('\n'));
    },
  },
  async run(ctx) {
    const s = ctx.settings;
    // Raw pixels in [0, 1], flattened, as the seed's ToTensor() + view(-1).
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, flatten: true, normalize: false });
    // (c) is chosen on a validation split of the training images (a seeded random split).
    const [fitSet, valSet] = randomSplit(data.trainSet, [data.trainSet.length - s.validationImages, s.validationImages]);
    const validation = new DataLoader(valSet, { batchSize: 1000 });
    const tuned = new Map((s.tuned as unknown as Tuned[]).map((t) => [key.tuned(t), t]));

    await ctx.sweep<Json>(async (k) => {
      const [kind, value] = k.split('/');
      const t: Tuned = kind === 'tuned' ? tuned.get(k)! : kind === 'sgd'
        ? { name: k, hidden: s.hidden, batchSize: s.batchSize, optimizer: 'sgd', lr: Number(value), momentum: s.sgd.momentum, weightDecay: s.sgd.weightDecay, stepSize: 0, gamma: 1 }
        : { name: k, hidden: s.hidden, batchSize: s.batchSize, optimizer: 'adam', lr: Number(value), betas: s.adam.betas as [number, number], weightDecay: s.adam.weightDecay, stepSize: 0, gamma: 1 };
      const model = denseNet([784, t.hidden, 10], 'sigmoid', 'xavier-normal');
      const optimizer: optim.Optimizer<{ lr: number }> = t.optimizer === 'sgd'
        ? new optim.SGD(model.parameters(), { lr: t.lr, momentum: t.momentum ?? 0, nesterov: (t.momentum ?? 0) > 0, weightDecay: t.weightDecay })
        : new optim.Adam(model.parameters(), { lr: t.lr, betas: t.betas, weightDecay: t.weightDecay });
      const fit = await ctx.fit({
        title: k, model, optimizer, loss: nn.functional.crossEntropy, epochs: s.epochs, progress: 'epochs',
        scheduler: t.stepSize > 0 ? new optim.StepLR(optimizer, { stepSize: t.stepSize, gamma: t.gamma }) : undefined,
        train: new DataLoader(kind === 'tuned' ? fitSet : data.trainSet, { batchSize: t.batchSize, shuffle: true }),
        validation: kind === 'tuned' ? validation : undefined,
        test: data.test,
      });
      const result: RunResult = {
        history: fit.history,
        diverged: fit.diverged ? { epoch: fit.diverged.epoch } : null,
        testAccuracy: fit.diverged ? null : fit.final.testAccuracy ?? null,
      };
      return result as unknown as Json;
    });
  },
});

function lrsOf(x: Json): number[] {
  return (x as { lrs: number[] }).lrs;
}
