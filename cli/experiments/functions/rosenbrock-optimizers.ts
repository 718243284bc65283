// Seed 001, problem 1: gradient descent, momentum and Adam on the Rosenbrock function from
// (−4, −2), with the seed's own update formulas written against wasmgrad's public tensor API.
//
// The seed prints f = (1 − x²) + 100(y − x²)², which is unbounded below (take y = x², x → ∞),
// yet says the global minimum is (1, 1): that is the standard Rosenbrock function
// f = (1 − x)² + 100(y − x²)², which we use.
import { type Tensor, cat, noGrad, optim, tensor, zeros } from '../../../bindings/index.js';
import { contourWithTrajectories, thinTrajectory } from '../../harness/index.js';
import { lineChart, panels, type LineSeries, type Trajectory } from '../../plot/index.js';
import { register } from '../../registry.js';

const START: [number, number] = [-4, -2];
const MINIMUM: [number, number] = [1, 1];
const rosenbrock64 = (x: number, y: number) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;

/** The standard Rosenbrock function of each row (x, y) of P: shape [runs, 2] → [runs, 1]. */
function rosenbrock(P: Tensor): Tensor {
  const x = P.slice(1, 0, 1);
  const y = P.slice(1, 1, 2);
  return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100));
}

// ---- the seed's optimisers, for a batch of runs (one row of the parameter tensor per run) ----
// The runs are independent, so sum(rosenbrock(P)) has ∂/∂P[r] = ∇f(P[r]): one backward pass
// gives every run its own gradient, and all of them advance in lockstep.

/** A column [runs, 1] that broadcasts a per-run hyperparameter over (x, y). */
const column = (values: number[]) => tensor(values.map((v) => [v]));

/**
 * The seed's gd_with_mom: v ← γ·v + ∇f;  p ← p − η·v.  With γ = 0 this is exactly its gd
 * (v = ∇f, p ← p − η·∇f), so plain gradient descent is a row with γ = 0.
 */
class SeedMomentum {
  private readonly v: Tensor;
  private readonly lr: Tensor;
  private readonly gamma: Tensor;
  constructor(private readonly P: Tensor, lr: number[], gamma: number[]) {
    this.v = zeros(P.shape.slice());
    this.lr = column(lr);
    this.gamma = column(gamma);
  }
  step(): void {
    noGrad(() => {
      this.v.mul_(this.gamma).add_(this.P.grad!);
      this.P.sub_(this.v.mul(this.lr));
    });
  }
}

/**
 * The seed's adams, including its quirk: ε sits *inside* the square root,
 * p ← p − η·v̂ / √(ŝ + ε) (PyTorch's Adam uses √ŝ + ε), with γ = 0.9, β = 0.99, ε = 1e-8.
 */
class SeedAdam {
  private readonly v: Tensor;
  private readonly s: Tensor;
  private readonly lr: Tensor;
  private t = 0;
  constructor(private readonly P: Tensor, lr: number[], private readonly gamma = 0.9, private readonly beta = 0.99, private readonly eps = 1e-8) {
    this.v = zeros(P.shape.slice());
    this.s = zeros(P.shape.slice());
    this.lr = column(lr);
  }
  step(): void {
    this.t++;
    const g = this.P.grad!;
    noGrad(() => {
      this.v.mul_(this.gamma).add_(g, 1 - this.gamma);
      this.s.mul_(this.beta).add_(g.square(), 1 - this.beta);
      const vHat = this.v.div(1 - this.gamma ** this.t);
      const sHat = this.s.div(1 - this.beta ** this.t);
      this.P.sub_(vHat.div(sHat.add(this.eps).sqrt()).mul(this.lr));
    });
  }
}

// ---- the runs the homework asks for ----------------------------------------------------------

type Part = 'b' | 'c' | 'd';
interface Run {
  name: string;
  method: 'GD' | 'momentum' | 'Adam';
  lr: number;
  parts: Part[];
  builtin: boolean;
}

