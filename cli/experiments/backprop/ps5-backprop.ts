// Seed 002 (PS5): a 2-7-1 sigmoid network with E = ½ Σ (y − ŷ)², its 29 weights drawn from
// N(0, 1), full-batch gradient descent with η = 1e-4 for 10⁵ epochs on standardised inputs and
// an 80/20 split. Q2 trains it with the gradients written by hand; Q3 with autodiff. The seed's
// two answers disagreed and its author could not say why: here both start from the same 29
// weights and end on the same weights, and the seed's own Q3 is run too, to show what went wrong.
import { type Tensor, nn, noGrad, optim, randn, tensor } from '../../../bindings/index.js';
import { csvOption, divergingCurve, readCsvOption } from '../../harness/index.js';
import { contourChart, lineChart, panels, scatterChart, type Chart, type LineSeries, type ScatterClass } from '../../plot/index.js';
import { type RunContext, register } from '../../registry.js';
import { PS5_COLUMNS, type Ps5Data, type Ps5Split, generatePs5, ps5Arrays, ps5FromCsv, splitPs5 } from './ps5-data.js';
import { HIDDEN, ManualNetwork, WEIGHTS, autodiffNetwork, autodiffStep, halfSumOfSquares, readWeights, weightName } from './ps5-network.js';

/** One training run's record: losses at the recorded epochs, and the weights there (29 per epoch). */
interface Trace {
  epochs: number[];
  train: number[];
  test: number[];
  weights: Float64Array[];
}

const CLASS_COLORS = ['#6a3d9a', '#e31a1c']; // the seed's purple (class 0) and red (class 1)

