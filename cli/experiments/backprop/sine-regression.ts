// Seed 003, exercise 1.1: 50 points of y = −sin(0.8πx), a linear model (a perceptron with an
// identity activation) against networks with one and two hidden layers, trained with Adam in
// batches of 25 at the learning rates the seed tried: 0.2 (the notebook's), 0.02, 0.0002, 0.25
// and 0.3. A run whose loss becomes non-finite or explodes is reported as diverged and drawn up
// to that point.
import { nn, noGrad, optim, tensor } from '../../../bindings/index.js';
import { DataLoader, TensorDataset } from '../../../bindings/data/index.js';
import { historyChart, type EpochRecord } from '../../harness/index.js';
import { lineChart, panels, type LineSeries } from '../../plot/index.js';
import { register } from '../../registry.js';

const linear = () => new nn.Sequential(new nn.Linear(1, 1));
const MODELS = [
  { key: 'linear', title: 'linear (perceptron, identity activation)', make: linear, sgd: false },
  { key: 'hidden1', title: '1 hidden layer (10 tanh)', make: () => new nn.Sequential(new nn.Linear(1, 10), new nn.Tanh(), new nn.Linear(10, 1)), sgd: false },
  { key: 'hidden2', title: '2 hidden layers (10 + 10 tanh)', make: () => new nn.Sequential(new nn.Linear(1, 10), new nn.Tanh(), new nn.Linear(10, 10), new nn.Tanh(), new nn.Linear(10, 1)), sgd: false },
  // Not in the seed: the perceptron with plain gradient descent, whose stability limit explains "0.3 diverges".
  { key: 'linear-sgd', title: 'linear, plain SGD instead of Adam', make: linear, sgd: true },
];
const FIT_MODELS = MODELS.filter((m) => !m.sgd);

/** What the seed wrote about the perceptron (final loss, epochs until it settled). */
const SEED_LINEAR: Record<string, { loss: string; epochs: string }> = {
  '0.2': { loss: '0.4235', epochs: '25' },
  '0.02': { loss: '0.4235', epochs: '37' },
  '0.0002': { loss: '0.444', epochs: '> 2000' },
  '0.25': { loss: '0.4235', epochs: '41' },
  '0.3': { loss: 'diverges', epochs: '—' },
};

interface Outcome {
  model: string;
  lr: number;
  history: EpochRecord[];
  diverged: { epoch: number; batch: number } | null;
  finalLoss: number;
  /** First epoch from which the loss stays within 0.001 + 1 % of its final value; null when diverged or still moving at the end. */
  convergedAt: number | null;
}

/**
 * Epoch from which the per-epoch loss stays within 0.001 + 1 % of its final level (the mean of
 * the last ten epochs); null when it is still outside that band in the last tenth of the run.
 */
function convergenceEpoch(losses: number[]): number | null {
  const tail = losses.slice(-10);
  const final = tail.reduce((a, b) => a + b, 0) / tail.length;
  const tol = 1e-3 + 0.01 * Math.abs(final);
  let e = losses.length;
  while (e > 0 && Math.abs(losses[e - 1] - final) <= tol) e--;
  return e + 1 > 0.9 * losses.length ? null : e + 1;
}

/** Largest eigenvalue of the MSE's Hessian (2/N)·Σ [x, 1][x, 1]ᵀ for the linear model: plain GD diverges above η = 2/λ. */
function linearHessianMax(xs: number[]): number {
  const n = xs.length;
  const a = (2 / n) * xs.reduce((s, x) => s + x * x, 0), b = (2 / n) * xs.reduce((s, x) => s + x, 0), c = 2;
  return (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b);
}

