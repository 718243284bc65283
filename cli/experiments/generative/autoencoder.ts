// Seed 003, exercise 3.2: an MNIST autoencoder for encoding dimensions 16/64/128 and several
// numbers of epochs (the seed's Table 3: training loss and time per configuration, with
// reconstructions), then a stacked autoencoder trained layer-wise and fine-tuned end to end
// against the same network trained whole for the same number of epochs.
import { type Tensor, nn, noGrad, optim } from '../../../bindings/index.js';
import { DataLoader, MNIST_MEAN, MNIST_STD, TensorDataset } from '../../../bindings/data/index.js';
import { historyChart, mnistLoaders } from '../../harness/index.js';
import { register } from '../../registry.js';
import { MNIST_PIXELS, budgetSection, markdownTable, mnistPixels, stackRows, tensorGrid } from './common.js';

/** The seed's Table 3: encoding dimension, epochs, training loss, training time. */
const SEED_TABLE_3: Array<[number, number, number, string]> = [
  [16, 20, 0.635804, '3m 34s'], [16, 100, 0.62979, '17m 51s'], [64, 1, 0.43836, '0m 11s'],
  [64, 5, 0.107437, '0m 55s'], [64, 20, 0.096065, '3m 43s'], [128, 20, 0.037145, '3m 47s'],
];

const F = nn.functional;

/** One hidden code layer: 784 → ED (ReLU) → 784 (linear output, as the inputs are standardised). */
function autoencoder(encodingDim: number): nn.Sequential {
  return new nn.Sequential(new nn.Linear(MNIST_PIXELS, encodingDim), new nn.ReLU(), new nn.Linear(encodingDim, MNIST_PIXELS));
}

/** A sub-autoencoder of the stack: in → hidden (sigmoid) → in (sigmoid), trained with BCE on values in [0, 1]. */
function subAutoencoder(inputs: number, hidden: number): { encoder: nn.Sequential; decoder: nn.Sequential } {
  return {
    encoder: new nn.Sequential(new nn.Linear(inputs, hidden), new nn.Sigmoid()),
    decoder: new nn.Sequential(new nn.Linear(hidden, inputs), new nn.Sigmoid()),
  };
}

