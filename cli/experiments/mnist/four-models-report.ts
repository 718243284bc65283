// Figures and tables of the four-model experiments (seed 004 parts 1 and 2): the runs of one
// (model, learning rate) each, the choice of learning rate and stopping epoch by validation
// error, error curves, confusion matrices and the error table beside the seed's.
import { confusionFigure, divergingCurve } from '../../harness/index.js';
import { lineChart, panels, type Chart, type LineSeries } from '../../plot/index.js';
import { MODEL_TITLES, SEED_PART1, SEED_PART2, type ModelKey } from './four-models.js';

/** One (model, learning rate) training run, as a sweep item returns it. */
export interface ModelRun {
  model: ModelKey;
  lr: number;
  epochs: number[];
  /** Running error over each epoch's batches (the model changes during the epoch). */
  trainError: number[];
  valError: number[];
  testError: number[];
  trainLoss: number[];
  /** Epoch in which the loss became non-finite, or null. */
  diverged: number | null;
  /** The epoch of lowest validation error, and the model at that epoch on the whole training and test sets. */
  best: { epoch: number; valError: number; trainError: number; testError: number; testLoss: number };
  /** Test-set confusion matrix of the model at best.epoch. */
  confusion: number[][];
}

/** The run of lowest validation error; among equals the first (the larger learning rate). */
export function pickBest(runs: ModelRun[]): ModelRun {
  return runs.reduce((a, b) => (b.best.valError < a.best.valError ? b : a));
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const LR_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];

/** Error (log axis) per epoch of the chosen run of each model: running training, validation, test. */
export function errorCurvesFigure(best: ModelRun[], title: string): Chart {
  const charts = best.map((r) => {
    const positive = (v: number[]) => v.map((e) => Math.max(e, 1e-5));
    const series: LineSeries[] = [
      { ...divergingCurve('training (running)', positive(r.trainError), { x: r.epochs }), color: '#4e79a7' },
      { ...divergingCurve('validation', positive(r.valError), { x: r.epochs }), color: '#f28e2b' },
      { ...divergingCurve('test', positive(r.testError), { x: r.epochs }), color: '#e15759' },
    ];
    return lineChart({
      title: `${MODEL_TITLES[r.model]}, lr ${r.lr}`,
      x: { label: 'epoch' }, y: { label: 'error', scale: 'log' }, series,
      vlines: [{ at: r.best.epoch, label: `stop: epoch ${r.best.epoch}` }],
      legend: 'bottom-left', width: 620, height: 440,
    });
  });
  return panels({ title, charts, cols: 2 });
}

/** Validation error per epoch of every learning rate, one panel per model. */
export function validationFigure(models: ModelKey[], runs: ModelRun[], title: string): Chart {
  const charts = models.map((m) => lineChart({
    title: MODEL_TITLES[m],
    x: { label: 'epoch' }, y: { label: 'validation error', scale: 'log' },
    series: runs.filter((r) => r.model === m).map((r, i) => ({
      ...divergingCurve(`lr ${r.lr}`, r.valError, { x: r.epochs }), color: LR_COLORS[i % LR_COLORS.length],
    })),
    legend: 'bottom-left', width: 620, height: 440,
  }));
  return panels({ title, charts, cols: 2 });
}

export function confusionPanels(best: ModelRun[], title: string): Chart {
  return panels({
    title,
    charts: best.map((r) => confusionFigure(r.confusion, `${MODEL_TITLES[r.model]}: test error ${pct(r.best.testError)}, epoch ${r.best.epoch}`)),
    cols: 2,
  });
}

/** The seed's error table with our numbers beside it, and the validation error of every run. */
export function errorTable(best: ModelRun[], runs: ModelRun[], part: 'part1' | 'part2'): string {
  const seedOf = (m: ModelKey) => (part === 'part1' ? SEED_PART1[m] : SEED_PART2[m]);
  const seedText = (m: ModelKey, f: (s: NonNullable<ReturnType<typeof seedOf>>) => string) => {
    const s = seedOf(m);
    return s ? f(s) : 'not achieved';
  };
  const rows = best.map((r) => `| ${MODEL_TITLES[r.model]} | ${r.lr} | ${r.best.epoch} | ${r.best.trainError.toFixed(5)} | ${r.best.testError.toFixed(5)} | ` +
    `${seedText(r.model, (s) => `${s.lr}`)} | ${seedText(r.model, (s) => `${s.epoch}`)} | ${seedText(r.model, (s) => s.trainError.toFixed(5))} | ${seedText(r.model, (s) => s.testError.toFixed(5))} |`);
  const lrs = [...new Set(runs.map((r) => r.lr))];
  const models = [...new Set(runs.map((r) => r.model))].sort();
  const cell = (m: ModelKey, lr: number) => {
    const r = runs.find((x) => x.model === m && x.lr === lr);
    if (!r) return '—';
    const d = r.diverged !== null ? ` (diverged in epoch ${r.diverged})` : '';
    return `${pct(r.best.valError)} @ ${r.best.epoch}${d}`;
  };
  return [
    '## Error table',
    '',
    '| model | lr | stopping epoch | training error | test error | seed: lr | seed: epoch | seed: training error | seed: test error |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Training error: the model at the stopping epoch on every training image that was not held out for validation.',
    '',
    '### Lowest validation error of every run (and its epoch)',
    '',
    `| model | ${lrs.map((lr) => `lr ${lr}`).join(' | ')} |`,
    `|---|${lrs.map(() => '---').join('|')}|`,
    ...models.map((m) => `| ${MODEL_TITLES[m]} | ${lrs.map((lr) => cell(m, lr)).join(' | ')} |`),
  ].join('\n');
}