const PART_TITLE: Record<Part, string> = {
  b: '(b) η = 10⁻⁴: GD, momentum, Adam',
  c: '(c) η = 10⁻³: momentum vs Adam',
  d: '(d) Adam η = 10⁻² vs momentum η = 10⁻⁴',
};
const METHOD_COLOR: Record<Run['method'], string> = { GD: '#4e79a7', momentum: '#f28e2b', Adam: '#59a14f' };
const lrText = (lr: number) => `η = 10${['⁻⁴', '⁻³', '⁻²'][Math.round(Math.log10(lr)) + 4]}`;

// Momentum at η = 10⁻⁴ appears in (b) and (d): the same run, computed once.
const momentumRuns: Run[] = [
  { name: 'GD', method: 'GD', lr: 1e-4, parts: ['b'], builtin: false },
  { name: 'momentum', method: 'momentum', lr: 1e-4, parts: ['b', 'd'], builtin: false },
  { name: 'momentum', method: 'momentum', lr: 1e-3, parts: ['c'], builtin: false },
];
const adamRuns: Run[] = [
  { name: 'Adam', method: 'Adam', lr: 1e-4, parts: ['b'], builtin: false },
  { name: 'Adam', method: 'Adam', lr: 1e-3, parts: ['c'], builtin: false },
  { name: 'Adam', method: 'Adam', lr: 1e-2, parts: ['d'], builtin: false },
];

// The library's own optimisers on the same runs, for comparison. PyTorch's SGD momentum update
// (buf ← μ·buf + g, p ← p − η·buf) is the seed's formula exactly; its Adam puts ε outside the root.
// Each run has its own one-row leaf, because an optimiser has one learning rate per parameter group.
const builtinRuns: Array<Run & { make: (p: Tensor) => { step(): void } }> = [
  { name: 'built-in SGD', method: 'GD', lr: 1e-4, parts: ['b'], builtin: true, make: (p) => new optim.SGD([p], { lr: 1e-4 }) },
  ...[1e-4, 1e-3].map((lr) => ({
    name: 'built-in SGD momentum', method: 'momentum' as const, lr, parts: (lr === 1e-4 ? ['b', 'd'] : ['c']) as Part[], builtin: true,
    make: (p: Tensor) => new optim.SGD([p], { lr, momentum: 0.9 }),
  })),
  ...[1e-4, 1e-3, 1e-2].map((lr) => ({
    name: 'built-in Adam', method: 'Adam' as const, lr, parts: [({ 1e-4: 'b', 1e-3: 'c', 1e-2: 'd' } as Record<number, Part>)[lr]], builtin: true,
    make: (p: Tensor) => new optim.Adam([p], { lr, betas: [0.9, 0.99], eps: 1e-8 }),
  })),
];

interface Outcome {
  run: Run;
  /** (x, y) after every step, starting with the start point: 2·(steps + 1) numbers. */
  path: Float32Array;
  /** First step at which the parameters stopped being finite numbers, or -1. */
  divergedAt: number;
}

