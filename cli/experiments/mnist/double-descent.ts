// Seed 000, task 4: Belkin, Hsu, Ma & Mandal (2018, arXiv 1812.11118), appendix C.3: networks
// with one hidden layer of width 3..800 trained on 4,000 random MNIST training images with the
// squared loss on one-hot targets, evaluated on the 10,000 test images. Their protocol, within a
// budget: SGD with momentum 0.95 in batches of 128; below the interpolation threshold
// (n·K = 40,000 parameters, width ≈ 50) each network starts from the trained weights of the
// next smaller one (the rest N(0, 0.1²)), its step size decays by 10 % at fixed intervals, and
// it stops when it fits the training set; above the threshold, fresh Glorot-uniform weights,
// trained until the training error is zero. Every width is a sweep item (the weight-reuse chain
// below the threshold is one item), so `--jobs` trains widths on all cores and `--shard i/n`
// spreads them over machines (Kubernetes Indexed Jobs, Slurm arrays; see docs/).
import { nn, optim, type Tensor } from '../../../bindings/index.js';
import { DataLoader } from '../../../bindings/data/index.js';
import { evaluate } from '../../../bindings/train/index.js';
import { mnistLoaders } from '../../harness/index.js';
import { table } from '../../harness/report.js';
import { lineChart, panels } from '../../plot/index.js';
import { type Json, register } from '../../registry.js';

const CLASSES = 10;
const INPUTS = 784;

/** Parameters of a [784, h, 10] network: both weight matrices and both biases. */
const parameters = (h: number) => INPUTS * h + h + h * CLASSES + CLASSES;

interface WidthResult {
  width: number;
  parameters: number;
  trainError: number;
  testError: number;
  trainLoss: number;
  testLoss: number;
  epochs: number;
  /** The training set was fitted (zero training error) before the epoch budget ran out. */
  interpolated: boolean;
  init: 'reuse' | 'glorot';
  /** The step size it was trained with (halved after a divergence). */
  lr: number;
}

type Settings = {
  trainImages: number;
  widths: number[];
  batchSize: number;
  lr: number;
  momentum: number;
  maxEpochs: number;
  /** Below the threshold: multiply the step size by lrDecay every lrDecayEvery epochs. */
  lrDecay: number;
  lrDecayEvery: number;
  reuseStd: number;
};

/** Width at which parameters reach n·K (the interpolation threshold). */
const thresholdWidth = (n: number) => (n * CLASSES - CLASSES) / (INPUTS + 1 + CLASSES);

function keysOf(s: Settings): string[] {
  const t = thresholdWidth(s.trainImages);
  const below = s.widths.filter((w) => w <= t);
  return [...(below.length ? [`reuse/${below.join(',')}`] : []), ...s.widths.filter((w) => w > t).map((w) => `w/${w}`)];
}