register({
  id: 'ps5-backprop',
  family: 'backprop',
  title: 'PS5: a 2-7-1 network trained with hand-written gradients and with autodiff, and the seed\'s failed Q3',
  seed: '002 "PS5", questions 1–3',
  description:
    'Rows (x_1, x_2, classification) with the features on very different scales (generated from --seed, or --csv FILE). ' +
    'Inputs are standardised with the training rows\' mean and std, 80/20 split. The 2-7-1 sigmoid network has the seed\'s ' +
    '29 weights, all drawn from N(0, 1), and is trained on E = ½ Σ (y − ŷ)² by full-batch gradient descent, η = 1e-4. ' +
    'Q2: the gradients of the 29 weights written by hand from the chain rule (engine ops inside noGrad, no tape). ' +
    'Q3: the same network and the same initial weights as nn.Linear/nn.Sigmoid modules, trained by autodiff with optim.SGD. ' +
    'Both must end on the same weights. The seed\'s own Q3 (no output sigmoid, standardised 0/1 labels, PyTorch\'s default ' +
    'initialisation, summed squared error) is trained as well, and its map drawn as the seed drew it.',
  flags: ['epochs'],
  options: [csvOption('the seed\'s data: a CSV with columns x_1, x_2, classification (0 or 1); default: generated from --seed')],
  settings: { rows: 500, hidden: HIDDEN, testFraction: 0.2, lr: 1e-4, epochs: 100_000, recordEvery: 100, init: 'N(0, 1) for all 29 weights', loss: '½ Σ (y − ŷ)²' },
  quick: { epochs: 600, recordEvery: 10 },
  async run(ctx) {
    const s = ctx.settings;

    // ---- Question 1: the data ----
    const table = readCsvOption(ctx, { columns: PS5_COLUMNS, binary: ['classification'], minRows: 10 });
    const data = table ? ps5FromCsv(table) : generatePs5(s.rows);
    ctx.setting('data', data.source);
    const split = splitPs5(data, s.testFraction);
    ctx.setting('training / test rows', `${split.train.length} / ${split.test.length}`);
    const train = rowsTensors(data, split, split.train);
    const test = rowsTensors(data, split, split.test);
    ctx.figure('data', dataScatter(data), { caption: 'The data on its own scales: x_2 spans about a thousand times the range of x_1, which is why the inputs are standardised.' });

    // ---- Question 2: the 29 weights from N(0, 1), gradients by hand ----
    const w0 = Float64Array.from(randn([WEIGHTS]).data());
    const manual = new ManualNetwork(w0);
    const reference = autodiffNetwork(w0);
    const check = gradientCheck(manual, reference, train);
    ctx.keyNumber('max |∂E/∂w by hand − by autodiff| at the initial weights (29 weights)', check.maxAbs, { note: `largest gradient ${check.largest.toPrecision(4)}` });

    const every = s.recordEvery;
    const recorded = (e: number) => e % every === 0 || e === s.epochs - 1;
    const q2: Trace = { epochs: [], train: [], test: [], weights: [] };
    let bar = ctx.progress('Q2: gradients by hand', s.epochs);
    let t0 = performance.now();
    for (let e = 0; e < s.epochs; e++) {
      if (recorded(e)) {
        q2.epochs.push(e);
        q2.test.push(manual.evaluate(test.xa, test.y).loss);
        q2.weights.push(manual.weights());
      }
      const loss = manual.step(train.xa, train.y, s.lr).loss;
      if (recorded(e)) q2.train.push(loss);
      if ((e + 1) % 1000 === 0) bar.tick(1000);
    }
    bar.done();
    ctx.timing('Q2 (by hand): seconds for all epochs', (performance.now() - t0) / 1000);

    // ---- Question 3 done right: the same network and weights through autodiff ----
    const q3Net = autodiffNetwork(w0);
    const q3 = trainAutodiff(ctx, 'Q3: autodiff', q3Net, train, test, halfSumOfSquares, s.lr, s.epochs, recorded, (net) => readWeights(net));

    // ---- the seed's Q3: no output sigmoid, standardised labels, default init, Σ (y − ŷ)² ----
    const yMean = mean(train.yRaw), yStd = std(train.yRaw, yMean);
    const standardised = (y: Float32Array) => tensor(Float32Array.from(y, (v) => (v - yMean) / yStd), { shape: [y.length, 1] });
    const seedNet = new nn.Sequential(new nn.Linear(2, HIDDEN), new nn.Sigmoid(), new nn.Linear(HIDDEN, 1));
    const seedLoss = (p: Tensor, y: Tensor) => nn.functional.mseLoss(p, y, { reduction: 'sum' });
    const seedTrain = { ...train, y: standardised(train.yRaw).keep() };
    const seedTest = { ...test, y: standardised(test.yRaw).keep() };
    const seedQ3 = trainAutodiff(ctx, 'the seed\'s Q3', seedNet, seedTrain, seedTest, seedLoss, s.lr, s.epochs, recorded, null);
    // Its output lives in standardised-label units; the class boundary is label 0.5 there.
    const seedThreshold = (0.5 - yMean) / yStd;

    // ---- agreement of Q2 and Q3 ----
    const wQ2 = manual.weights(), wQ3 = readWeights(q3Net);
    const maxDw = maxAbsDiff(wQ2, wQ3);
    const dwCurve = q2.weights.map((w, i) => maxAbsDiff(w, q3.weights[i]));
    const lossGap = Math.max(...q2.train.map((l, i) => Math.abs(l - q3.train[i]) / Math.max(1e-12, Math.abs(l))));
    const lastEpoch = s.epochs - 1;
    ctx.keyNumber(`max |Δw| between Q2 (by hand) and Q3 (autodiff) after ${s.epochs.toLocaleString('en-US')} epochs`, maxDw, {
      seed: 'no match: the seed\'s Q2 and Q3 ended on different models', note: `largest |w| ${Math.max(...wQ2.map(Math.abs)).toPrecision(3)}`,
    });
    ctx.keyNumber('max relative |E(Q2) − E(Q3)| over the recorded epochs', lossGap);

    // ---- accuracy and maps ----
    const accuracy = (pred: ArrayLike<number>, y: Float32Array, threshold: number) => {
      let ok = 0;
      for (let i = 0; i < y.length; i++) if ((pred[i] > threshold ? 1 : 0) === y[i]) ok++;
      return ok / y.length;
    };
    const predict = (net: nn.Sequential, x: Tensor) => noGrad(() => net.forward(x).data());
    const q2Test = manual.evaluate(test.xa, test.y);
    const q2Train = manual.evaluate(train.xa, train.y);
    const accQ2 = accuracy(q2Test.yPred, test.yRaw, 0.5);
    const accQ3 = accuracy(predict(q3Net, test.x), test.yRaw, 0.5);
    const accSeed = accuracy(predict(seedNet, test.x), test.yRaw, seedThreshold);
    ctx.keyNumber(`final training loss E, Q2 (epoch ${lastEpoch.toLocaleString('en-US')})`, q2.train.at(-1)!, { seed: '23.41 (on its own data)' });
    ctx.keyNumber('final training loss E, Q3 (autodiff)', q3.train.at(-1)!);
    ctx.keyNumber('final test loss E, Q2 / Q3', `${q2.test.at(-1)!.toPrecision(5)} / ${q3.test.at(-1)!.toPrecision(5)}`);
    ctx.keyNumber('test accuracy, Q2 (ŷ > 0.5)', accQ2);
    ctx.keyNumber('test accuracy, Q3 (autodiff)', accQ3);
    ctx.keyNumber('training accuracy, Q2', accuracy(q2Train.yPred, train.yRaw, 0.5));
    ctx.keyNumber('the seed\'s Q3: final Σ(y − ŷ)² on standardised labels, train / test', `${seedQ3.train.at(-1)!.toPrecision(5)} / ${seedQ3.test.at(-1)!.toPrecision(5)}`, { seed: 'test 7.713 (on its own data)' });
    ctx.keyNumber('the seed\'s Q3: test accuracy (output > the standardised 0.5)', accSeed);

    ctx.figure('losses', lossFigure(q2, q3, s.epochs), {
      caption: `Q2 (gradients by hand) solid, Q3 (autodiff) dashed: the curves lie on top of each other; after ${s.epochs.toLocaleString('en-US')} epochs the 29 weights differ by at most ${maxDw.toExponential(2)}.`,
    });
    ctx.figure('weight-difference', lineChart({
      title: 'Q2 by hand vs Q3 autodiff: largest weight difference',
      x: { label: 'epoch' }, y: { label: 'max over the 29 weights of |w(Q2) − w(Q3)|', scale: 'log' },
      series: [{ name: 'max |Δw|', x: q2.epochs, y: dwCurve.map((d) => Math.max(d, 1e-12)) }],
      width: 760, height: 420, legend: 'bottom-right',
    }), { caption: 'Both runs are float32; the difference is rounding (the bias is a column of the matmul by hand, a separate add in nn.Linear), and it stays at that level.' });

    const grid = mapGrid(data);
    // Made after training and used by several maps: kept, so the read-backs in between cannot reclaim them.
    const standardGrid = gridTensor(grid, (a, b) => split.standardise(a, b)).keep();
    const rawGrid = gridTensor(grid, (a, b) => [a, b]).keep();
    const values = (t: ArrayLike<number>, f = (v: number) => v) => Float64Array.from(t, f);
    const toLabels = (v: number) => v * yStd + yMean;
    const maps: Chart[] = [
      mapChart('Q2: gradients by hand', grid, values(manual.evaluate(standardGrid, standardGridTargets(grid)).yPred), data, 'ŷ'),
      mapChart('Q3: autodiff (same weights)', grid, values(predict(q3Net, standardGrid.slice(1, 1))), data, 'ŷ'),
      mapChart('The seed\'s Q3, raw grid (as the seed drew it)', grid, values(predict(seedNet, rawGrid.slice(1, 1)), toLabels), data, 'output in label units'),
      mapChart('The seed\'s Q3, grid standardised', grid, values(predict(seedNet, standardGrid.slice(1, 1)), toLabels), data, 'output in label units'),
    ];
    ctx.figure('classification-maps', panels({ title: 'Smooth maps of the classification over the input plane', charts: maps, cols: 2 }), {
      caption: 'Filled contours of the network\'s output with the data on top. The seed\'s Q3 map fed raw (x_1, x_2) into a network trained on standardised inputs; drawn that way (bottom left) it says nothing about what the network learned (bottom right).',
    });
    ctx.figure('seed-q3-losses', lossPanels('The seed\'s Q3: Linear-Sigmoid-Linear on standardised labels, Σ (y − ŷ)²', [
      { name: 'the seed\'s Q3', trace: seedQ3 },
    ], s.epochs), { caption: 'Its losses are in other units than Q2\'s (no ½, standardised labels of variance 1), so they cannot be compared with them.' });

    ctx.section(seedReview(accQ2, accSeed));
    ctx.section(formulasSection());
    ctx.result('weights', {
      names: Array.from({ length: WEIGHTS }, (_, k) => weightName(k)),
      initial: Array.from(w0), q2: Array.from(wQ2), q3: Array.from(wQ3),
    });
    ctx.result('losses', {
      epochs: q2.epochs, q2Train: q2.train, q2Test: q2.test, q3Train: q3.train, q3Test: q3.test,
      seedQ3Train: seedQ3.train, seedQ3Test: seedQ3.test, maxAbsWeightDifference: dwCurve,
    });
    ctx.result('standardisation', { x1: split.scale.x1, x2: split.scale.x2, labels: { mean: yMean, std: yStd } });
  },
});

