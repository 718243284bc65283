// Seed 001, problem 3: vanishing gradients in a deep dense network. (a) [784, 30×8, 10] with
// sigmoid units and Xavier-normal weights: per epoch, the mean over batches of
// ‖∇W_first‖ / ‖∇W_last‖; (b) the same with ReLU and Kaiming-uniform weights; (c) a tuned deep
// dense network (widths decreasing from 784 to 10) against a tuned shallow network
// (configuration C of shallow-mnist (c)), retrained here on the same data. The seed's own training settings apply to
// (a) and (b): SGD lr 0.001, Nesterov momentum 0.8, weight decay 1e-5, batches of 10.
import { cat, noGrad, nn, optim } from '../../../bindings/index.js';
import { DataLoader } from '../../../bindings/data/index.js';
import { type EpochRecord, historyChart, mnistLoaders } from '../../harness/index.js';
import { lineChart } from '../../plot/index.js';
import { type Json, register } from '../../registry.js';
import { type Activation, type WeightInit, denseNet, linearLayers } from './dense.js';

interface Net {
  label: string;
  sizes: number[];
  activation: Activation;
  init: WeightInit;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum?: number;
  batchSize: number;
  weightDecay: number;
  /** StepLR (0: none). */
  stepSize: number;
  gamma: number;
}

interface NetResult {
  history: EpochRecord[];
  /** Per epoch: the mean over batches of ‖∇W_first‖ / ‖∇W_last‖. */
  ratio: number[];
  /** Per epoch and layer (first to last): the mean over batches of ‖∇W‖. */
  layerNorms: number[][];
  diverged: { epoch: number } | null;
  testAccuracy: number | null;
}

const DEEP = [784, 30, 30, 30, 30, 30, 30, 30, 30, 10];
const SEED_SGD = { optimizer: 'sgd', lr: 1e-3, momentum: 0.8, batchSize: 10, weightDecay: 1e-5, stepSize: 0, gamma: 1 } as const;

const NETS: Record<string, Net> = {
  a: { label: '(a) sigmoid, Xavier-normal', sizes: DEEP, activation: 'sigmoid', init: 'xavier-normal', ...SEED_SGD },
  b: { label: '(b) ReLU, Kaiming-uniform', sizes: DEEP, activation: 'relu', init: 'kaiming-uniform', ...SEED_SGD },
  c: { label: '(c) tuned deep: 784-512-256-128-64-10 ReLU, Adam', sizes: [784, 512, 256, 128, 64, 10], activation: 'relu', init: 'kaiming-uniform', optimizer: 'adam', lr: 1e-3, batchSize: 64, weightDecay: 1e-5, stepSize: 8, gamma: 0.3 },
  // shallow-mnist (c)'s configuration C (784-300-10, Adam, batch 64, StepLR), retrained here on all 60,000 training images.
  shallow: { label: 'shallow: 784-300-10 sigmoid, Adam (shallow-mnist C)', sizes: [784, 300, 10], activation: 'sigmoid', init: 'xavier-normal', optimizer: 'adam', lr: 1e-3, batchSize: 64, weightDecay: 1e-5, stepSize: 8, gamma: 0.3 },
};

