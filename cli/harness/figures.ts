// The standard figures of a training run: learning curves (one run or many), the confusion
// matrix and a captioned grid of misclassified images. ctx.fit draws them for one model;
// experiments that compare runs (learning-rate sweeps) call them with several histories.
import { confusionMatrix } from '../plot/confusion.js';
import { imageGrid, type GridImage } from '../plot/images.js';
import type { LegendPosition } from '../plot/legend.js';
import { lineChart, type LineSeries } from '../plot/line.js';
import { panels } from '../plot/panels.js';
import type { Chart } from '../plot/types.js';
import { divergingCurve } from './curves.js';

/** One epoch of a training run, as ctx.fit records it (every number is finite). */
export interface EpochRecord {
  epoch: number;
  /** Learning rate used during this epoch. */
  lr: number;
  /** Mean training loss over the epoch's batches (train mode, as they were trained). */
  trainLoss: number;
  /** Running training accuracy over the epoch's batches (classification only). */
  trainAccuracy?: number;
  /** Loss and accuracy on `trainEval` after the epoch (eval mode), when given. */
  trainEvalLoss?: number;
  trainEvalAccuracy?: number;
  /** Loss and accuracy on the validation split after the epoch, when given. */
  valLoss?: number;
  valAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
}

/** Images for grids: n images of channels × height × width values (planar), in `range`. */
export interface ImageSet {
  pixels: ArrayLike<number>;
  width: number;
  height: number;
  /** 1 (grey, default) or 3 (RGB, planar). */
  channels?: 1 | 3;
  /** Intensity range shown black to white (default [0, 1]). */
  range?: [number, number];
}

export interface RunHistory {
  name: string;
  history: EpochRecord[];
  color?: string;
  /** Where ctx.fit stopped the run because its loss diverged (FitResult.diverged): the history
   * holds only the finished epochs, so the legend says so from this. */
  diverged?: { epoch: number } | null;
}

type Metric = 'trainLoss' | 'trainAccuracy' | 'trainEvalLoss' | 'trainEvalAccuracy' | 'valLoss' | 'valAccuracy' | 'testLoss' | 'testAccuracy';

const METRIC_LABEL: Record<Metric, string> = {
  trainLoss: 'training loss',
  trainAccuracy: 'training accuracy (running)',
  trainEvalLoss: 'training loss',
  trainEvalAccuracy: 'training accuracy',
  valLoss: 'validation loss',
  valAccuracy: 'validation accuracy',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
};

export interface HistoryChartOptions {
  title: string;
  /** Log scale for the y axis (losses over decades). */
  log?: boolean;
  /** Dashed reference lines, e.g. the seed's reported accuracy. */
  hlines?: Array<{ at: number; label?: string }>;
  yLabel?: string;
  width?: number;
  height?: number;
  legend?: LegendPosition;
}

/**
 * One metric of several runs against epoch (e.g. test accuracy for every learning rate). A run
 * that diverged is drawn up to its last finite epoch and says so in the legend.
 */
export function historyChart(runs: RunHistory[], metric: Metric, options: HistoryChartOptions): Chart {
  const series: LineSeries[] = runs.map((r) => {
    const curve = divergingCurve(r.name, r.history.map((e) => e[metric] ?? NaN), {
      x: r.history.map((e) => e.epoch), color: r.color, marker: r.history.length <= 30 ? 'circle' : undefined,
    });
    return r.diverged && curve.divergedAt === null ? { ...curve, name: `${r.name} (diverged in epoch ${r.diverged.epoch})` } : curve;
  });
  // few epochs: one tick per epoch (automatic ticks would put one at 1.2, 1.4, ...)
  const last = Math.max(0, ...runs.flatMap((r) => r.history.map((e) => e.epoch)));
  const epochTicks = last > 0 && last <= 12 ? Array.from({ length: last }, (_, i) => ({ value: i + 1, label: String(i + 1) })) : undefined;
  return lineChart({
    title: options.title,
    x: { label: 'epoch', ...(epochTicks ? { ticks: epochTicks } : {}) },
    y: { label: options.yLabel ?? METRIC_LABEL[metric], ...(options.log ? { scale: 'log' as const } : {}) },
    series,
    hlines: options.hlines,
    legend: options.legend ?? (metric.endsWith('Accuracy') ? 'bottom-right' : 'top-right'),
    width: options.width,
    height: options.height,
  });
}

