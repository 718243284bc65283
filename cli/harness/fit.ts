// ctx.fit: the training loop of bindings/train (trainEpoch, evaluate) with what an experiment
// needs around it: a progress bar on the run's console, a per-epoch history saved in
// results.json, divergence detection (a non-finite or exploding loss stops the run and is
// reported, not thrown), optional early stopping, epoch times kept with the timings, and the
// standard figures (learning curves, confusion matrix, misclassified images).
import { noGrad, type Tensor } from '../../bindings/index.js';
import type { Module } from '../../bindings/nn/index.js';
import type { LRScheduler, Optimizer } from '../../bindings/optim/index.js';
import { type EvaluateResult, type LossFn, evaluate, trainEpoch } from '../../bindings/train/index.js';
import type { Run } from '../output.js';
import type { Json, Settings } from '../registry.js';
import { type EpochRecord, type ImageSet, confusionFigure, learningCurves, misclassifiedGrid } from './figures.js';

type Batches = Iterable<Tensor[]> & { length?: number; shuffle?: boolean };

export interface FitFigures {
  /** Learning curves (default true). */
  curves?: boolean;
  /** Confusion matrix of the final test evaluation (default true; needs `test`). */
  confusion?: boolean;
  /** The test images in loader order: draws the grid of misclassified ones. */
  images?: ImageSet;
  /** How many misclassified images at most (default 40). */
  misclassified?: number;
  classes?: string[];
}

export interface FitSpec {
  /** Key under results.json `results.training`, prefix of figure names and timing labels. Default 'model'. */
  name?: string;
  /** Shown in figure titles and progress (default: name). */
  title?: string;
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  loss: LossFn;
  train: Batches;
  /** Evaluated after every epoch (eval mode, no gradients). Must not shuffle when `images` is given. */
  test?: Batches;
  /** Also evaluated after every epoch, e.g. the whole training set in eval mode (double descent). */
  trainEval?: Batches;
  /** A validation split, evaluated after every epoch (valLoss, valAccuracy): choose settings by it, not by test. */
  validation?: Batches;
  epochs: number;
  scheduler?: LRScheduler<any>;
  /** Classification: running training accuracy and test accuracy (default true). */
  accuracy?: boolean;
  /** A batch loss above explode × the first batch's counts as divergence (a non-finite one always does). */
  explode?: number;
  /** Stop after an epoch for which this returns true (e.g. zero training error). */
  stopWhen?: (epoch: EpochRecord) => boolean;
  onEpoch?: (epoch: EpochRecord) => void;
  /** After every optimiser step, gradients still in place (e.g. to measure their norms). */
  onBatch?: (batch: number, loss: number) => void;
  /** 'batches': a bar per epoch (default); 'epochs': one bar for the whole run; false: silent. */
  progress?: 'batches' | 'epochs' | false;
  /** true or options: the standard figures. Default none. */
  figures?: boolean | FitFigures;
}

export interface FitResult {
  name: string;
  history: EpochRecord[];
  /** The last completed epoch (epoch 0 with NaN losses when the very first epoch diverged). */
  final: EpochRecord;
  /** Where training diverged, or null. */
  diverged: { epoch: number; batch: number; loss: number } | null;
  /** The epoch after which stopWhen said stop, or null. */
  stoppedAt: number | null;
  /** The final test evaluation, with per-example predictions. */
  test: EvaluateResult | null;
  epochSeconds: number[];
}

class Diverged extends Error {
  constructor(readonly batch: number, readonly loss: number) {
    super('diverged');
  }
}

