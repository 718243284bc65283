// Optimiser and scheduler parity with PyTorch 1.13 (tests/fixtures/torch, see its README):
// every run replayed for its first 50 steps (LBFGS: 10) on Rosenbrock and on the seeded MLP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, tensor, Tensor, nn, zeros } from '../bindings/index.js';
import * as optim from '../bindings/optim/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = (name: string) => JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'torch', name), 'utf8'));
const ros = fixture('rosenbrock.json');
const mlp = fixture('mlp.json');

// First-order runs: float32-vs-float64 drift in torch is ≤ 5e-6 (README), so 1e-5 relative is
// a few times what rounding alone moves a trajectory.
const TOL = 1e-5;
// LBFGS branches on comparisons inside its line search, so a 1-ulp difference in a loss or dot
// product can pick another trial step, and a step is up to 25 evaluations: torch's own
// float32-vs-float64 drift is 4e-4 (Rosenbrock) and 0.04 (MLP, driven to loss 1e-7 where the
// weights are ill-conditioned). We hold step 1 (same loss, same evaluation count) to 1e-4 on
// Rosenbrock and 5e-3 on the MLP (ours differs by 2.8e-3 after its 21 line-search evaluations,
// ten times torch's own step-1 drift of 2.7e-4, from ulp-level differences in tanh/cross-entropy),
// and the later parameters loosely: on Rosenbrock step 2 (another 25 evaluations from a point
// 3e-6 away) lands 1.5e-2 short of torch's, and both then converge to (1, 1) within 1e-4.
const LBFGS_FIRST_TOL = { rosenbrock: 1e-4, mlp: 5e-3 };
const LBFGS_ROS_TOL = 2e-2;
const LBFGS_MLP_TOL = 0.2;

/**
 * |a − b| / max(|b|, 1): relative for values of magnitude ≥ 1, absolute below (numpy's allclose
 * with atol = rtol). Pure relative error is meaningless where a coordinate crosses zero (the
 * Nesterov run carries x from −1.5 to 0.41), and torch's drift figures are absolute.
 */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1));
  return m;
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function options(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    out[k === 'T_max' ? 'tMax' : camel(k)] = v === 'strong_wolfe' ? 'strongWolfe' : v;
  }
  return out;
}

type AnyOptimizer = optim.Optimizer<{ lr: number }>;
function makeOptimizer(run: any, params: Tensor[]): { opt: AnyOptimizer; sched: optim.LRScheduler | null } {
  const Cls = (optim as any)[run.optimizer];
  const opt: AnyOptimizer = new Cls(params, options(run.options));
  const sched = run.scheduler ? new (optim as any)[run.scheduler.name](opt, options(run.scheduler.options)) : null;
  return { opt, sched };
}

interface Problem {
  params: Tensor[];
  loss(): Tensor;
}

/** Replays a run; returns the losses, lrs and func-eval counts and calls snap after each step. */
function replay(run: any, problem: Problem, snap: (step: number) => void) {
  const { opt, sched } = makeOptimizer(run, problem.params);
  const losses: number[] = [], lrs: number[] = [], evals: number[] = [];
  const closure = () => {
    opt.zeroGrad();
    const l = problem.loss();
    l.backward();
    return l;
  };
  for (let k = 1; k <= run.steps; k++) {
    lrs.push(opt.paramGroups[0].lr);
    if (run.optimizer === 'LBFGS') {
      losses.push(opt.step(closure)!);
      evals.push(opt.state.get(problem.params[0])!.funcEvals as number);
    } else {
      losses.push(closure().item());
      opt.step();
    }
    snap(k);
    sched?.step();
  }
  return { losses, lrs, evals };
}

function rosenbrock(): Problem {
  const p = tensor(ros.initial_params, { requiresGrad: true });
  return {
    params: [p],
    loss() {
      const x = p.slice(0, 0, 1), y = p.slice(0, 1, 2);
      return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum();
    },
  };
}

