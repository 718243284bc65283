// Seed 003, exercise 2.3: self-organising maps. (1) A 4×4 SOM on two moons, its units started at
// random in [−1, 1]² as the seed describes, after several numbers of iterations. (2) Iris on a
// 7×7 map: the U-matrix and the samples on the map. (3) A 1×3 SOM as a clustering of Iris, scored
// by normalised mutual information. (4) A 4×4 SOM as a classifier: each unit takes the majority
// label of the training samples it wins (a unit that wins none takes the most common class).
import { imageGrid, lineChart, panels, scatterChart, type LineSeries } from '../../plot/index.js';
import { table } from '../../output.js';
import { register } from '../../registry.js';
import { Som, type SomOptions } from './som-map.js';
import { classificationReport, fitScaler, iris, nmi, split, twoMoons, uniform } from './tabular.js';
import { randn } from '../../../bindings/index.js';

const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#59a14f'];

/** Points as a marker-only series (NaN between points: no connecting lines). */
const dots = (name: string, pts: number[][], color: string): LineSeries => ({
  name, color, marker: 'circle', lineWidth: 0.01,
  x: pts.flatMap((p) => [p[0], NaN]), y: pts.flatMap((p) => [p[1], NaN]),
});

/** The map's grid: every unit joined to its right and lower neighbour. */
function gridLines(w: number[][], rows: number, cols: number): LineSeries {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const u = i * cols + j;
    for (const v of [j + 1 < cols ? u + 1 : -1, i + 1 < rows ? u + cols : -1]) {
      if (v >= 0) x.push(w[u][0], w[v][0], NaN), y.push(w[u][1], w[v][1], NaN);
    }
  }
  return { name: 'SOM units and grid', x, y, color: '#d62728', marker: 'square', lineWidth: 1.5 };
}

