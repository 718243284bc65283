// Seed 003, exercise 4.1: a Bernoulli RBM on binarised MNIST trained with persistent contrastive
// divergence (pseudo-likelihood per epoch, as scikit-learn reports it); samples after 1 to 1,000
// Gibbs steps; filling in digits whose top, bottom, middle or side rows are removed; the effect
// of the number of hidden units and of the learning rate; and a two-layer deep Boltzmann machine
// (filters of layer 1 and of W2·W1, samples beside the RBM's).
import { type Tensor, noGrad, ones, optim, rand, tensor } from '../../../bindings/index.js';
import { DataLoader, TensorDataset } from '../../../bindings/data/index.js';
import { lineChart } from '../../plot/line.js';
import { register } from '../../registry.js';
import { DBM, RBM, bernoulli } from './boltzmann.js';
import { MNIST_PIXELS, MNIST_SIDE, type PixelData, budgetSection, markdownTable, mnistPixels, stackRows, tensorGrid, trainLoop } from './common.js';

type Ctx = Parameters<Parameters<typeof register>[0]['run']>[0];

/** Trains an RBM by PCD-k with plain SGD; returns the pseudo-likelihood (on `plX`) after every epoch. */
function trainRbm(ctx: Ctx, rbm: RBM, batches: Iterable<Tensor[]> & { length: number }, o: { label: string; epochs: number; lr: number; k: number; batchSize: number; plX: Tensor }): number[] {
  const optimizer = new optim.SGD(rbm.parameters(), { lr: o.lr });
  // The persistent chains start from random binary images and are never reset.
  const chain = rand([o.batchSize, rbm.visible]).lt(0.5).keep();
  const history = trainLoop(ctx, {
    label: o.label, epochs: o.epochs, batches,
    step: (x) => {
      noGrad(() => {
        for (let i = 0; i < o.k; i++) chain.copy_(rbm.gibbs(chain).v);
      });
      optimizer.zeroGrad();
      const loss = rbm.contrastiveLoss(x, chain);
      loss.backward();
      optimizer.step();
      return { 'free-energy gap': loss.item() };
    },
    after: () => ({ 'pseudo-likelihood': rbm.pseudoLikelihood(o.plX) }),
  });
  chain.dispose();
  return history.map((h) => h['pseudo-likelihood']);
}

/** Runs `steps` Gibbs sweeps from `start`, returning p(v | h) after each step in `record`. */
function gibbsChain(step: (v: Tensor) => { v: Tensor; p: Tensor }, start: Tensor, record: number[]): Map<number, Tensor> {
  const out = new Map<number, Tensor>();
  const last = Math.max(...record);
  let v = start.clone().keep();
  for (let t = 1; t <= last; t++) {
    noGrad(() => {
      const r = step(v);
      if (record.includes(t)) out.set(t, r.p.clone().keep());
      v.copy_(r.v);
    });
  }
  v.dispose();
  return out;
}

/** Where pixels are known (1) or removed (0) for a removal pattern. */
function knownMask(kind: string, count: number): Float32Array {
  const m = new Float32Array(MNIST_PIXELS).fill(1);
  for (let r = 0; r < MNIST_SIDE; r++) for (let c = 0; c < MNIST_SIDE; c++) {
    const removed = kind === 'top' ? r < count : kind === 'bottom' ? r >= MNIST_SIDE - count
      : kind === 'left' ? c < count : kind === 'right' ? c >= MNIST_SIDE - count
      : kind === 'middle' ? r >= 10 && r < 10 + count : false;
    if (removed) m[r * MNIST_SIDE + c] = 0;
  }
  return m;
}

/**
 * Fills in the removed pixels by Gibbs sampling with the known pixels clamped: h ~ p(h | v),
 * then v ~ p(v | h) where removed, the original elsewhere. Returns the masked input, the
 * filled-in image (known pixels, and p(v | h) of the last step where removed) and the mean
 * squared error over the removed pixels.
 */
