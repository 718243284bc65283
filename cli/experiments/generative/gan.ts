// Seed 003, exercise 4.2: an MLP GAN on MNIST with its original settings and with a lower
// discriminator learning rate (generator and discriminator losses per epoch, samples of a fixed
// noise batch per epoch), interpolation between two latent points, and a DCGAN whose samples
// stand beside the MLP GANs'.
import { type Tensor, noGrad, randn } from '../../../bindings/index.js';
import { lineChart } from '../../plot/line.js';
import { panels } from '../../plot/panels.js';
import { register } from '../../registry.js';
import { budgetSection, interpolate, markdownTable, mnistPixels, stackRows, tensorGrid } from './common.js';
import { type GanRun, dcganDiscriminator, dcganGenerator, generate, mlpDiscriminator, mlpGenerator, spreadEpochs, trainGan } from './gan-models.js';

function lossChart(title: string, run: GanRun) {
  const x = run.history.map((e) => e.epoch);
  return lineChart({
    title, x: { label: 'epoch' }, y: { label: 'loss (mean over the epoch)' }, width: 560, height: 420, legend: 'top-right',
    series: [
      { name: 'discriminator', x, y: run.history.map((e) => e.dLoss), marker: 'circle' },
      { name: 'generator', x, y: run.history.map((e) => e.gLoss), marker: 'square' },
    ],
  });
}

const rowCaptions = (labels: string[], cols: number) => labels.flatMap((l) => Array.from({ length: cols }, (_, i) => (i === 0 ? l : '')));

