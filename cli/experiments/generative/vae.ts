// Seed 003, exercises 4.3 and 4.4: an MNIST VAE (BCE reconstruction + KL, both curves),
// interpolation in its latent space, its samples beside an MLP GAN's (sharper and noisier vs
// smoother and blurrier, measured), a 2-D latent variant with the map of the test set; and the
// seed's convolutional VAE on CIFAR-10 "ship" images when --data-dir holds the CIFAR-10 binaries.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, noGrad, optim, randn, tensor } from '../../../bindings/index.js';
import { DataLoader, TensorDataset, mnistFileNames } from '../../../bindings/data/index.js';
import { InputError } from '../../harness/index.js';
import { lineChart } from '../../plot/line.js';
import { panels } from '../../plot/panels.js';
import { scatterChart } from '../../plot/scatter.js';
import type { RunContext, Settings } from '../../registry.js';
import { register } from '../../registry.js';
import { CIFAR_CLASSES, CIFAR_SIDE, findCifarDir, readCifarClass } from './cifar.js';
import { MNIST_PIXELS, MNIST_SIDE, budgetSection, interpolate, markdownTable, mnistPixels, stackRows, tensorGrid, trainLoop } from './common.js';
import { generate, mlpDiscriminator, mlpGenerator, trainGan } from './gan-models.js';
import { ConvVae, MlpVae, type Vae } from './vae-models.js';

type History = Array<{ epoch: number } & Record<string, number>>;

function trainVae<S extends Settings>(ctx: RunContext<S>, vae: Vae, batches: Iterable<Tensor[]> & { length: number }, o: { label: string; epochs: number; lr: number; betas: [number, number] }): History {
  const optimizer = new optim.Adam(vae.parameters(), { lr: o.lr, betas: o.betas });
  return trainLoop(ctx, {
    label: o.label, epochs: o.epochs, batches,
    step: (x) => {
      const l = vae.loss(x);
      optimizer.zeroGrad();
      l.total.backward();
      optimizer.step();
      return { total: l.total.item(), reconstruction: l.recon.item(), KL: l.kl.item() };
    },
  });
}

function lossCurves(title: string, h: History, reconLabel: string) {
  const x = h.map((e) => e.epoch);
  return lineChart({
    title, x: { label: 'epoch' }, y: { label: 'loss per image (mean over the epoch)', scale: 'log' }, legend: 'top-right', width: 620, height: 440,
    series: [
      { name: 'total', x, y: h.map((e) => e.total), marker: 'circle' },
      { name: reconLabel, x, y: h.map((e) => e.reconstruction), marker: 'square' },
      { name: 'KL divergence', x, y: h.map((e) => e.KL), marker: 'triangle' },
    ],
  });
}

/**
 * Two numbers that put the seed's "GAN sharper but noisier, VAE smoother but blurrier" on a
 * scale: the mean |4-neighbour Laplacian| (edge sharpness) and the mean intensity of the
 * background (pixels that are < 0.01 in the mean training image, i.e. almost never ink).
 */
function sharpnessAndNoise(images: Float32Array, background: Uint8Array): { sharpness: number; backgroundNoise: number } {
  const n = images.length / MNIST_PIXELS;
  let lap = 0, lapCount = 0, bg = 0, bgCount = 0;
  for (let i = 0; i < n; i++) {
    const o = i * MNIST_PIXELS;
    for (let r = 1; r < MNIST_SIDE - 1; r++) for (let c = 1; c < MNIST_SIDE - 1; c++) {
      const k = o + r * MNIST_SIDE + c;
      lap += Math.abs(4 * images[k] - images[k - 1] - images[k + 1] - images[k - MNIST_SIDE] - images[k + MNIST_SIDE]);
      lapCount++;
    }
    for (let k = 0; k < MNIST_PIXELS; k++) if (background[k]) { bg += images[o + k]; bgCount++; }
  }
  return { sharpness: lap / lapCount, backgroundNoise: bg / Math.max(1, bgCount) };
}

