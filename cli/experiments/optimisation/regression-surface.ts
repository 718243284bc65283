// Seed 003, exercise 1.4: a personal regression surface. The course builds each student's
// surface as T = (d₁T₁ + … + d₅T₅)/(d₁ + … + d₅) from five functions T₁…T₅ of its own data file
// (unpublished) and the five largest digits of the student number (the seed: 9, 9, 7, 6, 5).
// We draw five smooth functions on [0, 1]² from --seed (each a few Gaussian bumps and a ripple),
// mix them with the seed's weights, and sample independent training and test sets.
// The seed's best model: batch norm on the input, 20-10 ReLU, SGD with momentum 0.9, a 20 %
// validation split and early stopping with patience 5 (Keras' EarlyStopping: the weights of the
// last epoch are kept, as its restore_best_weights=False default does).
import { nn, optim, rand, tensor } from '../../../bindings/index.js';
import { DataLoader, TensorDataset, randomSplit } from '../../../bindings/data/index.js';
import { evaluate } from '../../../bindings/train/index.js';
import type { EpochRecord } from '../../harness/index.js';
import { contourChart, lineChart, panels } from '../../plot/index.js';
import { register } from '../../registry.js';

/** One of T₁…T₅: a sum of Gaussian bumps plus a ripple, parameters from the engine's generator. */
function randomSurface(bumps: number): (x: number, y: number) => number {
  const p = rand(bumps * 5 + 4).data();
  const b = Array.from({ length: bumps }, (_, i) => p.subarray(i * 5, i * 5 + 5));
  const [fx, fy, phase, ripple] = p.subarray(bumps * 5);
  return (x, y) => {
    let v = 0.25 * (ripple - 0.5) * Math.sin(2 * Math.PI * ((1 + 2 * fx) * x + (1 + 2 * fy) * y) + 6 * phase);
    for (const [cx, cy, w, amp, sign] of b) {
      const r2 = (x - cx) ** 2 + (y - cy) ** 2;
      v += (sign < 0.5 ? -1 : 1) * (0.4 + amp) * Math.exp(-r2 / (2 * (0.08 + 0.2 * w) ** 2));
    }
    return v;
  };
}

