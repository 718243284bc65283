// Seed 000, task 2: find a minimum of Himmelblau's function f(x, y) = (x² + y − 11)² + (x + y² − 7)²,
// (a) its contour on [−6, 6]², (b) a hand-written descent loop with autodiff and no optimiser
// object, (c) built-in optimisers with a small learning-rate sweep each, (d) their trajectories
// over the contour.
import { type Tensor, noGrad, optim, tensor } from '../../../bindings/index.js';
import { contourWithTrajectories, type ContourWithTrajectoriesSpec } from '../../harness/index.js';
import { lineChart, panels, type Chart } from '../../plot/index.js';
import { register } from '../../registry.js';

/** Himmelblau's function of a point p = [x, y], as a one-element tensor. */
function himmelblau(p: Tensor): Tensor {
  const x = p.slice(0, 0, 1);
  const y = p.slice(0, 1, 2);
  return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).sum();
}
const himmelblau64 = (x: number, y: number) => (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2;

// Its four minima, all with f = 0.
const MINIMA: Array<{ name: string; x: number; y: number }> = [
  { name: 'A (3, 2)', x: 3, y: 2 },
  { name: 'B (−2.805, 3.131)', x: -2.805118, y: 3.131312 },
  { name: 'C (−3.779, −3.283)', x: -3.77931, y: -3.283186 },
  { name: 'D (3.584, −1.848)', x: 3.584428, y: -1.848126 },
];

// A start just below the local maximum (−0.271, −0.923), where the downhill directions fan out:
// from here plain and momentum descent end in D while the adaptive methods end in A.
const START: [number, number] = [0, -1];
const TARGET = 1e-6;

interface Path {
  name: string;
  /** Points after 0, 1, ..., steps updates. */
  x: Float64Array;
  y: Float64Array;
}

/** Runs `update` for `steps` steps from START, recording the point before the first and after every step. */
function descend(name: string, steps: number, update: (p: Tensor) => void): Path {
  const p = tensor([...START], { requiresGrad: true });
  const path: Path = { name, x: new Float64Array(steps + 1), y: new Float64Array(steps + 1) };
  for (let k = 0; ; k++) {
    const [x, y] = p.data();
    path.x[k] = x;
    path.y[k] = y;
    if (k === steps) break;
    update(p);
  }
  return path;
}

interface Summary {
  final: [number, number];
  loss: number;
  minimum: string;
  /** First step at which f < TARGET, or -1. */
  stepsToTarget: number;
}

function summarise(path: Path): Summary {
  const n = path.x.length - 1;
  const final: [number, number] = [path.x[n], path.y[n]];
  let stepsToTarget = -1;
  for (let k = 0; k <= n; k++) {
    if (himmelblau64(path.x[k], path.y[k]) < TARGET) { stepsToTarget = k; break; }
  }
  const near = MINIMA.map((m) => ({ m, d: Math.hypot(final[0] - m.x, final[1] - m.y) })).sort((a, b) => a.d - b.d)[0];
  return {
    final,
    loss: himmelblau64(final[0], final[1]),
    minimum: Number.isFinite(near.d) && near.d < 1e-2 ? near.m.name : 'none',
    stepsToTarget,
  };
}

const lossCurve = (path: Path) => Array.from(path.x, (x, k) => himmelblau64(x, path.y[k]));
const fmtLr = (lr: number) => String(lr);

register({
  id: 'himmelblau',
  family: 'functions',
  title: 'Himmelblau\'s function: a hand-written descent loop and built-in optimisers',
  seed: '000 "Deep learning", task 2',
  description:
    'Himmelblau\'s function (x² + y − 11)² + (x + y² − 7)² on [−6, 6]² has four minima with f = 0. ' +
    'From (0, −1), near its local maximum, we minimise it with a plain loop x ← x − η∇f (gradients by ' +
    'reverse-mode autodiff, no optimiser object) and with wasmgrad\'s built-in SGD with momentum, Adam, RMSprop and ' +
    'Adagrad, three learning rates each. Losses are evaluated in float64 at the float32 iterates.',
  settings: { steps: 2000, start: START, targetLoss: TARGET, plainLoopLr: 0.01 },
  quick: { steps: 300 },
  async run(ctx) {
    const { steps } = ctx.settings;

    // (a) The contour, on levels spaced by a constant factor: f spans five decades here.
    const levels = [0, ...Array.from({ length: 15 }, (_, i) => 0.1 * 10 ** ((i * 4.35) / 14))];
    const marks = MINIMA.map((m) => ({ x: m.x, y: m.y, label: m.name.split(' ')[0] }));
    const contour = (title: string, trajectories: Path[] = [], extra: Partial<ContourWithTrajectoriesSpec> = {}): Chart => contourWithTrajectories({
      title, f: himmelblau64, x: [-6, 6], y: [-6, 6], levels, marks,
      trajectories: trajectories.map((t) => ({ name: t.name, x: t.x, y: t.y })),
      ...extra,
    });
    ctx.figure('contour', contour('Himmelblau\'s function (x² + y − 11)² + (x + y² − 7)²', [], { legend: 'none' }), {
      caption: 'Log-spaced levels from 0.1 to 2,200; the diamonds are the four minima A–D (f = 0).',
    });

    // (b) Gradient descent written out: forward, backward, a step against the gradient, zero the gradient.
    const lr = ctx.settings.plainLoopLr;
    const plain = descend(`x ← x − ${lr}·∇f`, steps, (p) => {
      himmelblau(p).backward();
      noGrad(() => p.sub_(p.grad!.mul(lr)));
      p.grad!.zero_();
    });

    // (c) Built-in optimisers, PyTorch's semantics; three learning rates each, chosen around the
    // largest stable step (for plain GD that is 2/λmax(∇²f) ≈ 0.02 at the minima).
    const sweeps: Array<{ name: string; lrs: number[]; make: (p: Tensor, lr: number) => optim.Optimizer<{ lr: number }> }> = [
      { name: 'SGD, momentum 0.9', lrs: [0.0005, 0.001, 0.002], make: (p, lr) => new optim.SGD([p], { lr, momentum: 0.9 }) },
      { name: 'Adam', lrs: [0.01, 0.05, 0.2], make: (p, lr) => new optim.Adam([p], { lr }) },
      { name: 'RMSprop', lrs: [0.003, 0.01, 0.03], make: (p, lr) => new optim.RMSprop([p], { lr }) },
      { name: 'Adagrad', lrs: [0.1, 0.5, 1], make: (p, lr) => new optim.Adagrad([p], { lr }) },
    ];
    const runs = sweeps.map((s) => ({
      ...s,
      paths: s.lrs.map((lr) => {
        let opt: optim.Optimizer<{ lr: number }> | null = null;
        return descend(`η = ${fmtLr(lr)}`, steps, (p) => {
          opt ??= s.make(p, lr);
          opt.zeroGrad();
          himmelblau(p).backward();
          opt.step();
        });
      }),
    }));

    // (d) Trajectories over the contour, and the loss along them.
    ctx.figure('trajectories', panels({
      title: `Trajectories from (0, −1), ${steps} steps each`,
      cols: 3,
      charts: [
        contour('Plain loop, no optimiser object', [plain], { width: 620, height: 520 }),
        ...runs.map((r) => contour(r.name, r.paths, { width: 620, height: 520 })),
      ],
    }), { caption: 'One panel per optimiser, one colour per learning rate; ● start, ✕ end, ◆ the four minima.' });

    const lossChart = (title: string, paths: Path[]) => lineChart({
      title,
      x: { label: 'step' },
      y: { label: 'f(x, y) (log scale)', scale: 'log', domain: [1e-14, 1e3] },
      series: paths.map((p) => ({ name: p.name, x: p.x.map((_, k) => k), y: lossCurve(p) })),
      hlines: [{ at: TARGET, label: 'target 10⁻⁶' }],
      legend: 'top-right',
      width: 620,
      height: 420,
    });
    ctx.figure('loss', panels({
      title: 'Loss against step',
      cols: 3,
      charts: [lossChart('Plain loop, no optimiser object', [plain]), ...runs.map((r) => lossChart(r.name, r.paths))],
    }), { caption: 'Exact zeros (iterates that hit a minimum to float32 precision) are off the log axis.' });

    // Key numbers: where each run ended, how low, and how fast.
    const report = (label: string, path: Path) => {
      const s = summarise(path);
      const reached = s.stepsToTarget >= 0 ? `${s.stepsToTarget} steps to f < 10⁻⁶` : 'never f < 10⁻⁶';
      ctx.keyNumber(`${label}: final f`, s.loss, {
        note: `ends at (${s.final[0].toFixed(4)}, ${s.final[1].toFixed(4)}), minimum ${s.minimum}; ${reached}`,
      });
      return { label, ...s };
    };
    const summaries = [report(`plain loop η = ${lr}`, plain)];
    for (const r of runs) r.paths.forEach((p, i) => summaries.push(report(`${r.name}, η = ${fmtLr(r.lrs[i])}`, p)));
    ctx.result('runs', summaries);
  },
});