// ---- data in tensors ----

interface Rows {
  /** [n, 3]: a column of ones, then the standardised x_1, x_2 (the by-hand network's input). */
  xa: Tensor;
  /** [n, 2]: standardised x_1, x_2 (nn.Linear's input). */
  x: Tensor;
  /** [n, 1]: labels 0/1. */
  y: Tensor;
  yRaw: Float32Array;
}

function rowsTensors(d: Ps5Data, s: Ps5Split, rows: number[]): Rows {
  const { x, y } = ps5Arrays(d, s, rows);
  const n = rows.length;
  const xa = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) xa.set([1, x[2 * i], x[2 * i + 1]], 3 * i);
  // Made once and reused for 10⁵ epochs: kept, so no training step can reclaim them.
  return {
    xa: tensor(xa, { shape: [n, 3] }).keep(),
    x: tensor(x, { shape: [n, 2] }).keep(),
    y: tensor(y, { shape: [n, 1] }).keep(),
    yRaw: y,
  };
}

function trainAutodiff(
  ctx: RunContext<any>,
  label: string, net: nn.Sequential, train: Rows, test: Rows, loss: (p: Tensor, y: Tensor) => Tensor,
  lr: number, epochs: number, recorded: (e: number) => boolean, weights: ((net: nn.Sequential) => Float64Array) | null,
): Trace {
  const opt = new optim.SGD(net.parameters(), { lr });
  const trace: Trace = { epochs: [], train: [], test: [], weights: [] };
  const bar = ctx.progress(label, epochs);
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    if (recorded(e)) {
      trace.epochs.push(e);
      trace.test.push(noGrad(() => loss(net.forward(test.x), test.y).item()));
      if (weights) trace.weights.push(weights(net));
    }
    const l = autodiffStep(net, opt, train.x, train.y, loss);
    if (recorded(e)) trace.train.push(l);
    if ((e + 1) % 1000 === 0) bar.tick(1000);
  }
  bar.done();
  ctx.timing(`${label}: seconds for all epochs`, (performance.now() - t0) / 1000);
  return trace;
}