function inpaint(rbm: RBM, digits: Tensor, known: Float32Array, steps: number): { masked: Tensor; filled: Tensor; mse: number } {
  return noGrad(() => {
    const k = tensor(known, { shape: [1, MNIST_PIXELS] });
    const unknown = ones([1, MNIST_PIXELS]).sub(k);
    const masked = digits.mul(k);
    let v = masked;
    let p = masked;
    for (let t = 0; t < steps; t++) {
      p = rbm.visibleProb(bernoulli(rbm.hiddenProb(v)));
      v = masked.add(bernoulli(p).mul(unknown));
    }
    const filled = masked.add(p.mul(unknown));
    const removed = unknown.sum().item() * digits.shape[0];
    const mse = filled.sub(digits).square().sum().item() / Math.max(1, removed);
    return { masked: masked.keep(), filled: filled.keep(), mse };
  });
}

/** Each row of a [n, 784] weight matrix scaled to [0, 1] on its own (filters have different ranges). */
function normalisedRows(w: Tensor, n: number): Tensor {
  const d = w.data();
  const cols = w.shape[1];
  const rows = Math.min(n, w.shape[0]);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let lo = Infinity, hi = -Infinity;
    for (let c = 0; c < cols; c++) { lo = Math.min(lo, d[r * cols + c]); hi = Math.max(hi, d[r * cols + c]); }
    for (let c = 0; c < cols; c++) out[r * cols + c] = hi > lo ? (d[r * cols + c] - lo) / (hi - lo) : 0.5;
  }
  return tensor(out, { shape: [rows, cols] });
}

const rowCaptions = (labels: string[], cols: number) => labels.flatMap((l) => Array.from({ length: cols }, (_, i) => (i === 0 ? l : '')));