register({
  id: 'rosenbrock-optimizers',
  family: 'functions',
  title: 'Rosenbrock: gradient descent, momentum and Adam (the seed\'s update rules)',
  seed: '001 "Homework 7", problem 1',
  description:
    'The Rosenbrock function (1 − x)² + 100(y − x²)² from (−4, −2), minimum at (1, 1). ' +
    'The seed prints (1 − x²) + 100(y − x²)², which has no minimum, while stating the minimum is (1, 1): ' +
    'we use the standard function. GD, GD with momentum (γ = 0.9) and Adam (γ = 0.9, β = 0.99, ε = 1e-8 inside the root) ' +
    'follow the seed\'s Python line by line, with gradients by reverse-mode autodiff.',
  settings: { steps: 100_000, start: START, function: '(1 − x)² + 100(y − x²)²', momentumGamma: 0.9, adamGammaBetaEps: [0.9, 0.99, 1e-8] },
  quick: { steps: 2000 },
  async run(ctx) {
    const { steps } = ctx.settings;

    // Every run starts at (−4, −2): one row per run, one leaf per optimiser family.
    const startRows = (n: number) => tensor(Array.from({ length: n }, () => [...START]), { requiresGrad: true });
    const Pm = startRows(momentumRuns.length);
    const Pa = startRows(adamRuns.length);
    const momentum = new SeedMomentum(Pm, momentumRuns.map((r) => r.lr), momentumRuns.map((r) => (r.method === 'GD' ? 0 : 0.9)));
    const adam = new SeedAdam(Pa, adamRuns.map((r) => r.lr));
    const builtinLeaves = builtinRuns.map(() => startRows(1));
    const builtins = builtinRuns.map((r, i) => r.make(builtinLeaves[i]));
    const runs: Run[] = [...momentumRuns, ...adamRuns, ...builtinRuns];
    const leaves = [Pm, Pa, ...builtinLeaves];

    const paths = runs.map(() => new Float32Array(2 * (steps + 1)));
    const record = (k: number) => {
      let r = 0;
      for (const leaf of leaves) {
        const d = leaf.data();
        for (let i = 0; i < d.length; i += 2, r++) {
          paths[r][2 * k] = d[i];
          paths[r][2 * k + 1] = d[i + 1];
        }
      }
    };
    record(0);

    const bar = ctx.progress('steps', steps);
    const t0 = performance.now();
    for (let k = 1; k <= steps; k++) {
      rosenbrock(cat(leaves)).sum().backward();
      momentum.step();
      adam.step();
      for (const opt of builtins) opt.step();
      for (const leaf of leaves) leaf.grad!.zero_();
      record(k);
      if (k % 1000 === 0) bar.tick(1000);
    }
    bar.done();
    const loopSeconds = (performance.now() - t0) / 1000;
    ctx.timing(`${steps} steps of all ${runs.length} runs in lockstep`, loopSeconds);
    ctx.log(`${steps} steps × ${runs.length} runs in ${loopSeconds.toFixed(2)} s (${(steps / loopSeconds).toFixed(0)} lockstep steps/s)`);

    const outcomes: Outcome[] = runs.map((run, r) => {
      const p = paths[r];
      let divergedAt = -1;
      for (let k = 0; k <= steps; k++) {
        if (!Number.isFinite(p[2 * k]) || !Number.isFinite(p[2 * k + 1])) { divergedAt = k; break; }
      }
      return { run, path: p, divergedAt };
    });

    // ---- figures ----
    const distance = (o: Outcome, k: number) => Math.hypot(o.path[2 * k] - MINIMUM[0], o.path[2 * k + 1] - MINIMUM[1]);
    // Every part on the same axes (the seed asks for it in (c)): the region the converging runs visit.
    const xDomain: [number, number] = [-5, 4.5];
    const yDomain: [number, number] = [-3, 12];
    const levels = [0, ...Array.from({ length: 16 }, (_, i) => 10 ** (-1 + (i * 6) / 15))];
    const contour = (title: string, trajectories: Trajectory[]) => contourWithTrajectories({
      title, f: rosenbrock64, x: xDomain, y: yDomain, levels,
      trajectories, marks: [{ x: MINIMUM[0], y: MINIMUM[1], label: '(1, 1)' }],
    });
    // Plot a thinned path: 10⁵ points per run add nothing a few thousand do not show.
    const thin = (o: Outcome): Trajectory => thinTrajectory(`${o.run.name}, ${lrText(o.run.lr)}`,
      o.path.filter((_, i) => i % 2 === 0), o.path.filter((_, i) => i % 2 === 1), { color: METHOD_COLOR[o.run.method] });
    const every = Math.max(1, Math.floor(steps / 4000));
    const parts: Part[] = ['b', 'c', 'd'];
    const inPart = (p: Part) => outcomes.filter((o) => o.run.parts.includes(p));

    ctx.figure('contour', contour('Rosenbrock function (1 − x)² + 100(y − x²)²', [
      { name: 'start (−4, −2)', x: [START[0]], y: [START[1]], color: '#e15759' },
    ]), { caption: 'Filled contours on log-spaced levels: the banana-shaped valley y ≈ x² leads to the minimum at (1, 1).' });

    ctx.figure('trajectories', panels({
      title: `Trajectories from (−4, −2), ${steps.toLocaleString('en-US')} steps`,
      cols: 3,
      charts: parts.map((p) => contour(PART_TITLE[p], inPart(p).filter((o) => !o.run.builtin).map(thin))),
    }), { caption: 'Same axes in every part. A trajectory that leaves the plot and never comes back diverged (its numbers overflowed).' });

    const distanceSeries = (o: Outcome): LineSeries => {
      const x: number[] = [];
      const y: number[] = [];
      // A diverged run's line stops at its last finite point.
      const last = o.divergedAt < 0 ? steps : o.divergedAt - 1;
      for (let k = 0; k <= last; k += every) {
        x.push(k);
        y.push(Math.log10(distance(o, k)));
      }
      const diverged = o.divergedAt >= 0 ? `, diverges at step ${o.divergedAt}` : '';
      return {
        name: `${o.run.name}, ${lrText(o.run.lr)}${diverged}`, x, y, color: METHOD_COLOR[o.run.method],
        ...(o.run.builtin ? { dash: [7, 5], lineWidth: 1.5 } : {}),
      };
    };
    ctx.figure('distance', panels({
      title: 'log₁₀ of the distance to the minimum (1, 1)',
      cols: 3,
      charts: parts.map((p) => lineChart({
        title: PART_TITLE[p],
        x: { label: 'step', domain: [0, steps] },
        // Room below the curves for the legend, so it hides none of them.
        y: { label: 'log₁₀ ‖(x, y) − (1, 1)‖', domain: [-12, 2] },
        // Adam's jitter near the minimum would hide a smooth line drawn before it.
        series: inPart(p).sort((a, b) => +(b.run.method === 'Adam') - +(a.run.method === 'Adam')).map(distanceSeries),
        legend: 'bottom-left',
        width: 560,
        height: 440,
      })),
    }), { caption: 'Solid: the seed\'s update formulas; dashed: wasmgrad\'s optim.SGD / optim.Adam (ε outside the root). A line that stops has diverged.' });

    // ---- key numbers ----
    for (const p of parts) {
      for (const o of inPart(p)) {
        const label = `(${p}) ${o.run.name} ${lrText(o.run.lr)}: final distance to (1, 1)`;
        if (o.divergedAt >= 0) ctx.keyNumber(label, 'diverged', { note: `not finite from step ${o.divergedAt}` });
        else ctx.keyNumber(label, distance(o, steps), { note: `final f = ${rosenbrock64(o.path[2 * steps], o.path[2 * steps + 1]).toExponential(2)}` });
      }
    }
    // The seed's GD and momentum are PyTorch's SGD formulas, so the built-in runs should retrace them.
    const retrace = (method: Run['method'], lr: number) => {
      const [a, b] = [false, true].map((builtin) => outcomes.find((o) => o.run.method === method && o.run.lr === lr && o.run.builtin === builtin)!);
      let worst = 0;
      for (let i = 0; i < a.path.length; i++) if (Number.isFinite(a.path[i])) worst = Math.max(worst, Math.abs(a.path[i] - b.path[i]));
      return worst;
    };
    ctx.keyNumber('max |seed GD − optim.SGD| along the path, η = 10⁻⁴', retrace('GD', 1e-4), { note: 'same update formula; 0 means bit-identical paths' });
    ctx.keyNumber('max |seed momentum − optim.SGD(momentum 0.9)|, η = 10⁻⁴', retrace('momentum', 1e-4), { note: 'same update formula; 0 means bit-identical paths' });
    ctx.result('runs', outcomes.map((o) => ({
      method: o.run.method,
      lr: o.run.lr,
      parts: o.run.parts,
      builtin: o.run.builtin,
      // null where the run diverged (its numbers are no longer numbers).
      final: o.divergedAt < 0 ? [o.path[2 * steps], o.path[2 * steps + 1]] : null,
      finalDistance: o.divergedAt < 0 ? distance(o, steps) : null,
      divergedAt: o.divergedAt,
    })));
  },
});