/** ∂E/∂w of all 29 weights by hand (without updating) and by autodiff, at the same weights. */
function gradientCheck(manual: ManualNetwork, net: nn.Sequential, train: Rows): { maxAbs: number; largest: number } {
  const byHand = new ManualNetwork(manual.weights());
  const g = byHand.step(train.xa, train.y, 0);
  const hand = Float64Array.from([...g.hidden.data(), ...g.output.data()]);
  net.zeroGrad();
  halfSumOfSquares(net.forward(train.x), train.y).backward();
  const p = Object.fromEntries(net.namedParameters());
  const auto = new Float64Array(WEIGHTS);
  for (let j = 0; j < HIDDEN; j++) {
    auto[j] = p['0.bias'].grad!.data()[j];
    auto[HIDDEN + j] = p['0.weight'].grad!.data()[2 * j];
    auto[2 * HIDDEN + j] = p['0.weight'].grad!.data()[2 * j + 1];
    auto[3 * HIDDEN + 1 + j] = p['2.weight'].grad!.data()[j];
  }
  auto[3 * HIDDEN] = p['2.bias'].grad!.data()[0];
  return { maxAbs: maxAbsDiff(hand, auto), largest: Math.max(...hand.map(Math.abs)) };
}

// ---- small numerics ----

const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
const std = (v: ArrayLike<number>, m: number) => Math.sqrt(Array.from(v).reduce((a, b) => a + (b - m) ** 2, 0) / v.length) || 1;
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// ---- figures ----