register({
  id: 'rbm',
  family: 'generative',
  title: 'RBM on binarised MNIST (PCD, pseudo-likelihood, Gibbs sampling, in-painting) and a two-layer DBM',
  seed: '003 "Artificial neural networks", exercise 4.1',
  description:
    'A Bernoulli RBM (scikit-learn\'s BernoulliRBM model: weights N(0, 0.01²), zero biases) on MNIST binarised at 0.5, ' +
    'trained with persistent contrastive divergence (PCD-1, persistent chains, SGD), with scikit-learn\'s pseudo-likelihood ' +
    'after every epoch. Then Gibbs sampling from test digits for 1, 10, 100 and 1,000 steps; filling in digits whose top rows ' +
    '(4 to 16 of them), bottom rows, side columns or middle rows are removed, by Gibbs sampling with the known pixels clamped; ' +
    'the number of hidden units and the learning rate varied one at a time. Last a two-layer deep Boltzmann machine, ' +
    'pre-trained greedily as two RBMs and trained jointly (mean-field positive phase, persistent Gibbs chains): the filters ' +
    'of layer 1 and of W2·W1 as images, and its samples beside the RBM\'s.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: {
    trainImages: 20000,
    batchSize: 100,
    hidden: 100,
    lr: 0.05,
    epochs: 10,
    pcdSteps: 1,
    plImages: 1000,
    gibbsSteps: [1, 10, 100, 1000],
    chains: 10,
    inpaintSteps: 50,
    removedTopRows: [4, 8, 12, 16],
    removedOther: 12,
    inpaintDigits: 6,
    sweepHidden: [25, 100, 400],
    sweepLr: [0.01, 0.05, 0.2],
    sweepImages: 10000,
    sweepEpochs: 5,
    dbmHidden: [256, 100],
    dbmPretrainEpochs: 3,
    dbmEpochs: 5,
    dbmLr: 0.02,
    meanFieldSteps: 10,
    filters: 100,
  },
  quick: {
    trainImages: 600, epochs: 2, plImages: 200, gibbsSteps: [1, 10, 100], chains: 5, inpaintSteps: 10, removedTopRows: [8, 16], inpaintDigits: 4,
    sweepHidden: [16, 64], sweepLr: [0.01, 0.2], sweepImages: 300, sweepEpochs: 1,
    dbmHidden: [32, 16], dbmPretrainEpochs: 1, dbmEpochs: 1, filters: 16,
  },
  async run(ctx) {
    const s = ctx.settings;
    const data = await mnistPixels(ctx, { batchSize: s.batchSize, train: s.trainImages, binarize: true });
    const plX = noGrad(() => data.trainX.slice(0, 0, Math.min(s.plImages, data.trainX.shape[0]))).keep();

    // ---- The RBM, trained by PCD -----------------------------------------------------------------
    const rbm = new RBM(MNIST_PIXELS, s.hidden).keep();
    const pl = trainRbm(ctx, rbm, data.train, { label: `RBM ${s.hidden} hidden`, epochs: s.epochs, lr: s.lr, k: s.pcdSteps, batchSize: s.batchSize, plX });
    budgetSection(ctx, [
      ['RBM', 'scikit-learn BernoulliRBM: 100 hidden, lr 0.01, batch 10, 30 iterations over 60,000 images', `${s.hidden} hidden, lr ${s.lr}, batch ${s.batchSize}, ${s.epochs} epochs over ${data.trainX.shape[0].toLocaleString('en-US')} images`],
      ['DBM', 'a pre-trained model loaded from the course repository', `trained here: ${s.dbmPretrainEpochs} + ${s.dbmPretrainEpochs} pre-training and ${s.dbmEpochs} joint epochs`],
    ]);
    ctx.figure('pseudo-likelihood', lineChart({
      title: `RBM (${s.hidden} hidden units, lr ${s.lr}): pseudo-likelihood per epoch`,
      x: { label: 'epoch' }, y: { label: `pseudo-likelihood (mean over ${plX.shape[0]} training images)` },
      series: [{ name: 'pseudo-likelihood', x: pl.map((_, i) => i + 1), y: pl, marker: 'circle' }], legend: 'bottom-right',
    }), { caption: 'scikit-learn\'s estimate: D · log σ(F(ṽ) − F(v)) with one random pixel of v flipped in ṽ (F: free energy); higher is better.' });
    ctx.keyNumber('RBM pseudo-likelihood after training', pl[pl.length - 1], { seed: 'not reported (scikit-learn prints it per iteration)' });
    ctx.figure('rbm-filters', tensorGrid(normalisedRows(rbm.weight, s.filters), `RBM filters: the first ${Math.min(s.filters, s.hidden)} rows of W (each scaled to its own range)`, { cols: 10, zoom: 2 }));

    // ---- Gibbs sampling from test digits ---------------------------------------------------------
    const starts = noGrad(() => data.testX.slice(0, 0, s.chains)).keep();
    const chains = gibbsChain((v) => rbm.gibbs(v), starts, s.gibbsSteps);
    const sampleRows = [starts, ...s.gibbsSteps.map((t) => chains.get(t)!)];
    ctx.figure('gibbs-samples', tensorGrid(stackRows(sampleRows), 'RBM: Gibbs sampling started from test digits', {
      cols: s.chains, captions: rowCaptions(['start', ...s.gibbsSteps.map((t) => `${t} step${t === 1 ? '' : 's'}`)], s.chains),
    }), { caption: 'Each column is one chain; rows show p(v | h) after the given number of Gibbs steps. Longer chains forget their start and wander to the digits the model favours.' });

    // ---- In-painting removed rows ---------------------------------------------------------------
    const digits = noGrad(() => data.testX.slice(0, 0, s.inpaintDigits)).keep();
    const n = s.inpaintDigits;
    const variants: Array<{ kind: string; count: number; label: string }> = [
      ...s.removedTopRows.map((c) => ({ kind: 'top', count: c, label: `top ${c} rows` })),
      { kind: 'bottom', count: s.removedOther, label: `bottom ${s.removedOther} rows` },
      { kind: 'middle', count: s.removedOther, label: `rows 10–${9 + s.removedOther}` },
      { kind: 'left', count: s.removedOther, label: `left ${s.removedOther} columns` },
      { kind: 'right', count: s.removedOther, label: `right ${s.removedOther} columns` },
    ];
    const inpaints = variants.map((v) => ({ ...v, ...inpaint(rbm, digits, knownMask(v.kind, v.count), s.inpaintSteps) }));
    const drawInpaint = (name: string, title: string, list: typeof inpaints) => {
      const rows = list.flatMap((r) => [r.masked, r.filled]);
      ctx.figure(name, tensorGrid(stackRows([digits, ...rows]), title, {
        cols: n, captions: rowCaptions(['original', ...list.flatMap((r) => [`${r.label} removed`, 'filled in'])], n),
      }), { caption: `Pairs of rows: the digits with pixels removed (set to 0), then filled in by ${s.inpaintSteps} Gibbs steps with the known pixels clamped (removed pixels show p(v | h) of the last step).` });
    };
    drawInpaint('inpainting-top', 'RBM in-painting: top rows removed', inpaints.filter((r) => r.kind === 'top'));
    drawInpaint('inpainting-elsewhere', 'RBM in-painting: bottom, middle and side pixels removed', inpaints.filter((r) => r.kind !== 'top'));
    ctx.section(`## In-painting error\n\n${markdownTable(['pixels removed', 'MSE over the removed pixels'], inpaints.map((r) => [r.label, r.mse.toFixed(4)]))}\n\n` +
      'The seed: the more rows are removed, the harder the reconstruction; what is filled in depends on where the rows are ' +
      '(bottom rows removed tend to come back as the slope of a 7 or a 9).');
    ctx.result('inpainting', inpaints.map((r) => ({ removed: r.label, mse: r.mse })));
    for (const r of inpaints.filter((x) => x.kind === 'top')) ctx.keyNumber(`in-painting MSE, ${r.label} removed`, r.mse);

    // ---- Hidden units and learning rate, one at a time --------------------------------------------
    const sweepData = await mnistPixels(ctx, { batchSize: s.batchSize, train: s.sweepImages, binarize: true });
    const sweep = [...s.sweepHidden.map((h) => ({ hidden: h, lr: s.lr })), ...s.sweepLr.filter((l) => l !== s.lr).map((l) => ({ hidden: s.hidden, lr: l }))];
    const sweepRuns: Array<{ hidden: number; lr: number; pl: number[]; samples: Tensor }> = [];
    const sampleSteps = s.gibbsSteps[s.gibbsSteps.length - 1];
    for (const c of sweep) {
      const m = new RBM(MNIST_PIXELS, c.hidden);
      const curve = trainRbm(ctx, m, sweepData.train, { label: `RBM ${c.hidden} hidden, lr ${c.lr}`, epochs: s.sweepEpochs, lr: c.lr, k: s.pcdSteps, batchSize: s.batchSize, plX });
      sweepRuns.push({ ...c, pl: curve, samples: gibbsChain((v) => m.gibbs(v), starts, [sampleSteps]).get(sampleSteps)! });
    }
    ctx.figure('hidden-units-and-lr', lineChart({
      title: `Pseudo-likelihood per epoch (${s.sweepImages.toLocaleString('en-US')} training images)`,
      x: { label: 'epoch' }, y: { label: 'pseudo-likelihood' },
      series: sweepRuns.map((r) => ({ name: `${r.hidden} hidden, lr ${r.lr}`, x: r.pl.map((_, i) => i + 1), y: r.pl, marker: 'circle' as const })),
      legend: 'bottom-right',
    }));
    ctx.figure('hidden-units-and-lr-samples', tensorGrid(stackRows([starts, ...sweepRuns.map((r) => r.samples)]), `Samples after ${sampleSteps} Gibbs steps per setting`, {
      cols: s.chains, captions: rowCaptions(['start', ...sweepRuns.map((r) => `${r.hidden} h, lr ${r.lr}`)], s.chains),
    }));
    ctx.section(`## Hidden units and learning rate\n\n${markdownTable(['hidden units', 'learning rate', 'final pseudo-likelihood'], sweepRuns.map((r) => [r.hidden, r.lr, r.pl[r.pl.length - 1].toFixed(2)]))}`);
    ctx.result('sweep', sweepRuns.map((r) => ({ hidden: r.hidden, lr: r.lr, pseudoLikelihood: r.pl })));

    // ---- A two-layer deep Boltzmann machine ------------------------------------------------------
    const [h1, h2] = s.dbmHidden;
    const rbm1 = new RBM(MNIST_PIXELS, h1);
    trainRbm(ctx, rbm1, data.train, { label: `DBM pre-training, RBM 784-${h1}`, epochs: s.dbmPretrainEpochs, lr: s.lr, k: s.pcdSteps, batchSize: s.batchSize, plX });
    // The second RBM learns the first one's hidden samples.
    const codes = noGrad(() => bernoulli(rbm1.hiddenProb(data.trainX))).keep();
    const codeBatches = new DataLoader(new TensorDataset(codes), { batchSize: s.batchSize, shuffle: true });
    const rbm2 = new RBM(h1, h2);
    trainRbm(ctx, rbm2, codeBatches, {
      label: `DBM pre-training, RBM ${h1}-${h2}`, epochs: s.dbmPretrainEpochs, lr: s.lr, k: s.pcdSteps, batchSize: s.batchSize,
      plX: noGrad(() => codes.slice(0, 0, plX.shape[0])).keep(),
    });
    const dbm = new DBM([MNIST_PIXELS, h1, h2]).keep();
    dbm.initFrom(rbm1, rbm2);
    const optimizer = new optim.SGD(dbm.parameters(), { lr: s.dbmLr });
    const dbmChain: [Tensor, Tensor, Tensor] = [
      rand([s.batchSize, MNIST_PIXELS]).lt(0.5).keep(), rand([s.batchSize, h1]).lt(0.5).keep(), rand([s.batchSize, h2]).lt(0.5).keep(),
    ];
    const dbmHistory = trainLoop(ctx, {
      label: `DBM 784-${h1}-${h2}`, epochs: s.dbmEpochs, batches: data.train,
      step: (x) => {
        noGrad(() => {
          const next = dbm.gibbs(dbmChain).state;
          next.forEach((t, i) => dbmChain[i].copy_(t));
        });
        const [mu1, mu2] = dbm.meanField(x, s.meanFieldSteps);
        optimizer.zeroGrad();
        const loss = dbm.energy(x, mu1, mu2).mean().sub(dbm.energy(...dbmChain).mean());
        loss.backward();
        optimizer.step();
        return { 'energy gap': loss.item() };
      },
      after: () => ({ 'reconstruction MSE': noGrad(() => dbm.forward(plX).sub(plX).square().mean().item()) }),
    });
    dbmChain.forEach((t) => t.dispose());
    ctx.result('dbm', dbmHistory as unknown as Array<Record<string, number>>);
    ctx.figure('dbm-filters-layer-1', tensorGrid(normalisedRows(dbm.w1, s.filters), `DBM: the first ${Math.min(s.filters, h1)} filters of layer 1 (rows of W1)`, { cols: 10, zoom: 2 }));
    ctx.figure('dbm-filters-layer-2', tensorGrid(normalisedRows(dbm.secondLayerFilters(), s.filters), `DBM: the first ${Math.min(s.filters, h2)} filters of layer 2 in pixel space (rows of W2·W1)`, { cols: 10, zoom: 2 }), {
      caption: 'Layer 2 reaches the pixels only through layer 1, so its filters are W2·W1: combinations of layer-1 filters, broader and more digit-like.',
    });

    // Samples from random binary noise after the same number of Gibbs steps, DBM beside RBM.
    const noise = rand([s.chains, MNIST_PIXELS]).lt(0.5).keep();
    const rbmSamples = gibbsChain((v) => rbm.gibbs(v), noise, [sampleSteps]).get(sampleSteps)!;
    const dbmSamples = noGrad(() => {
      let st: [Tensor, Tensor, Tensor] = [noise, rand([s.chains, h1]).lt(0.5), rand([s.chains, h2]).lt(0.5)];
      let p = noise;
      for (let t = 0; t < sampleSteps; t++) {
        const r = dbm.gibbs(st);
        st = r.state;
        p = r.p;
      }
      return p;
    });
    ctx.figure('rbm-vs-dbm-samples', tensorGrid(stackRows([rbmSamples, dbmSamples]), `Samples after ${sampleSteps} Gibbs steps from random noise`, {
      cols: s.chains, captions: rowCaptions([`RBM (${s.hidden} h)`, `DBM (${h1}-${h2})`], s.chains),
    }), { caption: 'Rows show p(v | h) (RBM) and p(v | h1) (DBM) after the chains ran from the same random binary images.' });
    ctx.keyNumber('DBM reconstruction MSE (mean field)', dbmHistory[dbmHistory.length - 1]['reconstruction MSE'], { seed: 'DBM samples clearer than the RBM\'s' });
  },
});