const MLP_KEYS = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
function mlpProblem(): Problem {
  const params = MLP_KEYS.map((k) => tensor(mlp.initial_params[k], { requiresGrad: true }));
  const x = tensor(mlp.inputs);
  const [w1, b1, w2, b2] = params;
  return {
    params,
    loss: () => nn.functional.crossEntropy(nn.functional.linear(nn.functional.linear(x, w1, b1).tanh(), w2, b2), mlp.labels),
  };
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const table: { run: string; rosenbrock: number; mlp: number }[] = [];
const row = (run: string) => {
  let r = table.find((t) => t.run === run);
  if (!r) table.push((r = { run, rosenbrock: NaN, mlp: NaN }));
  return r;
};

test.before(async () => {
  await init();
});

test('the MLP forward and gradients match torch before any optimiser', () => {
  const prob = mlpProblem();
  const loss = prob.loss();
  assert.ok(Math.abs(loss.item() - mlp.initial_loss) / mlp.initial_loss < 1e-6);
  loss.backward();
  MLP_KEYS.forEach((k, i) => {
    const d = relDiff(prob.params[i].grad!.data(), flat(mlp.initial_grads[k]));
    assert.ok(d < 1e-5, `${k} grad differs by ${d}`);
  });
});

for (const [name, run] of Object.entries<any>(ros.runs)) {
  test(`Rosenbrock ${name}: parameters, losses and lr match torch`, () => {
    const prob = rosenbrock();
    let maxRel = 0;
    const { losses, lrs, evals } = replay(run, prob, (k) => {
      maxRel = Math.max(maxRel, relDiff(prob.params[0].data(), run.params[k - 1]));
      if (run.optimizer === 'LBFGS' && k === 1) {
        const d = relDiff(prob.params[0].data(), run.params[0]);
        assert.ok(d <= LBFGS_FIRST_TOL.rosenbrock, `LBFGS step 1 differs by ${d}`);
      }
    });
    row(name).rosenbrock = maxRel;
    const tol = run.optimizer === 'LBFGS' ? LBFGS_ROS_TOL : TOL;
    if (run.optimizer === 'LBFGS') assert.ok(relDiff(prob.params[0].data(), run.params[run.steps - 1]) <= 1e-4);
    assert.ok(maxRel <= tol, `max relative difference ${maxRel} > ${tol}`);
    assert.ok(relDiff(lrs, run.lr) < 1e-12, `lr schedule differs: ${lrs} vs ${run.lr}`);
    const lossTol = run.optimizer === 'LBFGS' ? LBFGS_ROS_TOL : 1e-4;
    assert.ok(relDiff(losses, run.loss) <= lossTol, `losses differ by ${relDiff(losses, run.loss)}`);
    // Once converged, torch and we stop on different sides of float32's loss granularity.
    if (run.func_evals) assert.equal(evals.slice(0, 2), run.func_evals.slice(0, 2));
  });
}

for (const [name, run] of Object.entries<any>(mlp.runs)) {
  test(`MLP ${name}: parameters, losses and lr match torch`, () => {
    const prob = mlpProblem();
    let maxRel = 0;
    const { evals } = replay(run, prob, (k) => {
      const want = run.params_at[String(k)];
      if (!want) return;
      const got = prob.params.flatMap((p) => Array.from(p.data()));
      const d = relDiff(got, MLP_KEYS.flatMap((key) => flat(want[key])));
      if (run.optimizer === 'LBFGS' && k === 1) assert.ok(d <= LBFGS_FIRST_TOL.mlp, `LBFGS step 1 differs by ${d}`);
      maxRel = Math.max(maxRel, d);
    });
    row(name).mlp = maxRel;
    if (run.func_evals) assert.is(evals[0], run.func_evals[0]);
    const tol = run.optimizer === 'LBFGS' ? LBFGS_MLP_TOL : TOL;
    assert.ok(maxRel <= tol, `max relative difference ${maxRel} > ${tol}`);
  });
}

test('state dicts round-trip: a reloaded Adam continues identically', () => {
  const a = rosenbrock(), b = rosenbrock();
  const oa = new optim.Adam(a.params, { lr: 0.01, amsgrad: true });
  const stepWith = (o: AnyOptimizer, pr: Problem) => { o.zeroGrad(); pr.loss().backward(); o.step(); };
  for (let i = 0; i < 5; i++) stepWith(oa, a);
  b.params[0].copy_(a.params[0]);
  const ob = new optim.Adam(b.params, { lr: 0.5 });
  ob.loadStateDict(oa.stateDict());
  assert.is(ob.paramGroups[0].lr, 0.01);
  for (let i = 0; i < 5; i++) { stepWith(oa, a); stepWith(ob, b); }
  assert.equal(Array.from(b.params[0].data()), Array.from(a.params[0].data()));
});

test('optimiser state outlives an evaluation between two steps (its batches and read-backs)', () => {
  // An epoch's evaluation makes more than TICK_GRACE (8) read-backs without a step; state made
  // lazily after the first backward() (SGD's momentum buffer) must not be reclaimed meanwhile.
  const make: Array<[string, (ps: Tensor[]) => AnyOptimizer]> = [
    ['SGD momentum', (ps) => new optim.SGD(ps, { lr: 1e-3, momentum: 0.9 })],
    ['SGD Nesterov', (ps) => new optim.SGD(ps, { lr: 1e-3, momentum: 0.8, nesterov: true })],
    ['Adam', (ps) => new optim.Adam(ps, { lr: 1e-3 })],
    ['RMSprop momentum', (ps) => new optim.RMSprop(ps, { lr: 1e-3, momentum: 0.5, centered: true })],
    ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 1e-2 })],
    ['Adadelta', (ps) => new optim.Adadelta(ps, { lr: 0.1 })],
  ];
  for (const [name, mk] of make) {
    const [a, b] = [rosenbrock(), rosenbrock()];
    const [oa, ob] = [mk(a.params), mk(b.params)];
    for (let step = 0; step < 3; step++) {
      oa.zeroGrad(); a.loss().backward(); oa.step();
      ob.zeroGrad(); b.loss().backward(); ob.step();
      for (let i = 0; i < 20; i++) a.loss().item(); // an evaluation: twenty ticks
    }
    assert.equal(Array.from(a.params[0].data()), Array.from(b.params[0].data()), name);
  }
});