register({
  id: 'vanishing-gradients',
  family: 'mnist',
  title: 'Vanishing gradients in a deep dense network: sigmoid vs ReLU, and a tuned deep net',
  seed: '001 "Homework 7", problem 3',
  description:
    'The network [784, 30, 30, 30, 30, 30, 30, 30, 30, 10] trained as in the seed (SGD lr 0.001, Nesterov momentum 0.8, ' +
    'weight decay 1e-5, batches of 10) with (a) sigmoid units and Xavier-normal weights and (b) ReLU units and ' +
    'Kaiming-uniform weights (fan-out, as the seed suggests). Every batch we measure the gradient norms of every weight ' +
    'matrix; per epoch we report the mean over batches of ‖∇W_first‖ / ‖∇W_last‖. (c) A deep dense network with widths ' +
    'decreasing from 784 to 10, trained with Adam, beside a tuned shallow network (784-300-10, configuration C of shallow-mnist).',
  flags: ['epochs', 'data-dir', 'limit', 'shard'],
  settings: { epochs: 30, nets: NETS as unknown as Json },
  quick: { epochs: 1 },
  sweep: {
    keys: (s) => Object.keys(s.nets as object),
    report(ctx, items) {
      const nets = ctx.settings.nets as unknown as Record<string, Net>;
      const r = Object.fromEntries(items.map((i) => [i.key, i.result as unknown as NetResult])) as Record<string, NetResult>;
      const epochsOf = (x: NetResult) => x.ratio.map((_, e) => e + 1);

      ctx.figure('gradient-ratio', lineChart({
        title: 'Mean over each epoch\'s batches of ‖∇W_first‖ / ‖∇W_last‖',
        x: { label: 'epoch' },
        y: { label: 'gradient ratio (log scale)', scale: 'log' },
        series: (['a', 'b'] as const).map((k) => ({ name: nets[k].label, x: epochsOf(r[k]), y: r[k].ratio, marker: 'circle' as const })),
        hlines: [{ at: 1, label: 'equal norms' }],
        legend: 'center-right',
      }), { caption: 'Below 1: the first layer learns more slowly than the last; a ratio of 10⁻ᵏ means k orders of magnitude.' });

      const layerSeries = (k: 'a' | 'b', epoch: number, dash?: number[]) => ({
        name: `${nets[k].label}, epoch ${epoch + 1}`, x: r[k].layerNorms[epoch].map((_, i) => i + 1), y: r[k].layerNorms[epoch], marker: 'circle' as const, dash,
        color: k === 'a' ? '#e15759' : '#4e79a7',
      });
      const lastEpoch = (k: 'a' | 'b') => r[k].layerNorms.length - 1;
      ctx.figure('gradient-norm-by-layer', lineChart({
        title: 'Mean gradient norm ‖∇W‖ of each weight matrix, input (1) to output (9)',
        x: { label: 'layer', domain: [1, DEEP.length - 1] },
        y: { label: '‖∇W‖ (log scale)', scale: 'log' },
        series: [layerSeries('a', 0, [6, 4]), layerSeries('a', lastEpoch('a')), layerSeries('b', 0, [6, 4]), layerSeries('b', lastEpoch('b'))],
        legend: 'bottom-right',
      }), { caption: 'Dashed: the first epoch; solid: the last. With sigmoid units the norm shrinks layer by layer towards the input.' });

      const runs = (['a', 'b', 'c', 'shallow'] as const).map((k) => ({ name: nets[k].label, history: r[k].history }));
      ctx.figure('test-accuracy', historyChart(runs, 'testAccuracy', { title: 'Test accuracy per epoch', legend: 'center-right' }), {
        caption: '(a) and (b) use the seed\'s SGD settings; (c) and the shallow network use Adam, batch 64 and StepLR.',
      });

      const ratioNote = (x: NetResult) => `epoch 1: ${x.ratio[0].toExponential(2)}; last epoch: ${x.ratio[x.ratio.length - 1].toExponential(2)}`;
      ctx.keyNumber('(a) sigmoid: gradient ratio, mean over all epochs', mean(r.a.ratio), { note: ratioNote(r.a) });
      ctx.keyNumber('(b) ReLU: gradient ratio, mean over all epochs', mean(r.b.ratio), { note: ratioNote(r.b) });
      for (const k of ['a', 'b', 'c', 'shallow'] as const) {
        ctx.keyNumber(`${nets[k].label}: final test accuracy`, r[k].testAccuracy ?? 'diverged', { note: r[k].diverged ? `diverged in epoch ${r[k].diverged!.epoch}` : undefined });
      }
      const c = r.c.testAccuracy ?? 0;
      const sh = r.shallow.testAccuracy ?? 0;
      ctx.section([
        '## Answers',
        '',
        `(a) With sigmoid units the gradient reaching the first weight matrix is ${describeRatio(mean(r.a.ratio))} the last one's ` +
        `(mean ratio ${mean(r.a.ratio).toExponential(2)}), and the network ${(r.a.testAccuracy ?? 0) < 0.5 ? 'does not learn' : 'learns slowly'}: ` +
        `test accuracy ${fmt(r.a.testAccuracy)} after ${ctx.settings.epochs} epochs.`,
        '',
        `(b) With ReLU and Kaiming-uniform weights the ratio is ${mean(r.b.ratio).toExponential(2)} on average — ` +
        `${mean(r.b.ratio) / mean(r.a.ratio) > 10 ? `${(mean(r.b.ratio) / mean(r.a.ratio)).toPrecision(2)} times larger than with sigmoid,` : 'close to the sigmoid network\'s,'} ` +
        `and the test accuracy is ${fmt(r.b.testAccuracy)}, against ${fmt(sh)} for the tuned shallow network.`,
        '',
        `(c) The tuned deep network reaches ${fmt(c)} against the shallow network's ${fmt(sh)}: ` +
        `${c > sh ? `an improvement of ${((c - sh) * 100).toFixed(2)} percentage points` : `no improvement (${((c - sh) * 100).toFixed(2)} points)`}.`,
      ].join('\n'));
    },
  },
  async run(ctx) {
    const s = ctx.settings;
    const nets = s.nets as unknown as Record<string, Net>;
    // Raw pixels in [0, 1], flattened, as in the seed.
    const data = await mnistLoaders(ctx, { batchSize: 10, flatten: true, normalize: false });

    await ctx.sweep<Json>(async (k) => {
      const net = nets[k];
      const model = denseNet(net.sizes, net.activation, net.init);
      const optimizer: optim.Optimizer<{ lr: number }> = net.optimizer === 'sgd'
        ? new optim.SGD(model.parameters(), { lr: net.lr, momentum: net.momentum, nesterov: true, weightDecay: net.weightDecay })
        : new optim.Adam(model.parameters(), { lr: net.lr, weightDecay: net.weightDecay });
      const layers = linearLayers(model);
      // Gradient norms after every step, summed per epoch.
      const sums = new Float64Array(layers.length);
      let ratioSum = 0;
      let batches = 0;
      const ratio: number[] = [];
      const layerNorms: number[][] = [];
      const fit = await ctx.fit({
        title: `${k}: ${net.label}`, model, optimizer, loss: nn.functional.crossEntropy, epochs: s.epochs, progress: 'epochs',
        scheduler: net.stepSize > 0 ? new optim.StepLR(optimizer, { stepSize: net.stepSize, gamma: net.gamma }) : undefined,
        train: new DataLoader(data.trainSet, { batchSize: net.batchSize, shuffle: true }),
        test: data.test,
        onBatch: () => {
          // Every layer's ‖∇W‖² in one tensor, read back once per step.
          const norms = Array.from(noGrad(() => cat(layers.map((l) => l.weight.grad!.square().sum().reshape([1]))).data()), Math.sqrt);
          norms.forEach((v, i) => (sums[i] += v));
          ratioSum += norms[0] / norms[norms.length - 1];
          batches++;
        },
        onEpoch: () => {
          ratio.push(ratioSum / batches);
          layerNorms.push(Array.from(sums, (v) => v / batches));
          sums.fill(0);
          ratioSum = 0;
          batches = 0;
        },
      });
      const result: NetResult = {
        history: fit.history, ratio, layerNorms,
        diverged: fit.diverged ? { epoch: fit.diverged.epoch } : null,
        testAccuracy: fit.diverged ? null : fit.final.testAccuracy ?? null,
      };
      return result as unknown as Json;
    });
  },
});

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const fmt = (v: number | null) => (v === null ? 'n/a (diverged)' : v.toFixed(4));

function describeRatio(r: number): string {
  if (r >= 0.5) return 'about as large as';
  const k = Math.round(-Math.log10(r));
  return k >= 1 ? `about ${k} order${k > 1 ? 's' : ''} of magnitude smaller than` : 'smaller than';
}