const rowCaptions = (labels: string[], cols: number) => labels.flatMap((l) => Array.from({ length: cols }, (_, i) => (i === 0 ? l : '')));

register({
  id: 'vae',
  family: 'generative',
  title: 'Variational autoencoders: MNIST VAE (BCE + KL), interpolation, VAE vs GAN samples, 2-D latent map; CIFAR-10 conv VAE',
  seed: '003 "Artificial neural networks", exercises 4.3 and 4.4',
  description:
    'The course notebook\'s VAE on MNIST pixels in [0, 1]: 784 → 400 (ReLU) → μ, log σ² of a 20-dimensional latent, the ' +
    'reparameterisation z = μ + σ·ε, and 20 → 400 (ReLU) → 784 (sigmoid), trained with Adam (betas 0.5/0.999) on binary ' +
    'cross-entropy summed over pixels plus the KL divergence to N(0, I), both per image; curves of both terms per epoch; ' +
    'images along the line between two latent points; its samples beside those of an MLP GAN trained on the same images ' +
    '(with edge sharpness and background noise measured); and a 2-D latent VAE whose test-set means are mapped by digit, ' +
    'with the decoded latent grid. With --data-dir holding the CIFAR-10 binary files (data_batch_N.bin), the seed\'s ' +
    'exercise 4.4 runs too: a convolutional VAE (64/128/256 channels, kernel 4, batch norm, leaky ReLU; middle 256, latent ' +
    '100, tanh output) on the "ship" images with lr 1e-4 and batches of 128. --data-dir may also hold MNIST idx files; ' +
    'without them the bundled MNIST is used.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: {
    trainImages: 10000,
    batchSize: 100,
    middle: 400,
    latent: 20,
    epochs: 5,
    lr: 1e-3,
    betas: [0.5, 0.999],
    latent2Epochs: 5,
    ganEpochs: 2,
    ganHidden: [256, 512],
    ganLatent: 64,
    ganLr: 2e-4,
    samples: 10,
    metricSamples: 200,
    interpolationSteps: 10,
    mapImages: 5000,
    manifold: 15,
    cifarClass: 8,
    cifarChannels: [64, 128, 256],
    cifarMiddle: 256,
    cifarLatent: 100,
    cifarLr: 1e-4,
    cifarBatchSize: 128,
    cifarEpochs: 50,
    cifarImages: 5000,
  },
  quick: {
    trainImages: 400, middle: 64, epochs: 2, latent2Epochs: 1, ganEpochs: 1, ganHidden: [32, 64], metricSamples: 40, mapImages: 300,
    manifold: 6, interpolationSteps: 6, samples: 6, cifarChannels: [8, 16, 32], cifarMiddle: 32, cifarLatent: 8, cifarEpochs: 1, cifarImages: 64,
  },
  async run(ctx) {
    const s = ctx.settings;
    const betas = s.betas as [number, number];

    // --data-dir: CIFAR-10 binaries switch on exercise 4.4; MNIST idx files there replace the bundled ones.
    const cifarDir = ctx.dataDir ? findCifarDir(ctx.dataDir) : null;
    const mnistThere = ctx.dataDir !== undefined && mnistFileNames(true, 'images').some((f) => existsSync(join(ctx.dataDir!, f)));
    if (ctx.dataDir && !cifarDir && !mnistThere) {
      throw new InputError(`--data-dir ${ctx.dataDir}: found neither MNIST idx files (${mnistFileNames(true, 'images')[0]}, ...) nor CIFAR-10 binaries (data_batch_1.bin, here or in cifar-10-batches-bin/)`);
    }
    const mnistCtx: RunContext<typeof s> = mnistThere ? ctx : Object.create(ctx, { dataDir: { value: undefined } });
    // Read (and so check) the CIFAR files before any training: bad input must fail before anything is written.
    const cifar = cifarDir ? readCifarClass(cifarDir, s.cifarClass, s.cifarImages) : null;
    if (cifar && cifar.n === 0) throw new InputError(`${cifarDir}: no ${CIFAR_CLASSES[s.cifarClass]} images (label ${s.cifarClass}) in ${cifar.files.join(', ')}`);

    // ---- Exercise 4.3: the MNIST VAE ---------------------------------------------------------------
    const data = await mnistPixels(mnistCtx, { batchSize: s.batchSize, train: s.trainImages });
    const vae = new MlpVae(s.middle, s.latent).keep();
    const history = trainVae(ctx, vae, data.train, { label: `VAE (latent ${s.latent})`, epochs: s.epochs, lr: s.lr, betas });
    ctx.figure('loss-curves', panels({ title: `MNIST VAE (${s.middle} middle, latent ${s.latent}): the two terms of the loss`, charts: [lossCurves('Loss per epoch', history, 'reconstruction (BCE)')] }), {
      caption: 'Per image: BCE summed over the 784 pixels, KL divergence of q(z | x) from N(0, I); total = BCE + KL (the negative ELBO).',
    });
    const final = history[history.length - 1];
    ctx.keyNumber('VAE loss per image (BCE + KL), last epoch', final.total, { seed: 'curves only (the course notebook plots them on a log scale)' });
    ctx.keyNumber('VAE reconstruction (BCE), last epoch', final.reconstruction);
    ctx.keyNumber('VAE KL divergence, last epoch', final.KL);
    ctx.result('vae', history as unknown as Array<Record<string, number>>);

    budgetSection(ctx, [
      ['MNIST VAE training', '60,000 images, epochs not stated (GPU)', `${data.trainX.shape[0].toLocaleString('en-US')} images × ${s.epochs} epochs`],
      ['GAN beside it', 'the exercise 4.2 GAN', `an MLP GAN on the same images × ${s.ganEpochs} epochs`],
      ['CIFAR-10 conv VAE', '5,000 ship images × 250 epochs, batch 128, lr 1e-4', cifar ? `${cifar.n.toLocaleString('en-US')} ship images × ${s.cifarEpochs} epochs` : 'not run (no CIFAR-10 files here)'],
    ]);
    const shown = noGrad(() => data.testX.slice(0, 0, s.samples));
    const recon = noGrad(() => { vae.eval(); const r = vae.forward(shown); vae.train(); return r; });
    ctx.figure('reconstructions', tensorGrid(stackRows([shown, recon]), 'VAE: test digits and their reconstructions (z = μ)', {
      cols: s.samples, captions: rowCaptions(['test digit', 'reconstruction'], s.samples),
    }));

    // Interpolation: between two draws from the prior (the course notebook), and between the codes of two test digits.
    const decode = (z: Tensor) => noGrad(() => { vae.eval(); const r = vae.decode(z); vae.train(); return r; });
    const prior = randn([2, s.latent]);
    const line1 = interpolate(noGrad(() => prior.slice(0, 0, 1)), noGrad(() => prior.slice(0, 1, 2)), s.interpolationSteps);
    const mus = noGrad(() => vae.encode(data.testX.slice(0, 0, 2))[0]);
    const line2 = interpolate(noGrad(() => mus.slice(0, 0, 1)), noGrad(() => mus.slice(0, 1, 2)), s.interpolationSteps);
    ctx.figure('latent-interpolation', tensorGrid(stackRows([decode(line1.z), decode(line2.z)]), 'VAE: decoded images along a line in latent space', {
      cols: s.interpolationSteps, captions: [line1, line2].flatMap((l) => l.lambdas.map((x) => `λ = ${x.toFixed(2)}`)),
    }), { caption: `Top: (1 − λ)·z1 + λ·z2 for two draws from N(0, I) (the seed's Fig. 31). Bottom: between the codes μ of test digits ${data.testLabels[0]} and ${data.testLabels[1]}.` });

    // ---- VAE samples beside an MLP GAN's, trained on the same images -------------------------------
    const ganNoise = randn([s.metricSamples, s.ganLatent]).keep();
    const G = mlpGenerator(s.ganLatent, s.ganHidden).keep();
    trainGan(ctx, {
      label: 'MLP GAN (for comparison)', G, D: mlpDiscriminator(s.ganHidden), latent: s.ganLatent, batches: data.train,
      epochs: s.ganEpochs, lrG: s.ganLr, lrD: s.ganLr, betas, fixedNoise: noGrad(() => ganNoise.slice(0, 0, 1)).keep(),
    });
    const ganSamples = generate(G, ganNoise);
    const vaeSamples = decode(randn([s.metricSamples, s.latent]));
    const realSamples = noGrad(() => data.trainX.slice(0, 0, s.metricSamples));
    const meanImage = noGrad(() => data.trainX.mean(0)).data();
    const background = Uint8Array.from(meanImage, (v) => (v < 0.01 ? 1 : 0));
    const metrics = {
      GAN: sharpnessAndNoise(ganSamples.data(), background),
      VAE: sharpnessAndNoise(vaeSamples.data(), background),
      'real digits': sharpnessAndNoise(realSamples.data(), background),
    };
    const firstRows = (t: Tensor) => noGrad(() => t.slice(0, 0, s.samples));
    ctx.figure('vae-vs-gan', tensorGrid(stackRows([firstRows(ganSamples), firstRows(vaeSamples), firstRows(realSamples)]), 'Samples: MLP GAN, VAE, and real training digits', {
      cols: s.samples, captions: rowCaptions([`GAN (${s.ganEpochs} ep)`, `VAE (${s.epochs} ep)`, 'real'], s.samples),
    }), { caption: `GAN: G(z) for z ~ N(0, I); VAE: the decoder's mean for z ~ N(0, I); both trained on the same ${data.trainX.shape[0].toLocaleString('en-US')} images (the seed's Fig. 32).` });
    ctx.section(`## VAE vs GAN samples, measured\n\n${markdownTable(['images', 'edge sharpness (mean absolute Laplacian)', 'background noise (mean intensity off the digit area)'],
      Object.entries(metrics).map(([k, m]) => [k, m.sharpness.toFixed(4), m.backgroundNoise.toFixed(4)]))}\n\n` +
      `Over ${s.metricSamples} samples each. The seed: GAN images sharper but noisier (especially in the background), VAE images smoother, blurrier and less noisy. ` +
      `Here the GAN's samples are ${metrics.GAN.sharpness > metrics.VAE.sharpness ? 'sharper' : 'not sharper'} and ${metrics.GAN.backgroundNoise > metrics.VAE.backgroundNoise ? 'noisier in the background' : 'not noisier in the background'} than the VAE's.`);
    ctx.keyNumber('edge sharpness, GAN / VAE samples', metrics.GAN.sharpness / metrics.VAE.sharpness, { seed: '> 1 (GAN sharper)' });
    ctx.keyNumber('background noise, GAN / VAE samples', metrics.GAN.backgroundNoise / Math.max(1e-9, metrics.VAE.backgroundNoise), { seed: '> 1 (GAN noisier)' });
    ctx.result('samplesMeasured', metrics as unknown as Record<string, Record<string, number>>);

    // ---- A 2-D latent space: the map of the test set and the decoded grid ---------------------------
    const vae2 = new MlpVae(s.middle, 2);
    const history2 = trainVae(ctx, vae2, data.train, { label: 'VAE (latent 2)', epochs: s.latent2Epochs, lr: s.lr, betas });
    ctx.result('vae2d', history2 as unknown as Array<Record<string, number>>);
    const m = Math.min(s.mapImages, data.testX.shape[0]);
    const codes = noGrad(() => { vae2.eval(); const c = vae2.encode(data.testX.slice(0, 0, m))[0]; vae2.train(); return c; }).data();
    const classes = Array.from({ length: 10 }, (_, d) => {
      const x: number[] = [], y: number[] = [];
      for (let i = 0; i < m; i++) if (data.testLabels[i] === d) { x.push(codes[2 * i]); y.push(codes[2 * i + 1]); }
      return { name: String(d), x, y };
    });
    ctx.figure('latent-map', scatterChart({
      title: `2-D latent space: means μ of ${m.toLocaleString('en-US')} test digits`, classes, x: { label: 'z₁' }, y: { label: 'z₂' }, legend: 'top-right', pointRadius: 2,
    }), { caption: 'Each point is the encoder\'s mean for one test image, coloured by its digit (labels are not used in training).' });
    const g = s.manifold;
    const grid = new Float32Array(g * g * 2);
    for (let r = 0; r < g; r++) for (let c = 0; c < g; c++) {
      grid[2 * (r * g + c)] = -2.5 + (5 * c) / (g - 1);
      grid[2 * (r * g + c) + 1] = 2.5 - (5 * r) / (g - 1);
    }
    const decoded = noGrad(() => { vae2.eval(); const d = vae2.decode(tensor(grid, { shape: [g * g, 2] })); vae2.train(); return d; });
    ctx.figure('latent-manifold', tensorGrid(decoded, `2-D latent space decoded on a ${g} × ${g} grid over [−2.5, 2.5]²`, { cols: g, zoom: 2 }));
    ctx.keyNumber('2-D VAE loss per image, last epoch', history2[history2.length - 1].total);

    // ---- Exercise 4.4: the convolutional VAE on CIFAR-10 ships ---------------------------------------
    if (!cifar) {
      ctx.section('## Exercise 4.4 (CIFAR-10)\n\nNot run: --data-dir does not hold the CIFAR-10 binary files (data_batch_1.bin ... data_batch_5.bin). No package registry here ships them; pass their folder to run the seed\'s convolutional VAE on the "ship" images.');
      return;
    }
    ctx.setting('CIFAR-10 files', cifar.files.join(', '));
    ctx.setting(`CIFAR-10 ${CIFAR_CLASSES[s.cifarClass]} images`, cifar.n);
    const ships = tensor(cifar.pixels, { shape: [cifar.n, 3, CIFAR_SIDE, CIFAR_SIDE] });
    const cifarLoader = new DataLoader(new TensorDataset(ships), { batchSize: s.cifarBatchSize, shuffle: true });
    const convVae = new ConvVae(s.cifarChannels, s.cifarMiddle, s.cifarLatent).keep();
    const cifarHistory = trainVae(ctx, convVae, cifarLoader, { label: 'CIFAR-10 conv VAE', epochs: s.cifarEpochs, lr: s.cifarLr, betas: [0.9, 0.999] });
    ctx.result('cifarVae', cifarHistory as unknown as Array<Record<string, number>>);
    ctx.figure('cifar-loss', panels({ title: `CIFAR-10 ${CIFAR_CLASSES[s.cifarClass]}s: conv VAE loss`, charts: [lossCurves('Loss per epoch', cifarHistory, 'reconstruction (squared error)')] }), {
      caption: 'The seed\'s Fig. 34 (it trained 250 epochs).',
    });
    const k = Math.min(s.samples, cifar.n);
    const originals = noGrad(() => ships.slice(0, 0, k));
    const rgb = { side: CIFAR_SIDE, channels: 3 as const, range: [-1, 1] as [number, number] };
    const cifarRecon = noGrad(() => { convVae.eval(); const r = convVae.forward(originals); convVae.train(); return r; });
    const generated = noGrad(() => { convVae.eval(); const r = convVae.decode(randn([k, s.cifarLatent])); convVae.train(); return r; });
    ctx.figure('cifar-samples', tensorGrid(stackRows([originals, cifarRecon, generated]), `CIFAR-10 ${CIFAR_CLASSES[s.cifarClass]}s: reconstructions and samples`, {
      ...rgb, cols: k, captions: rowCaptions(['training image', 'reconstruction', 'sample from N(0, I)'], k),
    }), { caption: 'The seed\'s Figs. 33 and 35.' });
    ctx.keyNumber('CIFAR-10 conv VAE loss per image, last epoch', cifarHistory[cifarHistory.length - 1].total, { seed: 'curve only (Fig. 34)' });
  },
});