register({
  id: 'sine-regression',
  family: 'backprop',
  title: 'Sine regression: a perceptron against one and two hidden layers, and a learning-rate sweep with Adam',
  seed: '003 "Artificial neural networks", assignment 1, exercise 1.1',
  description:
    '50 evenly spaced points x ∈ [0, 3] of y = −sin(0.8πx) (the range reproduces the seed\'s perceptron loss 0.4235, the best a straight ' +
    'line can do there). A linear model, a network with one hidden layer of 10 tanh units and one with two, each trained with Adam ' +
    '(Keras defaults besides the rate) on the mean squared error in batches of 25, for each learning rate 0.2, 0.02, 0.0002, 0.25, 0.3. ' +
    'A loss that becomes non-finite or grows past 100 × its first value marks the run as diverged. The perceptron is also trained with ' +
    'plain SGD at the same rates, which shows where "0.3 diverges" comes from: gradient descent on this data is stable only below 2/λ_max.',
  flags: ['epochs'],
  settings: { points: 50, xRange: [0, 3], function: 'y = −sin(0.8πx)', batchSize: 25, lrs: [0.2, 0.02, 0.0002, 0.25, 0.3], epochs: 2000, explode: 100, optimizer: 'Adam (β 0.9, 0.999; ε 1e-7)' },
  quick: { epochs: 150 },
  async run(ctx) {
    const s = ctx.settings;
    const [x0, x1] = s.xRange as [number, number];
    const xs = Array.from({ length: s.points }, (_, i) => x0 + ((x1 - x0) * i) / (s.points - 1));
    const ys = xs.map((x) => -Math.sin(0.8 * Math.PI * x));
    const data = new TensorDataset(tensor(xs, { shape: [s.points, 1] }), tensor(ys, { shape: [s.points, 1] }));
    const loader = new DataLoader(data, { batchSize: s.batchSize, shuffle: true });
    const grid = Array.from({ length: 301 }, (_, i) => x0 + ((x1 - x0) * i) / 300);
    const gridTensor = tensor(grid, { shape: [grid.length, 1] }).keep();

    const outcomes: Outcome[] = [];
    const predictions: Record<string, number[]> = {};
    for (const m of MODELS) {
      for (const lr of s.lrs as number[]) {
        const model = m.make();
        const fit = await ctx.fit({
          name: `${m.key}-lr${lr}`, title: `${m.key}, lr ${lr}`, model, loss: nn.functional.mseLoss,
          optimizer: m.sgd ? new optim.SGD(model.parameters(), { lr }) : new optim.Adam(model.parameters(), { lr, eps: 1e-7 }),
          train: loader, epochs: s.epochs, accuracy: false, explode: s.explode, progress: 'epochs',
        });
        const losses = fit.history.map((e) => e.trainLoss);
        outcomes.push({
          model: m.key, lr, history: fit.history,
          diverged: fit.diverged ? { epoch: fit.diverged.epoch, batch: fit.diverged.batch } : null,
          finalLoss: fit.final.trainLoss,
          convergedAt: fit.diverged ? null : convergenceEpoch(losses),
        });
        if (!fit.diverged) predictions[`${m.key}-lr${lr}`] = Array.from(noGrad(() => model.forward(gridTensor).data()));
      }
    }

    // ---- key numbers: the perceptron beside the seed, then the best of each network ----
    for (const o of outcomes.filter((o) => o.model === 'linear')) {
      const seed = SEED_LINEAR[String(o.lr)];
      ctx.keyNumber(`linear, lr ${o.lr}: final loss (MSE)`, o.diverged ? `diverged in epoch ${o.diverged.epoch}` : o.finalLoss, { seed: seed?.loss });
      ctx.keyNumber(`linear, lr ${o.lr}: epochs until the loss settles`, o.convergedAt ?? (o.diverged ? '—' : 'does not settle'), { seed: seed?.epochs });
    }
    const lambda = linearHessianMax(xs);
    ctx.keyNumber('plain gradient descent on the linear model: largest stable learning rate 2/λ_max', 2 / lambda, { note: `λ_max = ${lambda.toFixed(3)} of the MSE Hessian on these 50 points` });
    const bestOf = (key: string) => outcomes.filter((o) => o.model === key && !o.diverged).reduce((a, b) => (b.finalLoss < a.finalLoss ? b : a));
    for (const m of FIT_MODELS.slice(1)) {
      const b = bestOf(m.key);
      ctx.keyNumber(`${m.title}: lowest final loss (lr ${b.lr})`, b.finalLoss);
    }
    for (const o of outcomes.filter((o) => o.lr === Math.max(...(s.lrs as number[])))) {
      ctx.keyNumber(`${MODELS.find((m) => m.key === o.model)!.title}, lr ${o.lr}: diverged?`, o.diverged ? `yes, epoch ${o.diverged.epoch}` : 'no', { seed: o.model === 'linear' ? 'yes' : undefined });
    }

    // ---- figures ----
    const fitSeries: LineSeries[] = FIT_MODELS.map((m, i) => {
      const b = bestOf(m.key);
      return { name: `${m.title}, lr ${b.lr}`, x: grid, y: predictions[`${m.key}-lr${b.lr}`], color: ['#4e79a7', '#f28e2b', '#59a14f'][i] };
    });
    ctx.figure('fits', lineChart({
      title: 'y = −sin(0.8πx): the data and each model\'s fit (its best learning rate)',
      x: { label: 'x' }, y: { label: 'y' },
      series: [{ name: 'data (50 points)', x: xs, y: ys, color: '#222222', marker: 'circle', lineWidth: 1 }, ...fitSeries],
      legend: 'top-left', width: 820, height: 500, // the only corner the sine and the line leave empty
    }), { caption: 'A straight line can only follow the trend; one hidden layer already bends with the sine.' });
    ctx.figure('loss-per-lr', panels({
      title: 'Training loss (MSE, mean over the epoch\'s two batches) per learning rate',
      cols: 2,
      charts: MODELS.map((m) => historyChart(
        // ctx.fit stops a diverging run before a non-finite loss reaches its history, so
        // historyChart cannot see the divergence: the legend says it here.
        outcomes.filter((o) => o.model === m.key).map((o) => ({
          name: o.diverged ? `lr ${o.lr} (diverged in epoch ${o.diverged.epoch})` : `lr ${o.lr}`, history: o.history,
        })),
        'trainLoss', { title: m.sgd ? m.title : `${m.title}, Adam`, log: true, width: 620, height: 440 },
      )),
    }), { caption: `A run that diverged is drawn up to its last finite epoch and says where in its legend. Adam's steps are bounded by about the learning rate, so at 0.3 its loss jitters but stays bounded; plain gradient descent on the same perceptron is stable only below 2/λ_max = ${(2 / lambda).toFixed(3)}.` });

    ctx.section(sweepTable(outcomes));
    ctx.result('runs', outcomes.map((o) => ({ model: o.model, lr: o.lr, finalLoss: o.finalLoss, convergedAt: o.convergedAt, diverged: o.diverged })));
    ctx.result('data', { x: xs, y: ys });
  },
});

function sweepTable(outcomes: Outcome[]): string {
  const lrs = [...new Set(outcomes.map((o) => o.lr))];
  const cell = (o: Outcome | undefined) => !o ? '—' : o.diverged ? `diverged (epoch ${o.diverged.epoch})`
    : `${o.finalLoss.toPrecision(4)} (${o.convergedAt === null ? 'still moving' : `settles by epoch ${o.convergedAt}`})`;
  return [
    '## Final loss per model and learning rate',
    '',
    `| model | ${lrs.map((lr) => `lr ${lr}`).join(' | ')} |`,
    `|---|${lrs.map(() => '---').join('|')}|`,
    ...MODELS.map((m) => `| ${m.title} | ${lrs.map((lr) => cell(outcomes.find((o) => o.model === m.key && o.lr === lr))).join(' | ')} |`),
    '',
    '"Settles": the first epoch from which the loss stays within 0.001 + 1 % of its final level (the mean of the last ten epochs); ' +
    '"still moving": it leaves that band in the last tenth of the run (jitter, or still descending).',
  ].join('\n');
}