register({
  id: 'regression-surface',
  family: 'optimisation',
  title: 'A personal regression surface: batch norm, 20-10 ReLU, early stopping',
  seed: '003 "Artificial neural networks", exercise 1.4',
  description:
    'The seed\'s surface is built from the course\'s unpublished functions T₁…T₅ with weights 9, 9, 7, 6, 5 (its student number); ' +
    'ours mixes five smooth random surfaces drawn from --seed with the same weights, so the test MSE is comparable in kind, not in value. ' +
    'Independent training (1,000) and test (1,000) samples; the model is the seed\'s best: BatchNorm1d on the two inputs, ' +
    'Linear 2→20 ReLU → 20→10 ReLU → 10→1, SGD (lr 0.01, momentum 0.9, batch 32), 20 % of the training sample for validation, ' +
    'early stopping with patience 5 on the validation MSE.',
  flags: ['epochs'],
  settings: { epochs: 300, digits: [9, 9, 7, 6, 5], trainPoints: 1000, testPoints: 1000, validationFraction: 0.2, batchSize: 32, lr: 0.01, momentum: 0.9, patience: 5, grid: 60 },
  quick: { epochs: 6, trainPoints: 300, testPoints: 200, grid: 24 },
  async run(ctx) {
    const s = ctx.settings;
    // ---- the data: T = Σ dᵢTᵢ / Σ dᵢ on [0, 1]², independent training and test samples ----
    const parts = s.digits.map(() => randomSurface(3));
    const total = s.digits.reduce((a, b) => a + b, 0);
    const surface = (x: number, y: number) => parts.reduce((acc, T, i) => acc + s.digits[i] * T(x, y), 0) / total;
    const sample = (n: number) => {
      const xy = rand(n, 2).data();
      const z = Float32Array.from({ length: n }, (_, i) => surface(xy[2 * i], xy[2 * i + 1]));
      return new TensorDataset(tensor(xy).reshape(n, 2), tensor(z).reshape(n, 1));
    };
    const trainAll = sample(s.trainPoints);
    const test = sample(s.testPoints);
    const nVal = Math.round(s.trainPoints * s.validationFraction);
    const [train, validation] = randomSplit(trainAll, [s.trainPoints - nVal, nVal]);

    // ---- the model ----
    const model = new nn.Sequential(
      new nn.BatchNorm1d(2),
      new nn.Linear(2, 20), new nn.ReLU(),
      new nn.Linear(20, 10), new nn.ReLU(),
      new nn.Linear(10, 1),
    );
    const mse = nn.functional.mseLoss;
    const valLoader = new DataLoader(validation, { batchSize: 256 });
    let best = Infinity;
    let bestEpoch = 0;
    let waited = 0;
    const valLosses: number[] = [];
    const fit = await ctx.fit({
      name: 'surface', title: 'BN + 20-10 ReLU', model,
      optimizer: new optim.SGD(model.parameters(), { lr: s.lr, momentum: s.momentum }),
      loss: mse, accuracy: false, progress: 'epochs',
      train: new DataLoader(train, { batchSize: s.batchSize, shuffle: true }),
      test: new DataLoader(test, { batchSize: 256 }),
      epochs: s.epochs,
      onEpoch: (e) => {
        const v = evaluate(model, valLoader, { lossFn: mse }).loss;
        valLosses.push(v);
        if (v < best) {
          best = v;
          bestEpoch = e.epoch;
          waited = 0;
        } else waited++;
      },
      stopWhen: () => waited >= s.patience,
    });
    const testMse = fit.final.testLoss!;
    ctx.result('validationMse', valLosses);
    ctx.keyNumber('test MSE', testMse, { seed: 0.01038, note: 'different surfaces: ours is drawn from --seed' });
    ctx.keyNumber('epochs trained (early stopping, patience 5)', fit.history.length, { seed: 32 });
    ctx.keyNumber('epoch of the lowest validation MSE', bestEpoch);
    ctx.keyNumber('validation MSE at that epoch', best);
    const [, zTest] = test.tensors;
    const zv = zTest.data();
    const meanZ = zv.reduce((a, b) => a + b, 0) / zv.length;
    const varZ = zv.reduce((a, b) => a + (b - meanZ) ** 2, 0) / zv.length;
    ctx.keyNumber('test MSE / variance of the test targets (1 − R²)', testMse / varZ, { note: 'a scale-free measure: surfaces differ' });

    // ---- figures: the true surface, the model's, and the learning curves ----
    const g = s.grid;
    const gridXY = new Float32Array(g * g * 2);
    const truth = new Float32Array(g * g);
    for (let j = 0; j < g; j++) for (let i = 0; i < g; i++) {
      const x = i / (g - 1);
      const y = j / (g - 1);
      gridXY[2 * (j * g + i)] = x;
      gridXY[2 * (j * g + i) + 1] = y;
      truth[j * g + i] = surface(x, y);
    }
    model.eval();
    const predicted = model.forward(tensor(gridXY).reshape(g * g, 2)).data().slice();
    const lo = Math.min(...truth, ...predicted);
    const hi = Math.max(...truth, ...predicted);
    const levels = Array.from({ length: 15 }, (_, k) => lo + (hi - lo) * (k + 0.5) / 15);
    const [xTest] = test.tensors;
    const xt = xTest.data();
    const testPoints = [{ name: 'test points', x: Array.from({ length: s.testPoints }, (_, i) => xt[2 * i]), y: Array.from({ length: s.testPoints }, (_, i) => xt[2 * i + 1]), color: '#ffffff', marker: 'circle' as const }];
    const view = (title: string, values: Float32Array, withPoints: boolean) => contourChart({
      title, x: { label: 'x₁' }, y: { label: 'x₂' },
      grid: { x: [0, 1], y: [0, 1], nx: g, ny: g, values }, levels, mode: 'filled', colorbar: 'T',
      points: withPoints ? testPoints : undefined, legend: 'none',
    });
    ctx.figure('surfaces', panels({
      title: 'Regression surface T = Σ dᵢTᵢ / Σ dᵢ (d = 9, 9, 7, 6, 5)',
      charts: [view('True surface with the test points', truth, true), view(`Model prediction (test MSE ${testMse.toPrecision(3)})`, predicted, false)],
      panelWidth: 520, panelHeight: 460,
    }), { caption: 'The seed shows the training surface (its Fig. 5) and the test data with the prediction (Fig. 6); same colour levels in both panels.' });
    ctx.figure('learning-curves', lineChartOf(fit.history, valLosses), { caption: 'Early stopping watches the validation MSE; the test MSE is only looked at here.' });
  },
});

function lineChartOf(h: EpochRecord[], valLoss: number[]) {
  const x = h.map((e) => e.epoch);
  return lineChart({
    title: 'MSE per epoch',
    x: { label: 'epoch' },
    y: { label: 'MSE', scale: 'log' },
    series: [
      { name: 'training (running mean over batches)', x, y: h.map((e) => e.trainLoss) },
      { name: 'validation', x, y: valLoss.slice(0, h.length) },
      { name: 'test', x, y: h.map((e) => e.testLoss as number) },
    ],
  });
}