const minSec = (s: number) => `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;

register({
  id: 'autoencoder',
  family: 'generative',
  title: 'Autoencoders on MNIST: encoding dimension × epochs (Table 3), stacked pre-training vs training whole',
  seed: '003 "Artificial neural networks", exercise 3.2',
  description:
    'Part 1: an autoencoder 784 → ED (ReLU) → 784 on standardised MNIST with mean squared error and Adam, for the ' +
    "seed's six configurations of encoding dimension (16, 64, 128) and epochs (1 to 100); one run per dimension records " +
    'the training loss and the elapsed time at each configuration\'s epoch, beside the seed\'s Table 3, and reconstructs the ' +
    'same test digits. Part 2: a stacked autoencoder 784 → 256 → 64 → 256 → 784 whose two sub-autoencoders are trained ' +
    'one after the other (binary cross-entropy on [0, 1] pixels, as the course notebook), then stacked and fine-tuned ' +
    'end to end with mean squared error, against the same network trained whole from a random start for the same total ' +
    'number of epochs: test reconstruction error per epoch and reconstructions answer whether pre-training pays.',
  flags: ['data-dir', 'limit'],
  settings: {
    configs: [[16, 20], [16, 100], [64, 1], [64, 5], [64, 20], [128, 20]] as number[][],
    trainImages: 10000,
    batchSize: 128,
    lr: 1e-3,
    stackHidden: [256, 64],
    pretrainEpochs: 3,
    finetuneEpochs: 6,
    stackLr: 1e-3,
    shownDigits: 10,
  },
  quick: { configs: [[16, 1], [16, 2], [64, 1], [64, 2]], trainImages: 600, pretrainEpochs: 1, finetuneEpochs: 1, shownDigits: 6 },
  async run(ctx) {
    const s = ctx.settings;

    // ---- Part 1: encoding dimension × epochs -------------------------------------------------
    // Standardised pixels (mean 0.1307, std 0.3081): the seed's losses (0.64 for ED 16, 0.04 for
    // ED 128) are mean squared errors on that scale, where predicting the mean image scores ≈ 1.
    const data = await mnistLoaders(ctx, { batchSize: s.batchSize, flatten: true, train: s.trainImages, sample: 'random' });
    const trainX = data.trainSet.tensors[0], testX = data.testSet.tensors[0];
    const pairs = (x: Tensor, shuffle: boolean, batchSize: number) => new DataLoader(new TensorDataset(x, x), { batchSize, shuffle });
    const train = pairs(trainX, true, s.batchSize), test = pairs(testX, false, 1000);
    const shown = noGrad(() => testX.slice(0, 0, s.shownDigits)).keep();
    const standardisedRange: [number, number] = [-MNIST_MEAN / MNIST_STD, (1 - MNIST_MEAN) / MNIST_STD];

    const dims = [...new Set(s.configs.map(([ed]) => ed))];
    const rows: Array<{ ed: number; epochs: number; trainLoss: number; testLoss: number; seconds: number }> = [];
    const recon: Tensor[] = [shown];
    const reconCaptions: string[] = ['original'];
    const runs = [];
    for (const ed of dims) {
      const wanted = s.configs.filter(([d]) => d === ed).map(([, e]) => e).sort((a, b) => a - b);
      const model = autoencoder(ed);
      const snapshots = new Map<number, Tensor>();
      const fit = await ctx.fit({
        name: `ed-${ed}`, title: `AE, ED ${ed}`, model, loss: F.mseLoss, accuracy: false,
        optimizer: new optim.Adam(model.parameters(), { lr: s.lr }),
        train, test, epochs: wanted[wanted.length - 1], progress: 'epochs',
        onEpoch: (e) => {
          if (wanted.includes(e.epoch)) snapshots.set(e.epoch, noGrad(() => model.eval().forward(shown)).keep());
          model.train();
        },
      });
      let elapsed = 0;
      const cumulative = fit.epochSeconds.map((t) => (elapsed += t));
      for (const e of wanted) {
        const h = fit.history[e - 1];
        rows.push({ ed, epochs: e, trainLoss: h.trainLoss, testLoss: h.testLoss!, seconds: cumulative[e - 1] });
        recon.push(snapshots.get(e)!);
        reconCaptions.push(`ED ${ed}, ${e} ep`);
      }
      runs.push({ name: `ED ${ed}`, history: fit.history });
    }

    budgetSection(ctx, [
      ['training images', '60,000', trainX.shape[0].toLocaleString('en-US')],
      ['epochs per configuration', '1 to 100 (Table 3)', 'the same: one run per encoding dimension, read at each configuration\'s epoch'],
    ]);
    ctx.figure('loss-per-epoch', historyChart(runs, 'trainLoss', { title: 'Autoencoder: training loss (MSE, standardised pixels) per epoch', log: true, yLabel: 'training MSE (mean over the epoch)' }));
    const side = s.shownDigits;
    ctx.figure('reconstructions', tensorGrid(stackRows(recon), 'Reconstructions of the same test digits per configuration', {
      cols: side, range: standardisedRange,
      captions: recon.flatMap((_, r) => Array.from({ length: side }, (_, i) => (i === 0 ? reconCaptions[r] : ''))),
    }), { caption: 'Top row: test digits; each further row: the reconstruction by the configuration named under its first image.' });

    const table = rows.map((r) => {
      const seed = SEED_TABLE_3.find(([d, e]) => d === r.ed && e === r.epochs);
      return [r.ed, r.epochs, r.trainLoss.toFixed(6), r.testLoss.toFixed(6), seed ? seed[2].toFixed(6) : '—', seed ? seed[3] : '—'];
    });
    ctx.section(`## Table 3 beside the seed's\n\n${markdownTable(['encoding dims', 'epochs', 'train loss (ours)', 'test loss (ours)', 'train loss (seed)', 'training time (seed)'], table)}\n\n` +
      'Our training times per configuration are in the timing table at the end (they differ between runs). The losses are ' +
      'mean squared errors on standardised pixels; the seed does not state its loss or scaling, but its values fit this scale.');
    ctx.result('table3', rows.map((r) => ({ encodingDims: r.ed, epochs: r.epochs, trainLoss: r.trainLoss, testLoss: r.testLoss })));
    for (const r of rows) {
      const seed = SEED_TABLE_3.find(([d, e]) => d === r.ed && e === r.epochs);
      ctx.keyNumber(`train loss, ED ${r.ed}, ${r.epochs} epoch${r.epochs === 1 ? "" : "s"}`, r.trainLoss, { seed: seed?.[2] });
      ctx.timing(`training time, ED ${r.ed}, ${r.epochs} epochs (${seed ? `seed ${seed[3]}` : 'not in the seed'})`, r.seconds);
    }
    ctx.log(rows.map((r) => `ED ${r.ed} × ${r.epochs}: ${r.trainLoss.toFixed(4)} in ${minSec(r.seconds)}`).join('; '));

    // ---- Part 2: stacked autoencoder, layer-wise pre-training then fine-tuning, vs whole ------
    const px = await mnistPixels(ctx, { batchSize: s.batchSize, train: s.trainImages });
    const pxTest = pairs(px.testX, false, 1000);
    const shownPx = noGrad(() => px.testX.slice(0, 0, s.shownDigits)).keep();
    const [h1, h2] = s.stackHidden;
    const testMse = (m: nn.Module) => noGrad(() => {
      m.eval();
      let sum = 0, n = 0;
      for (const [x] of pxTest) {
        sum += F.mseLoss(m.forward(x), x).item() * x.shape[0];
        n += x.shape[0];
      }
      m.train();
      return sum / n;
    });

    // (a) layer 1: 784 → h1 → 784 on the pixels; (b) layer 2: h1 → h2 → h1 on layer 1's codes.
    const ae1 = subAutoencoder(MNIST_PIXELS, h1);
    const sub1 = new nn.Sequential(ae1.encoder, ae1.decoder);
    const pre1 = await ctx.fit({
      name: 'pretrain-layer-1', title: `SAE layer 1 (784 → ${h1})`, model: sub1, accuracy: false, loss: F.binaryCrossEntropy,
      optimizer: new optim.Adam(sub1.parameters(), { lr: s.stackLr }), train: pairs(px.trainX, true, s.batchSize),
      epochs: s.pretrainEpochs, progress: 'epochs',
    });
    const codes1 = noGrad(() => ae1.encoder.eval().forward(px.trainX)).keep();
    const ae2 = subAutoencoder(h1, h2);
    const sub2 = new nn.Sequential(ae2.encoder, ae2.decoder);
    const pre2 = await ctx.fit({
      name: 'pretrain-layer-2', title: `SAE layer 2 (${h1} → ${h2})`, model: sub2, accuracy: false, loss: F.binaryCrossEntropy,
      optimizer: new optim.Adam(sub2.parameters(), { lr: s.stackLr }), train: pairs(codes1, true, s.batchSize),
      epochs: s.pretrainEpochs, progress: 'epochs',
    });
    const stacked = new nn.Sequential(ae1.encoder, ae2.encoder, ae2.decoder, ae1.decoder).keep();
    const layerwiseMse = testMse(stacked);
    const layerwiseRecon = noGrad(() => stacked.eval().forward(shownPx)).keep();
    stacked.train();

    // (c) fine-tune the stack end to end with MSE; (d) the same architecture from scratch, for
    // as many epochs as pre-training and fine-tuning took together.
    const budget = 2 * s.pretrainEpochs + s.finetuneEpochs;
    const fine = await ctx.fit({
      name: 'finetune', title: 'SAE fine-tuned whole', model: stacked, accuracy: false, loss: F.mseLoss,
      optimizer: new optim.Adam(stacked.parameters(), { lr: s.stackLr }), train: pairs(px.trainX, true, s.batchSize),
      test: pxTest, epochs: s.finetuneEpochs, progress: 'epochs',
    });
    const a1 = subAutoencoder(MNIST_PIXELS, h1), a2 = subAutoencoder(h1, h2);
    const whole = new nn.Sequential(a1.encoder, a2.encoder, a2.decoder, a1.decoder);
    const scratch = await ctx.fit({
      name: 'whole', title: 'SAE trained whole', model: whole, accuracy: false, loss: F.mseLoss,
      optimizer: new optim.Adam(whole.parameters(), { lr: s.stackLr }), train: pairs(px.trainX, true, s.batchSize),
      test: pxTest, epochs: budget, progress: 'epochs',
    });
    const fineMse = fine.final.testLoss!, wholeMse = scratch.final.testLoss!;
    // Fine-tuning curves start after the pre-training epochs, so both share an x axis of epochs spent.
    const shift = (h: typeof fine.history, by: number) => h.map((e) => ({ ...e, epoch: e.epoch + by }));
    ctx.figure('stacked-vs-whole', historyChart([
      { name: `layer-wise pre-training (${2 * s.pretrainEpochs} ep) + fine-tuning`, history: shift(fine.history, 2 * s.pretrainEpochs) },
      { name: 'trained whole from a random start', history: scratch.history },
    ], 'testLoss', { title: 'Stacked autoencoder: test MSE per epoch spent', yLabel: 'test MSE (pixels in [0, 1])' }), {
      caption: `Layer-wise pre-training alone reaches test MSE ${layerwiseMse.toFixed(4)} (before fine-tuning, not drawn as a curve). Epochs on the x axis count pre-training epochs of both layers.`,
    });
    const fineRecon = noGrad(() => stacked.eval().forward(shownPx));
    const wholeRecon = noGrad(() => whole.eval().forward(shownPx));
    const labels = ['original', 'layer-wise only', 'pre-train + tune', 'trained whole'];
    ctx.figure('stacked-reconstructions', tensorGrid(stackRows([shownPx, layerwiseRecon, fineRecon, wholeRecon]), 'Stacked autoencoder reconstructions of test digits', {
      cols: side, captions: labels.flatMap((l) => Array.from({ length: side }, (_, i) => (i === 0 ? l : ''))),
    }), { caption: `Rows: test digits; the stack after layer-wise pre-training only; after fine-tuning the whole stack; the same network trained whole for ${budget} epochs.` });

    ctx.section(`## Stacked autoencoder: does pre-training pay?\n\n${markdownTable(['model', 'epochs', 'test MSE'], [
      ['layer-wise pre-training only', 2 * s.pretrainEpochs, layerwiseMse.toFixed(5)],
      ['pre-training + fine-tuning whole', budget, fineMse.toFixed(5)],
      ['trained whole from a random start', budget, wholeMse.toFixed(5)],
    ])}\n\nThe seed found the layer-wise stack poor until fine-tuned, and fine-tuning after pre-training not significantly better than ` +
      `training the whole network for an equivalent time. Here pre-training + fine-tuning ends ${fineMse < wholeMse ? 'below' : 'above'} ` +
      `training whole (${fineMse.toFixed(5)} vs ${wholeMse.toFixed(5)}, a ${(100 * Math.abs(wholeMse - fineMse) / wholeMse).toFixed(1)} % difference).`);
    ctx.keyNumber('SAE test MSE, layer-wise pre-training only', layerwiseMse, { seed: 'poor reconstructions' });
    ctx.keyNumber('SAE test MSE, pre-trained + fine-tuned', fineMse);
    ctx.keyNumber('SAE test MSE, trained whole (same epochs)', wholeMse, { seed: 'about as good as pre-trained + fine-tuned' });
    ctx.result('stacked', { layerwiseMse, fineMse, wholeMse, pretrainLoss: [pre1.final.trainLoss, pre2.final.trainLoss] });
  },
});