function dataScatter(d: Ps5Data): Chart {
  const cls = (c: number): ScatterClass => {
    const idx = Array.from(d.label.keys()).filter((i) => d.label[i] === c);
    return { name: `class = ${c}`, x: idx.map((i) => d.x1[i]), y: idx.map((i) => d.x2[i]), color: CLASS_COLORS[c] };
  };
  return scatterChart({ title: 'PS5 data', x: { label: 'x_1' }, y: { label: 'x_2' }, classes: [cls(1), cls(0)], legend: 'top-right', width: 700, height: 520 });
}

function lossPanels(title: string, runs: Array<{ name: string; trace: Trace; dash?: number[]; color?: string }>, epochs: number): Chart {
  const chart = (which: 'train' | 'test', label: string) => lineChart({
    title: label, x: { label: 'epoch', domain: [0, epochs] }, y: { label: 'loss' },
    series: runs.map((r): LineSeries => ({ ...divergingCurve(r.name, r.trace[which], { x: r.trace.epochs }), dash: r.dash, color: r.color })),
    legend: 'top-right', width: 620, height: 440,
  });
  return panels({ title, charts: [chart('train', 'Training loss'), chart('test', 'Test loss')] });
}

function lossFigure(q2: Trace, q3: Trace, epochs: number): Chart {
  return lossPanels('E = ½ Σ (y − ŷ)² per epoch: Q2 by hand vs Q3 autodiff', [
    { name: 'Q2: gradients by hand', trace: q2, color: '#222222' },
    { name: 'Q3: autodiff', trace: q3, dash: [7, 5], color: '#f28e2b' },
  ], epochs);
}

interface MapGrid { x: [number, number]; y: [number, number]; n: number }