/** Loss and accuracy of one run, train beside test, per epoch (two panels). */
export function learningCurves(history: EpochRecord[], title: string): Chart {
  const has = (m: Metric) => history.some((e) => e[m] !== undefined);
  const line = (name: string, m: Metric, color: string, dash?: number[]): LineSeries[] => has(m)
    ? [{ ...divergingCurve(name, history.map((e) => e[m] ?? NaN), { x: history.map((e) => e.epoch) }), color, dash, marker: history.length <= 30 ? 'circle' : undefined }]
    : [];
  const loss = lineChart({
    title: 'Loss per epoch',
    x: { label: 'epoch' },
    y: { label: 'loss' },
    series: [
      ...line('train (mean over the epoch)', 'trainLoss', '#4e79a7', has('trainEvalLoss') ? [6, 4] : undefined),
      ...line('train (after the epoch)', 'trainEvalLoss', '#4e79a7'),
      ...line('validation', 'valLoss', '#f28e2b'),
      ...line('test', 'testLoss', '#e15759'),
    ],
    legend: 'top-right',
    width: 620,
    height: 440,
  });
  if (!has('trainAccuracy') && !has('testAccuracy') && !has('valAccuracy')) return panels({ title, charts: [loss] });
  const acc = lineChart({
    title: 'Accuracy per epoch',
    x: { label: 'epoch' },
    y: { label: 'accuracy' },
    series: [
      ...line('train (running)', 'trainAccuracy', '#4e79a7', has('trainEvalAccuracy') ? [6, 4] : undefined),
      ...line('train (after the epoch)', 'trainEvalAccuracy', '#4e79a7'),
      ...line('validation', 'valAccuracy', '#f28e2b'),
      ...line('test', 'testAccuracy', '#e15759'),
    ],
    legend: 'bottom-right',
    width: 620,
    height: 440,
  });
  return panels({ title, charts: [loss, acc] });
}

export function confusionFigure(matrix: number[][], title: string, classes?: string[]): Chart {
  return confusionMatrix({ title, matrix, labels: classes });
}

export interface MisclassifiedOptions {
  title: string;
  /** At most this many images (default 40), in data-set order. */
  max?: number;
  classes?: string[];
  cols?: number;
}

/**
 * The first misclassified examples, each captioned "true → predicted (probability)" in red.
 * `labels`, `predicted` and `confidence` are in the same order as the images.
 */
export function misclassifiedGrid(images: ImageSet, labels: ArrayLike<number>, predicted: ArrayLike<number>, confidence: ArrayLike<number> | undefined, options: MisclassifiedOptions): { chart: Chart; count: number; shown: number[] } {
  const name = (c: number) => options.classes?.[c] ?? String(c);
  const wrong: number[] = [];
  for (let i = 0; i < predicted.length; i++) if (labels[i] !== predicted[i]) wrong.push(i);
  const shown = wrong.slice(0, options.max ?? 40);
  const chart = captionedGrid(images, shown.map((i) => ({
    index: i,
    caption: `${name(labels[i])} → ${name(predicted[i])}${confidence ? ` (${confidence[i].toFixed(2)})` : ''}`,
    captionColor: '#c0392b',
  })), { title: options.title, cols: options.cols });
  return { chart, count: wrong.length, shown };
}

/** Chosen images of a set with a caption each (samples, reconstructions, misclassified digits). */
export function captionedGrid(images: ImageSet, picks: Array<{ index: number; caption?: string; captionColor?: string }>, options: { title: string; cols?: number; zoom?: number }): Chart {
  const c = images.channels ?? 1;
  const size = c * images.width * images.height;
  const n = Math.floor(images.pixels.length / size);
  const cells: GridImage[] = picks.map((p) => {
    if (!(p.index >= 0 && p.index < n)) throw new RangeError(`captionedGrid: image ${p.index} is outside the ${n} images`);
    const pixels = new Float32Array(size);
    for (let k = 0; k < size; k++) pixels[k] = images.pixels[p.index * size + k];
    return { pixels, caption: p.caption, captionColor: p.captionColor };
  });
  return imageGrid({
    title: options.title, images: cells, imageWidth: images.width, imageHeight: images.height,
    channels: c, range: images.range, cols: options.cols, zoom: options.zoom,
  });
}