test('zeroGrad: a gradient reclaimed while its model sat idle counts as zero, for the optimiser and the module', () => {
  // a GAN's generator sits idle through the discriminator's steps; memory.ts may reclaim its
  // gradients when wasm memory grows (dispose() stands in for that here)
  for (const zero of ['optimiser', 'module'] as const) {
    const model = new nn.Linear(3, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = tensor([[1, 2, 3]]);
    model.forward(x).sum().backward();
    model.weight.grad!.dispose();
    if (zero === 'optimiser') opt.zeroGrad(); else model.zeroGrad();
    assert.is(model.weight.grad, null, `${zero}: the reclaimed gradient is dropped`);
    assert.equal(Array.from(model.bias!.grad!.data()), [0, 0], `${zero}: a live gradient is zeroed`);
    model.forward(x).sum().backward();
    assert.equal(Array.from(model.weight.grad!.data()), [1, 2, 3, 1, 2, 3], `${zero}: backward makes a fresh gradient`);
  }
});

test('parameters must be leaves (the optimiser owns them, even ones made in a loop); bad options are named', () => {
  const p = zeros([2], { requiresGrad: true });
  assert.throws(() => new optim.SGD([p.mul(2)], { lr: 0.1 }), /not a leaf/);
  const loopMade = zeros([2]).add(1); // an op result: a temporary leaf
  loopMade.requiresGrad = true;
  const o = new optim.SGD([loopMade], { lr: 0.25 });
  for (let i = 0; i < 4; i++) { o.zeroGrad(); loopMade.square().sum().backward(); o.step(); }
  assert.equal(Array.from(loopMade.data()), [0.0625, 0.0625]);
  assert.throws(() => new optim.Adam([p], { betas: [1.5, 0.9] }), /betas/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
});

test.after(() => {
  console.log('\nmax relative difference vs torch 1.13 (params, |a-b|/max(|b|,1)):');
  console.log('run                          rosenbrock   mlp');
  for (const r of table) console.log(`${r.run.padEnd(28)} ${r.rosenbrock.toExponential(2).padStart(10)} ${r.mlp.toExponential(2).padStart(10)}`);
});

test.run();