/** The data's extent, padded by 5 %, sampled n × n (the seed used 100 × 100). */
function mapGrid(d: Ps5Data, n = 100): MapGrid {
  const range = (v: Float64Array): [number, number] => {
    const lo = Math.min(...v), hi = Math.max(...v), pad = 0.05 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  return { x: range(d.x1), y: range(d.x2), n };
}

/** [n², 3] grid points in row-major order of y then x, with a column of ones: (1, f(x_1, x_2)). */
function gridTensor(g: MapGrid, f: (a: number, b: number) => [number, number]): Tensor {
  const out = new Float32Array(3 * g.n * g.n);
  for (let j = 0; j < g.n; j++) {
    for (let i = 0; i < g.n; i++) {
      const a = g.x[0] + ((g.x[1] - g.x[0]) * i) / (g.n - 1);
      const b = g.y[0] + ((g.y[1] - g.y[0]) * j) / (g.n - 1);
      out.set([1, ...f(a, b)], 3 * (j * g.n + i));
    }
  }
  return tensor(out, { shape: [g.n * g.n, 3] });
}

/** Dummy targets for evaluating the by-hand network on the grid (only ŷ is used). */
const standardGridTargets = (g: MapGrid) => tensor(new Float32Array(g.n * g.n), { shape: [g.n * g.n, 1] });

function mapChart(title: string, g: MapGrid, values: Float64Array, d: Ps5Data, bar: string): Chart {
  const cls = (c: number): ScatterClass => {
    const idx = Array.from(d.label.keys()).filter((i) => d.label[i] === c);
    return { name: `class ${c}`, x: idx.map((i) => d.x1[i]), y: idx.map((i) => d.x2[i]), color: c === 1 ? '#b2182b' : '#2166ac' };
  };
  // Round levels: 0.05 apart on [0, 1] for a sigmoid output, 0.1 apart (clipped to [−1.5, 2.5]) for a linear one.
  let lo = Math.min(0, ...values), hi = Math.max(1, ...values);
  [lo, hi] = [Math.max(lo, -1.5), Math.min(hi, 2.5)];
  const step = hi - lo > 1.2 ? 0.1 : 0.05;
  const k0 = Math.floor(lo / step + 1e-9), k1 = Math.ceil(hi / step - 1e-9);
  [lo, hi] = [k0 * step, k1 * step];
  const levels = Array.from({ length: k1 - k0 + 1 }, (_, k) => Number(((k0 + k) * step).toFixed(2)));
  return contourChart({
    title, x: { label: 'x_1' }, y: { label: 'x_2' },
    grid: { x: g.x, y: g.y, nx: g.n, ny: g.n, values: values.map((v) => Math.min(hi, Math.max(lo, v))) },
    levels, colormap: 'rdbu', colorbar: bar, points: [cls(1), cls(0)], legend: 'top-right', width: 640, height: 500,
  });
}

// ---- report text ----

function seedReview(accQ2: number, accSeed: number): string {
  const pct = (a: number) => `${(100 * a).toFixed(1)} %`;
  return [
    '## Why the seed\'s Q3 "failed to reproduce a trained network"',
    '',
    'The seed trained the same architecture twice and got two different maps. Run side by side, four differences show up, none of them in autodiff:',
    '',
    '1. **The map of Q3 fed raw inputs to a network trained on standardised ones.** `grid_tensor` holds x_1 ∈ [−6, −4] and x_2 ∈ [−900, 1035] as they are; ' +
    'the network saw inputs of mean 0 and std 1. With |x_2| in the hundreds every hidden sigmoid is pinned at 0 or 1, so the map is a few flat bands whatever the weights. ' +
    'Drawn that way (bottom left of the maps figure) our copy of the seed\'s Q3 looks broken too; drawn on the standardised grid (bottom right) it separates the classes: ' +
    `${pct(accSeed)} test accuracy against ${pct(accQ2)} for Q2.`,
    '2. **No output sigmoid, and the 0/1 labels standardised** (`y = (Y − Y_mean)/Y_std`): Q3 regressed shifted labels with a linear output instead of predicting a probability. ' +
    'It still ranks the points, but its decision threshold is the standardised 0.5, not 0, and its loss is `MSELoss(reduction=\'sum\')` (no ½) on targets of variance 1: ' +
    'its loss curve cannot be compared with Q2\'s.',
    '3. **Different initial weights.** Q2 drew its 29 weights from N(0, 1) with `np.random.seed(0)`; Q3 used PyTorch\'s default initialisation. ' +
    'Even a correct Q3 would not have followed Q2\'s curve. Here Q3 starts from Q2\'s 29 numbers, and the two runs end within float32 rounding of each other.',
    '4. **Smaller slips.** Q2\'s map standardised the grid with the grid\'s own mean and std instead of the data\'s (right only because the grid was drawn around the data), ' +
    'and the inputs were standardised with all rows before the split, so the test rows leaked into the scaling (here: training rows only).',
    '',
    'The seed also read its rising Q3 curve as a convergence problem; the printed numbers are the *test* loss (`print(t, test_loss.item())`), and a rising test loss with a falling training loss is over-fitting, not a failure to train.',
  ].join('\n');
}

function formulasSection(): string {
  const rows = [];
  for (let j = 1; j <= HIDDEN; j++) {
    rows.push(`| h${j} | w${j} | w${HIDDEN + j} | w${2 * HIDDEN + j} | w${3 * HIDDEN + 1 + j} | Σ s·w${3 * HIDDEN + 1 + j}·β${j}(1−β${j})·{1, x_1, x_2} | Σ s·β${j} |`);
  }
  return [
    '## The 29 gradients by hand (Q2)',
    '',
    'With s = (ŷ − y)·ŷ·(1 − ŷ) per row and β_j = σ(w_j + w_(7+j)·x_1 + w_(14+j)·x_2): ∂E/∂w22 = Σ s, and for each hidden neuron j:',
    '',
    '| neuron | bias → h | x_1 → h | x_2 → h | h → ŷ | ∂E/∂(bias, x_1, x_2 weights) | ∂E/∂(h → ŷ) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Vectorised over the rows these are βaᵀ·s for w22..w29 and [1, x]ᵀ·δ_h with δ_h = (s·w23..29) ⊙ β ⊙ (1 − β) for w1..w21. ' +
    'They are computed with `matmul`, `sigmoid`, `mul`, `sub` on tensors that do not require gradients, inside `noGrad()`: no tape is recorded, ' +
    'and the weights are updated in place with `sub_` (ManualNetwork in cli/experiments/backprop/ps5-network.ts).',
  ].join('\n');
}