register({
  id: 'gan',
  family: 'generative',
  title: 'GANs on MNIST: MLP GAN, a lower discriminator learning rate, latent interpolation, DCGAN',
  seed: '003 "Artificial neural networks", exercise 4.2',
  description:
    'An MLP generator (latent → 256 → 512 → 784, leaky ReLU, tanh) against an MLP discriminator (784 → 512 → 256 → 1), ' +
    'both trained with Adam (lr 2e-4, betas 0.5/0.999) on MNIST scaled to [−1, 1]: discriminator and generator losses per ' +
    'epoch and samples of one fixed noise batch after every epoch; the same with the discriminator\'s learning rate lowered ' +
    '(the seed\'s variant); images generated along the line between two latent points (λ from 0 to 1); and a DCGAN ' +
    '(transposed convolutions with batch norm and ReLU in the generator, strided convolutions with batch norm and leaky ReLU ' +
    'in the discriminator) whose samples are shown beside the MLP GANs\'.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: {
    trainImages: 10000,
    batchSize: 100,
    latent: 64,
    hidden: [256, 512],
    epochs: 4,
    lr: 2e-4,
    lowerDiscriminatorLr: 5e-5,
    betas: [0.5, 0.999],
    dcganChannels: 16,
    dcganImages: 5000,
    dcganEpochs: 2,
    samples: 10,
    sampleRows: 10,
    interpolationSteps: 10,
    interpolationPairs: 3,
  },
  quick: { trainImages: 400, epochs: 2, hidden: [32, 64], dcganChannels: 4, dcganImages: 200, dcganEpochs: 1, samples: 6, interpolationSteps: 5, interpolationPairs: 2 },
  async run(ctx) {
    const s = ctx.settings;
    const betas = s.betas as [number, number];
    const data = await mnistPixels(ctx, { batchSize: s.batchSize, train: s.trainImages });
    const fixedNoise = randn([s.samples, s.latent]).keep();
    const common = { latent: s.latent, batches: data.train, epochs: s.epochs, lrG: s.lr, betas, fixedNoise };

    // ---- (a) the original settings; (b) the discriminator learns more slowly ----------------------
    const G1 = mlpGenerator(s.latent, s.hidden).keep(), D1 = mlpDiscriminator(s.hidden);
    const original = trainGan(ctx, { ...common, label: 'MLP GAN', G: G1, D: D1, lrD: s.lr });
    const G2 = mlpGenerator(s.latent, s.hidden).keep(), D2 = mlpDiscriminator(s.hidden);
    const slowD = trainGan(ctx, { ...common, label: 'MLP GAN, lower D lr', G: G2, D: D2, lrD: s.lowerDiscriminatorLr });

    // ---- (c) DCGAN -----------------------------------------------------------------------------
    const dcData = await mnistPixels(ctx, { batchSize: s.batchSize, train: s.dcganImages });
    const G3 = dcganGenerator(s.latent, s.dcganChannels).keep(), D3 = dcganDiscriminator(s.dcganChannels);
    const dcgan = trainGan(ctx, { ...common, batches: dcData.train, epochs: s.dcganEpochs, label: 'DCGAN', G: G3, D: D3, lrD: s.lr });

    budgetSection(ctx, [
      ['MLP GAN training', 'MNIST, epochs not stated (GPU)', `${data.trainX.shape[0].toLocaleString('en-US')} images × ${s.epochs} epochs, per variant`],
      ['DCGAN training', 'not stated', `${dcData.trainX.shape[0].toLocaleString('en-US')} images × ${s.dcganEpochs} epochs, ${s.dcganChannels}/${2 * s.dcganChannels} channels`],
    ]);
    ctx.figure('losses', panels({
      title: 'Generator and discriminator losses per epoch',
      charts: [
        lossChart(`(a) MLP GAN, lr D = lr G = ${s.lr}`, original),
        lossChart(`(b) MLP GAN, lr D ${s.lowerDiscriminatorLr}, lr G ${s.lr}`, slowD),
        lossChart(`(c) DCGAN (${s.dcganImages.toLocaleString('en-US')} images)`, dcgan),
      ],
    }), { caption: 'Discriminator loss: binary cross-entropy on real (label 1) plus generated (label 0) images; generator loss: −log D(G(z)). A falling discriminator loss with a rising generator loss is the discriminator winning.' });

    // Samples of the fixed noise batch after (up to sampleRows) epochs, per model.
    const perEpoch = (name: string, title: string, run: GanRun) => {
      const epochs = spreadEpochs(run.samples.length, s.sampleRows);
      ctx.figure(name, tensorGrid(stackRows(epochs.map((e) => run.samples[e - 1])), title, {
        cols: s.samples, captions: rowCaptions(epochs.map((e) => `epoch ${e}`), s.samples),
      }), { caption: 'Every row is the generator applied to the same noise vectors after the given epoch.' });
    };
    perEpoch('samples-per-epoch', '(a) MLP GAN: samples of one noise batch per epoch', original);
    perEpoch('samples-per-epoch-lower-d-lr', '(b) MLP GAN with a lower discriminator learning rate: samples per epoch', slowD);

    const last = (r: GanRun) => r.samples[r.samples.length - 1];
    ctx.figure('mlp-vs-dcgan', tensorGrid(stackRows([last(original), last(slowD), last(dcgan)]), 'Generated digits: MLP GAN, MLP GAN with lower D lr, DCGAN', {
      cols: s.samples, captions: rowCaptions(['(a) original', '(b) lower D lr', '(c) DCGAN'], s.samples),
    }), { caption: 'The same noise vectors through each final generator (the seed\'s Fig. 30).' });

    // ---- Latent interpolation: G((1 − λ) z1 + λ z2) ----------------------------------------------
    const rows: Tensor[] = [];
    let lambdas: number[] = [];
    for (let p = 0; p < s.interpolationPairs; p++) {
      const ends = randn([2, s.latent]);
      const line = noGrad(() => interpolate(ends.slice(0, 0, 1), ends.slice(0, 1, 2), s.interpolationSteps));
      lambdas = line.lambdas;
      rows.push(generate(G1, line.z));
    }
    ctx.figure('latent-interpolation', tensorGrid(stackRows(rows), 'MLP GAN: images along the line between two latent points', {
      cols: s.interpolationSteps, captions: rows.flatMap(() => lambdas.map((l) => `λ = ${l.toFixed(2)}`)),
    }), { caption: 'Each row: G((1 − λ)·z1 + λ·z2) for two random latent points z1, z2; the digit morphs smoothly from one to the other.' });

    const summary = (name: string, r: GanRun) => {
      const e = r.history[r.history.length - 1];
      return [name, r.history.length, e.dLoss.toFixed(3), e.gLoss.toFixed(3), e.dReal.toFixed(3), e.dFake.toFixed(3)];
    };
    ctx.section(`## Final epoch\n\n${markdownTable(['model', 'epochs', 'D loss', 'G loss', 'mean D(x)', 'mean D(G(z))'], [
      summary('(a) MLP GAN', original), summary('(b) MLP GAN, lower D lr', slowD), summary('(c) DCGAN', dcgan),
    ])}\n\nThe seed saw the discriminator outpace the generator more the longer the models trained, a lower discriminator ` +
      'learning rate slightly mitigating the divergence, and the DCGAN giving sharper, more consistent digits.');
    for (const [name, r] of [['MLP GAN', original], ['MLP GAN, lower D lr', slowD], ['DCGAN', dcgan]] as const) {
      const e = r.history[r.history.length - 1];
      ctx.keyNumber(`${name}: final D loss`, e.dLoss, { seed: name === 'DCGAN' ? undefined : 'grows apart from G loss (Fig. 28)' });
      ctx.keyNumber(`${name}: final G loss`, e.gLoss);
    }
    ctx.result('losses', {
      original: original.history as unknown as Array<Record<string, number>>,
      lowerDiscriminatorLr: slowD.history as unknown as Array<Record<string, number>>,
      dcgan: dcgan.history as unknown as Array<Record<string, number>>,
    });
  },
});