register({
  id: 'som',
  family: 'classic',
  title: 'Self-organising maps: two moons, the Iris U-matrix, clustering and classification',
  seed: '003 "Artificial neural networks", exercise 2.3',
  description:
    'MiniSom\'s training rule with engine ops (one random sample per iteration; σ and η decay as x/(1 + t/(T/2))). ' +
    'Two moons (noise 0.1) on a 4×4 map for several iteration counts, units started uniformly in [−1, 1]²; Iris (standardised) on a 7×7 map ' +
    '(U-matrix, samples on the map), units started near the origin; a 1×3 map as three clusters (NMI; the seed\'s best setting: Gaussian, σ 1, η 0.1); ' +
    'a 4×4 map as a classifier (the seed\'s setting: triangle, σ 2, η 0.5) trained on 120 flowers and tested on 30.',
  settings: {
    moons: { points: 400, noise: 0.1, sigma: 1, lr: 0.5, iterations: [10, 100, 500, 1000] },
    irisMap: { rows: 7, cols: 7, sigma: 3, lr: 0.5, neighborhood: 'triangle' },
    clusters: { sigma: 1, lr: 0.1, neighborhood: 'gaussian' },
    classifier: { sigma: 2, lr: 0.5, neighborhood: 'triangle', testSamples: 30 },
    /** Iterations of each Iris map. */
    irisIterations: 1000,
  },
  quick: { moons: { points: 200, noise: 0.1, sigma: 1, lr: 0.5, iterations: [10, 60] }, irisIterations: 150 },
  async run(ctx) {
    const s = ctx.settings;

    // ---- (1) two moons on a 4×4 map ----
    const moons = twoMoons(s.moons.points, s.moons.noise);
    const start = Array.from({ length: 16 }, () => uniform(2, -1, 1));
    const moonPanels = s.moons.iterations.map((iters) => {
      const som = new Som({ rows: 4, cols: 4, sigma: s.moons.sigma, lr: s.moons.lr, neighborhood: 'gaussian' }, start);
      som.train(moons.X, iters);
      const w = som.weightRows();
      return { iters, w, qe: som.quantizationError(moons.X) };
    });
    ctx.figure('moons', panels({
      title: '4×4 SOM on two moons after T iterations',
      charts: moonPanels.map((p) => lineChart({
        title: `T = ${p.iters} (quantisation error ${p.qe.toFixed(3)})`,
        x: { label: 'x₁', domain: [-1.6, 2.6] }, y: { label: 'x₂', domain: [-1.2, 1.6] },
        series: [
          ...moons.classes.map((c, k) => dots(c, moons.X.filter((_, i) => moons.y[i] === k), k ? '#9ecae9' : '#c7c7c7')),
          gridLines(p.w, 4, 4),
        ],
        legend: 'none',
      })),
      cols: Math.min(4, moonPanels.length), panelWidth: 420, panelHeight: 340,
    }), { data: false, caption: 'Red: the units, joined along the map\'s grid. Units between the moons are not idle: every unit moves at every step (the Gaussian neighbourhood is never zero); they sit between clusters because the map is a connected sheet whose neighbours lie on both moons.' });
    ctx.result('moons', moonPanels.map((p) => ({ iterations: p.iters, quantizationError: p.qe, units: p.w })));
    ctx.keyNumber(`two moons: quantisation error after ${moonPanels.at(-1)!.iters} iterations`, moonPanels.at(-1)!.qe);

    // ---- (2) Iris on a 7×7 map: U-matrix and samples ----
    const data = iris();
    const scaler = fitScaler(data.X);
    const Xs = scaler.apply(data.X);
    const initFrom = (rows: number[][], units: number) => {
      const pick = Array.from(randn(units * 4).data());
      return Array.from({ length: units }, (_, u) => rows[0].map((_, j) => 0.1 * pick[u * 4 + j]));
    };
    const im = s.irisMap;
    const mapSom = new Som({ ...im, neighborhood: im.neighborhood as SomOptions['neighborhood'] }, initFrom(Xs, im.rows * im.cols));
    mapSom.train(Xs, s.irisIterations);
    const u = mapSom.uMatrix();
    const win = mapSom.winners(Xs);
    const jitter = Array.from(randn(Xs.length * 2).data(), (v) => 0.15 * v);
    ctx.figure('iris-map', panels({
      title: `Iris on a ${im.rows}×${im.cols} SOM`,
      charts: [
        imageGrid({ title: 'U-matrix (light = far from neighbours)', images: [{ pixels: u.flat(), caption: 'rows ↓, columns →' }], imageWidth: im.cols, imageHeight: im.rows, zoom: 50, colormap: 'viridis' }),
        scatterChart({
          title: 'Samples at their winning unit (jittered)',
          // Map row 0 at the top, as in the U-matrix image.
          x: { label: 'map column', domain: [-0.7, im.cols - 0.3] },
          y: { label: 'map row', domain: [-0.7, im.rows - 0.3], ticks: Array.from({ length: im.rows }, (_, r) => ({ value: im.rows - 1 - r, label: String(r) })) },
          classes: data.classes.map((c, k) => ({
            name: c, color: CLASS_COLORS[k],
            x: win.flatMap((w, i) => (data.y[i] === k ? [(w % im.cols) + jitter[2 * i]] : [])),
            y: win.flatMap((w, i) => (data.y[i] === k ? [im.rows - 1 - Math.floor(w / im.cols) + jitter[2 * i + 1]] : [])),
          })),
        }),
      ],
      panelWidth: 520, panelHeight: 460,
    }), { caption: 'The seed\'s Figs. 15 and 16. Light U-matrix cells are units far from their neighbours: the borders between groups of flowers.' });
    ctx.result('irisUMatrix', u);

    // ---- (3) a 1×3 map as a clustering ----
    const cl = s.clusters;
    const clusterSom = new Som({ rows: 1, cols: 3, sigma: cl.sigma, lr: cl.lr, neighborhood: cl.neighborhood as SomOptions['neighborhood'] }, initFrom(Xs, 3));
    clusterSom.train(Xs, s.irisIterations);
    const cluster = clusterSom.winners(Xs);
    const score = nmi(data.y, cluster);
    ctx.keyNumber('Iris 1×3 SOM clustering: NMI with the species', score, { seed: 0.813 });
    const cw = clusterSom.weightRows();
    // The two petal features (standardised) separate the species best; the seed plots clusters with centroids marked ×.
    ctx.figure('iris-clusters', scatterChart({
      title: `1×3 SOM clusters of Iris (NMI ${score.toFixed(3)})`,
      x: { label: 'petal length (standardised)' }, y: { label: 'petal width (standardised)' },
      classes: [
        ...[0, 1, 2].map((c) => ({ name: `cluster ${c + 1}`, color: CLASS_COLORS[c], x: Xs.filter((_, i) => cluster[i] === c).map((r) => r[2]), y: Xs.filter((_, i) => cluster[i] === c).map((r) => r[3]) })),
        { name: 'unit weights', color: '#000000', marker: 'cross' as const, x: cw.map((w) => w[2]), y: cw.map((w) => w[3]) },
      ],
    }), { caption: 'The seed\'s Fig. 17.' });

    // ---- (4) a 4×4 map as a classifier ----
    const cf = s.classifier;
    const { train, test } = split({ ...data, X: Xs }, cf.testSamples);
    const clsSom = new Som({ rows: 4, cols: 4, sigma: cf.sigma, lr: cf.lr, neighborhood: cf.neighborhood as SomOptions['neighborhood'] }, initFrom(Xs, 16));
    clsSom.train(train.X, s.irisIterations);
    const trainWin = clsSom.winners(train.X);
    const votes = Array.from({ length: 16 }, () => [0, 0, 0]);
    trainWin.forEach((w, i) => votes[w][train.y[i]]++);
    const counts = [0, 1, 2].map((c) => train.y.filter((y) => y === c).length);
    const fallback = counts.indexOf(Math.max(...counts));
    const unitLabel = votes.map((v) => (v.some((x) => x > 0) ? v.indexOf(Math.max(...v)) : fallback));
    const predicted = clsSom.winners(test.X).map((w) => unitLabel[w]);
    const rep = classificationReport(test.y, predicted, data.classes);
    ctx.keyNumber(`Iris 4×4 SOM classifier: accuracy on ${test.y.length} test flowers`, rep.accuracy, { seed: 1.0 });
    ctx.keyNumber('units that won no training sample', votes.filter((v) => v.every((x) => x === 0)).length);
    ctx.section(`### Classification report of the 4×4 SOM (${test.y.length} test flowers)\n\n${table(['', 'precision', 'recall', 'f1-score', 'support'], rep.rows)}\n\n` +
      'The seed\'s report: precision, recall and f1 all 1.00 on 30 flowers (supports 11, 13, 6). With 30 test flowers one error is 3.3 points of accuracy.');
    ctx.result('classifier', { unitLabel, votes, predicted, truth: test.y });
  },
});