export async function fitExperiment<S extends Settings>(run: Run<S>, spec: FitSpec): Promise<FitResult> {
  const ctx = run.ctx;
  const name = spec.name ?? 'model';
  const title = spec.title ?? spec.name ?? 'Training';
  // Inside a sweep item the result goes back through the item; figures there would be lost on merge.
  const recording = run.guard.phase === 'run' || run.guard.phase === 'report';
  const figures: FitFigures | null = spec.figures === true ? {} : spec.figures ? spec.figures : null;
  if (figures && !recording) throw new Error(`${ctx.id}: ctx.fit figures for '${name}' inside a sweep item or before ctx.sweep; draw them in sweep.report`);
  if (!(Number.isInteger(spec.epochs) && spec.epochs >= 0)) throw new RangeError(`ctx.fit '${name}': epochs must be a non-negative integer, got ${spec.epochs}`);
  if (figures?.images && spec.test?.shuffle) throw new Error(`ctx.fit '${name}': the test loader shuffles, so its predictions cannot be matched with figures.images`);
  const classify = spec.accuracy !== false;
  const mode = spec.progress ?? 'batches';

  // Running training accuracy, counted from the outputs the step computes anyway.
  let correct = 0;
  let seen = 0;
  const lossFn: LossFn = (out, y) => {
    const l = spec.loss(out, y);
    if (classify && out.ndim === 2 && out.shape[1] > 1) {
      // Counted in wasm and read back once: one synchronisation per step, not one per array.
      correct += noGrad(() => out.argmax(1).eq(y.ndim === 2 ? y.argmax(1) : y).sum().item());
      seen += out.shape[0];
    }
    return l;
  };

  const history: EpochRecord[] = [];
  const epochSeconds: number[] = [];
  let diverged: FitResult['diverged'] = null;
  let stoppedAt: number | null = null;
  let firstLoss: number | undefined;
  const epochBar = mode === 'epochs' ? ctx.progress(title, spec.epochs) : null;
  for (let epoch = 1; epoch <= spec.epochs; epoch++) {
    const lr = spec.optimizer.paramGroups[0].lr;
    correct = 0;
    seen = 0;
    const bar = mode === 'batches' ? ctx.progress(`${title} epoch ${epoch}/${spec.epochs}`, spec.train.length ?? 0) : null;
    const t0 = performance.now();
    let trainLoss: number;
    try {
      trainLoss = trainEpoch(spec.model, spec.train, spec.optimizer, lossFn, {
        progress: (p) => {
          firstLoss ??= p.loss;
          if (!Number.isFinite(p.loss) || (spec.explode !== undefined && Math.abs(p.loss) > spec.explode * Math.abs(firstLoss))) throw new Diverged(p.batch, p.loss);
          bar?.update(p.batch, { loss: p.meanLoss });
        },
        onBatch: spec.onBatch ? (p) => spec.onBatch!(p.batch, p.loss) : undefined,
      }).loss;
    } catch (e) {
      if (!(e instanceof Diverged)) throw e;
      bar?.done();
      diverged = { epoch, batch: e.batch, loss: e.loss };
      ctx.log(`${title}: diverged in epoch ${epoch}, batch ${e.batch} (loss ${e.loss})`);
      break;
    }
    spec.scheduler?.step();
    const record: EpochRecord = { epoch, lr, trainLoss };
    if (classify && seen > 0) record.trainAccuracy = correct / seen;
    if (spec.trainEval) {
      const r = evaluate(spec.model, spec.trainEval, { lossFn: spec.loss });
      record.trainEvalLoss = r.loss;
      if (classify) record.trainEvalAccuracy = r.accuracy;
    }
    if (spec.validation) {
      const r = evaluate(spec.model, spec.validation, { lossFn: spec.loss });
      record.valLoss = r.loss;
      if (classify) record.valAccuracy = r.accuracy;
    }
    if (spec.test) {
      const r = evaluate(spec.model, spec.test, { lossFn: spec.loss });
      record.testLoss = r.loss;
      if (classify) record.testAccuracy = r.accuracy;
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    history.push(record);
    bar?.done({ loss: trainLoss });
    epochBar?.tick(1, summaryFields(record));
    if (mode === 'batches') ctx.log(`${title} epoch ${epoch}/${spec.epochs}: ${summaryLine(record)} (${epochSeconds[epoch - 1].toFixed(1)} s)`);
    spec.onEpoch?.(record);
    if (spec.stopWhen?.(record)) {
      stoppedAt = epoch;
      break;
    }
  }
  epochBar?.done();
  const test = spec.test && history.length > 0
    ? evaluate(spec.model, spec.test, { lossFn: spec.loss, predictions: true, numClasses: figures?.classes?.length ?? 10 })
    : null;
  const final = history[history.length - 1] ?? { epoch: 0, lr: spec.optimizer.paramGroups[0].lr, trainLoss: NaN };
  const result: FitResult = { name, history, final, diverged, stoppedAt, test, epochSeconds };

  if (recording) {
    const training = (run.results.training ??= {}) as Record<string, Json>;
    if (training[name]) throw new Error(`${ctx.id}: ctx.fit name '${name}' is used twice; give each fit its own name`);
    training[name] = {
      history: history as unknown as Json,
      diverged: diverged as unknown as Json,
      stoppedAt,
      ...(test && classify ? { testAccuracy: test.accuracy, testLoss: test.loss } : {}),
    };
    ctx.timing(`${name}: seconds per epoch`, epochSeconds);
  }
  if (figures) drawFigures(run, spec, result, figures, title);
  return result;
}

function drawFigures<S extends Settings>(run: Run<S>, spec: FitSpec, r: FitResult, f: FitFigures, title: string): void {
  const ctx = run.ctx;
  const prefix = spec.name ? `${spec.name}-` : '';
  if (f.curves !== false && r.history.length > 0) {
    ctx.figure(`${prefix}learning-curves`, learningCurves(r.history, `${title}: learning curves`), {
      caption: r.diverged ? `Training diverged in epoch ${r.diverged.epoch}; the curves stop at the last finite epoch.` : undefined,
    });
  }
  if (!r.test) return;
  if (f.confusion !== false) {
    ctx.figure(`${prefix}confusion`, confusionFigure(r.test.confusion, `${title}: confusion matrix on ${r.test.n.toLocaleString('en-US')} test images`, f.classes), {
      caption: 'Rows: true class; columns: predicted class; shading: fraction of the true class.',
    });
  }
  if (f.images && r.test.predicted && r.test.labels) {
    const grid = misclassifiedGrid(f.images, r.test.labels, r.test.predicted, r.test.confidence, {
      title: `${title}: misclassified test images`, max: f.misclassified ?? 40, classes: f.classes,
    });
    ctx.figure(`${prefix}misclassified`, grid.chart, {
      caption: `The first ${grid.shown.length} of ${grid.count} misclassified test images, captioned true → predicted (softmax probability of the prediction).`,
    });
  }
}

function summaryFields(e: EpochRecord): Record<string, number> {
  const f: Record<string, number> = { loss: e.trainLoss };
  if (e.testAccuracy !== undefined) f['test acc'] = e.testAccuracy;
  return f;
}

function summaryLine(e: EpochRecord): string {
  const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
  const parts = [`train loss ${e.trainLoss.toFixed(4)}`];
  if (e.trainAccuracy !== undefined) parts.push(`acc ${pct(e.trainAccuracy)}`);
  if (e.testLoss !== undefined) parts.push(`| test loss ${e.testLoss.toFixed(4)}`);
  if (e.testAccuracy !== undefined) parts.push(`acc ${pct(e.testAccuracy)}`);
  return parts.join(' ');
}