register({
  id: 'double-descent',
  family: 'mnist',
  title: 'Double descent: one-hidden-layer networks of width 3 to 800 on 4,000 MNIST images',
  seed: '000 "Deep learning", task 4 (Belkin et al. 2018, appendix C.3)',
  description:
    'One hidden layer of ReLU units, widths from 3 to 800 (denser around the interpolation threshold n·K = 40,000 ' +
    'parameters, width ≈ 50), trained with the squared loss on one-hot targets on 4,000 MNIST training images drawn at ' +
    'random, and evaluated on all 10,000 test images. SGD with step size 0.05 and momentum 0.95, batches of 128. Below the threshold each ' +
    'network starts from the previous (smaller) trained network\'s weights and stops once it fits the training set; above ' +
    'it, fresh Glorot-uniform weights, trained to zero training error. Use --jobs N to train widths in N processes, or ' +
    '--shard i/n (or --shards n with JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID) and `wasmgrad merge` across machines.',
  flags: ['data-dir', 'limit', 'shard'],
  settings: {
    trainImages: 4000,
    widths: [3, 5, 8, 12, 16, 20, 25, 30, 35, 40, 44, 47, 50, 53, 56, 60, 65, 75, 90, 110, 150, 200, 300, 450, 600, 800],
    batchSize: 128,
    lr: 0.05,
    momentum: 0.95,
    maxEpochs: 800,
    lrDecay: 0.9,
    lrDecayEvery: 65,
    reuseStd: 0.1,
  } satisfies Settings,
  quick: { trainImages: 400, widths: [2, 4, 8, 40, 120], maxEpochs: 6, lrDecayEvery: 2 },
  sweep: {
    keys: (s) => keysOf(s),
    report(ctx, items) {
      const s = ctx.settings;
      const rows = items.flatMap((i) => i.result as unknown as WidthResult[]).sort((a, b) => a.width - b.width);
      const n = s.trainImages;
      const tw = thresholdWidth(n);
      const tp = n * CLASSES;
      const widths = rows.map((r) => r.width);
      const kParams = rows.map((r) => r.parameters / 1000);
      const pair = (title: string, yLabel: string, train: number[], test: number[], log = false) => {
        const chart = (x: number[], xLabel: string, at: number, scale: 'log' | 'linear') => lineChart({
          title: `${title} vs ${xLabel.split(' (')[0]}`,
          x: { label: xLabel, scale },
          y: { label: yLabel, ...(log ? { scale: 'log' as const } : {}) },
          series: [
            { name: 'test', x, y: test, marker: 'circle', color: '#e15759' },
            { name: 'train', x, y: train, marker: 'square', color: '#4e79a7' },
          ],
          vlines: [{ at, label: `interpolation threshold n·K = ${tp.toLocaleString('en-US')}` }],
          // halfway up: the top right holds the threshold's label, the bottom the training curve
          legend: 'center-right',
          width: 720,
          height: 480,
        });
        return panels({ title, cols: 2, charts: [chart(widths, 'hidden units (log scale)', tw, 'log'), chart(kParams, 'parameters (×10³)', tp / 1000, 'linear')] });
      };
      ctx.figure('zero-one-error', pair('Zero-one error', 'zero-one error', rows.map((r) => r.trainError), rows.map((r) => r.testError)), {
        caption: `Training error on the ${n.toLocaleString('en-US')} training images and test error on the ${ctx.quick ? 'test images used' : '10,000 test images'}; the dashed line is the width (${tw.toFixed(1)}) at which the network has n·K parameters.`,
      });
      ctx.figure('squared-loss', pair('Squared loss', 'mean squared error (log scale)', rows.map((r) => r.trainLoss), rows.map((r) => r.testLoss), true), {
        caption: 'Mean over images and the ten outputs of (output − one-hot target)².',
      });

      const smallest = rows[0];
      const largest = rows[rows.length - 1];
      const bestUnder = rows.filter((r) => r.width < tw).reduce((a, b) => (b.testError < a.testError ? b : a), rows[0]);
      // The peak of double descent: the largest test error from the best under-parameterised width
      // on (the global maximum is the smallest network, which underfits).
      const peak = rows.filter((r) => r.width >= bestUnder.width).reduce((a, b) => (b.testError > a.testError ? b : a));
      ctx.keyNumber('width where the test error peaks after the under-parameterised minimum', peak.width, { note: `${peak.parameters.toLocaleString('en-US')} parameters; threshold width ${tw.toFixed(1)}` });
      ctx.keyNumber('test zero-one error at the peak', peak.testError, { seed: 'a peak near the threshold' });
      ctx.keyNumber(`test zero-one error at the smallest width (${smallest.width})`, smallest.testError);
      ctx.keyNumber(`best test error below the threshold (width ${bestUnder.width})`, bestUnder.testError);
      ctx.keyNumber(`test zero-one error at the largest width (${largest.width})`, largest.testError, { seed: 'descent after the threshold' });
      ctx.keyNumber(`test squared loss at the peak width / at the largest width`, `${peak.testLoss.toPrecision(3)} / ${largest.testLoss.toPrecision(3)}`);
      ctx.keyNumber('widths that fitted the training set (zero training error)', rows.filter((r) => r.interpolated).length, { note: `of ${rows.length}` });
      ctx.result('widths', rows as unknown as Json);

      ctx.section([
        '## Per width',
        '',
        table(['width', 'parameters', 'init', 'step size', 'epochs', 'train error', 'test error', 'train loss', 'test loss'], rows.map((r) => [
          String(r.width), r.parameters.toLocaleString('en-US'), r.init, String(r.lr), `${r.epochs}${r.interpolated ? ' (fitted)' : ''}`,
          r.trainError.toFixed(4), r.testError.toFixed(4), r.trainLoss.toExponential(2), r.testLoss.toExponential(2),
        ])),
        '',
        '## Deviations from the paper\'s protocol',
        '',
        `- Step size ${s.lr} with momentum ${s.momentum} in batches of ${s.batchSize} (reference implementations use 0.01): five times larger, so that the networks get close to fitting the training set within the budget${rows.some((r) => r.lr !== s.lr) ? `; widths whose loss diverged were trained again from new weights at half the step size (${rows.filter((r) => r.lr !== s.lr).map((r) => `${r.width}: ${r.lr}`).join(', ')})` : ''}.`,
        `- Epoch budget ${s.maxEpochs} instead of 6,000, to fit an hour on two cores; below the threshold the step size decays by ${Math.round((1 - s.lrDecay) * 100)} % every ${s.lrDecayEvery} epochs (the paper: every 500 of 6,000), so the schedule has the same shape.`,
        `- Above the threshold training stops at the first epoch whose running training accuracy is 100 % (the paper trains all 6,000 epochs); the training error reported is measured afterwards on all ${n.toLocaleString('en-US')} images.`,
        `- Hidden units are ReLU; weights below the threshold are reused and the new ones drawn from N(0, ${s.reuseStd}²) as in the paper; the smallest network and every network above the threshold start from Glorot-uniform weights and zero biases.`,
        `- One random draw of ${n.toLocaleString('en-US')} training images (the seeded generator), one run per width (the paper averages several).`,
      ].join('\n'));
    },
  },
  async run(ctx) {
    const s = ctx.settings;
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, train: s.trainImages, sample: 'random', flatten: true, normalize: false, testBatchSize: 2000 });
    const trainEval = new DataLoader(data.trainSet, { batchSize: 2000 });
    const squared = (out: Tensor, y: Tensor) => nn.functional.mseLoss(out, nn.functional.oneHot(y, CLASSES));
    const tw = thresholdWidth(data.trainSet.length);

    /**
     * Trains [784, h, 10] from the weights `make` gives; if the loss diverges, again from new
     * weights at half the step size (recorded). Returns the width's numbers.
     */
    const train = async (make: () => nn.Sequential, h: number, below: boolean, init: WidthResult['init']): Promise<{ result: WidthResult; model: nn.Sequential }> => {
      let lr = s.lr;
      for (;;) {
        const model = make();
        const r = await trainAt(model, h, below, init, lr);
        if (r || lr < s.lr / 8) return { result: r ?? failed(h, init, lr), model };
        ctx.log(`width ${h}: diverged at step size ${lr}; again at ${lr / 2}`);
        lr /= 2;
      }
    };
    const failed = (h: number, init: WidthResult['init'], lr: number): WidthResult => ({
      width: h, parameters: parameters(h), init, lr, trainError: 1, testError: 1, trainLoss: 1, testLoss: 1, epochs: 0, interpolated: false,
    });
    const trainAt = async (model: nn.Sequential, h: number, below: boolean, init: WidthResult['init'], lr: number): Promise<WidthResult | null> => {
      const optimizer = new optim.SGD(model.parameters(), { lr, momentum: s.momentum });
      const fit = await ctx.fit({
        title: `width ${h}`, model, optimizer, loss: squared, epochs: s.maxEpochs, progress: 'epochs',
        train: data.train,
        scheduler: below ? new optim.StepLR(optimizer, { stepSize: s.lrDecayEvery, gamma: s.lrDecay }) : undefined,
        stopWhen: (e) => e.trainAccuracy === 1,
      });
      if (fit.diverged) return null;
      const tr = evaluate(model, trainEval, { lossFn: squared });
      const te = evaluate(model, data.test, { lossFn: squared });
      return {
        width: h, parameters: parameters(h), init, lr,
        trainError: 1 - tr.accuracy, testError: 1 - te.accuracy, trainLoss: tr.loss, testLoss: te.loss,
        epochs: fit.history.length, interpolated: tr.accuracy === 1,
      };
    };

    await ctx.sweep<Json>(async (key) => {
      const [kind, list] = key.split('/');
      if (kind === 'w') {
        const h = Number(list);
        return [(await train(() => glorotNet(h), h, false, 'glorot')).result] as unknown as Json;
      }
      // Below the threshold: a chain, each network starting from the previous one's weights.
      const out: WidthResult[] = [];
      let prev: nn.Sequential | null = null;
      for (const h of list.split(',').map(Number)) {
        const from: nn.Sequential | null = prev;
        const { result, model } = await train(() => (from ? grow(from, h, s.reuseStd) : glorotNet(h)), h, h <= tw, from ? 'reuse' : 'glorot');
        out.push(result);
        prev = model;
      }
      return out as unknown as Json;
    });
  },
});

function net(h: number): nn.Sequential {
  return new nn.Sequential(new nn.Linear(INPUTS, h), new nn.ReLU(), new nn.Linear(h, CLASSES));
}

function glorotNet(h: number): nn.Sequential {
  const m = net(h);
  for (const l of [m.children()[0], m.children()[2]] as nn.Linear[]) {
    nn.init.xavierUniform(l.weight);
    nn.init.zeros(l.bias!);
  }
  return m;
}

/**
 * A network of width h whose first units are `small`'s trained ones (hidden weights and biases,
 * their output weights, the output biases), the new units' weights from N(0, std²), biases 0.
 */
function grow(small: nn.Sequential, h: number, std: number): nn.Sequential {
  const m = net(h);
  const [a1, , a2] = small.children() as [nn.Linear, nn.Module, nn.Linear];
  const [b1, , b2] = m.children() as [nn.Linear, nn.Module, nn.Linear];
  const k = a1.outFeatures;
  nn.init.normal(b1.weight, 0, std);
  nn.init.normal(b2.weight, 0, std);
  const w1 = b1.weight.data();
  const w2 = b2.weight.data();
  w1.set(a1.weight.data(), 0); // rows 0..k-1 of [h, 784]
  const bias1 = new Float32Array(h);
  bias1.set(a1.bias!.data(), 0);
  const old2 = a2.weight.data(); // [10, k] into the first k columns of [10, h]
  for (let c = 0; c < CLASSES; c++) for (let j = 0; j < k; j++) w2[c * h + j] = old2[c * k + j];
  m.loadStateDict({
    '0.weight': { data: w1, shape: [h, INPUTS] },
    '0.bias': { data: bias1, shape: [h] },
    '2.weight': { data: w2, shape: [CLASSES, h] },
    '2.bias': { data: a2.bias!.data(), shape: [CLASSES] },
  });
  return m;
}
