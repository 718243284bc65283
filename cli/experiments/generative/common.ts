// What the generative experiments (autoencoders, RBM/DBM, GANs, VAEs) share: MNIST as pixels in
// [0, 1] (or binarised), image grids from tensors, a training loop over batches with a progress
// bar for models whose step is not "loss of model(x) against y" (two networks, sampling in the
// loop), and linear interpolation between two latent points.
import { type Tensor, cat, noGrad, tensor } from '../../../bindings/index.js';
import { type ImageSet, captionedGrid, mnistLoaders } from '../../harness/index.js';
import type { Chart } from '../../plot/types.js';
import type { RunContext, Settings } from '../../registry.js';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

export interface PixelData {
  /** Batches [x, label] of flattened images [batch, 784], pixels in [0, 1] (or 0/1 when binarised). */
  train: Iterable<Tensor[]> & { length: number };
  /** The whole (reduced) training set as one tensor [n, 784], kept. */
  trainX: Tensor;
  /** The test images [m, 784] in the same scale, kept; and their labels. */
  testX: Tensor;
  testLabels: Uint8Array;
}

/**
 * MNIST flattened to 784 pixels in [0, 1] (ToTensor() without Normalize, as the course's
 * generative notebooks load it); `binarize` thresholds at 0.5 for Bernoulli visible units.
 */
export async function mnistPixels<S extends Settings>(ctx: RunContext<S>, options: { batchSize: number; train?: number; test?: number; binarize?: boolean; sample?: 'first' | 'random' }): Promise<PixelData> {
  const data = await mnistLoaders(ctx, {
    batchSize: options.batchSize, flatten: true, normalize: false, train: options.train, test: options.test, sample: options.sample ?? 'random',
  });
  let trainX = data.trainSet.tensors[0];
  let testX = data.testSet.tensors[0];
  if (options.binarize) {
    // The data set's own tensors are binarised in place, so the loader's batches are binary too.
    noGrad(() => {
      for (const t of [trainX, testX]) t.copy_(t.gt(0.5));
    });
  }
  trainX = trainX.keep();
  testX = testX.keep();
  return { train: data.train as PixelData['train'], trainX, testX, testLabels: data.testLabels };
}

/** Rows of a [n, c·h·w] (or [n, c, h, w]) tensor as an image set for grids. */
export function imagesOf(t: Tensor, options: { side?: number; channels?: 1 | 3; range?: [number, number] } = {}): ImageSet {
  const side = options.side ?? MNIST_SIDE;
  return { pixels: t.data(), width: side, height: side, channels: options.channels ?? 1, range: options.range ?? [0, 1] };
}

/** Every image of the tensor in a grid, captioned by `captions[i]` (or nothing). */
export function tensorGrid(t: Tensor, title: string, options: { captions?: string[]; cols?: number; side?: number; channels?: 1 | 3; range?: [number, number]; zoom?: number } = {}): Chart {
  const images = imagesOf(t, options);
  const n = t.shape[0];
  return captionedGrid(images, Array.from({ length: n }, (_, i) => ({ index: i, caption: options.captions?.[i] })), {
    title, cols: options.cols, zoom: options.zoom,
  });
}

/** Rows i of several [n, ...] tensors interleaved as grid rows: row r shows tensors[r] (e.g. input / reconstruction). */
export function stackRows(tensors: Tensor[]): Tensor {
  return noGrad(() => cat(tensors.map((t) => t.reshape([t.shape[0], -1])), 0));
}

/** λ from 0 to 1 in `steps` steps: (1 − λ)·z1 + λ·z2 for every λ, as rows [steps, d]. */
export function interpolate(z1: Tensor, z2: Tensor, steps: number): { z: Tensor; lambdas: number[] } {
  const lambdas = Array.from({ length: steps }, (_, i) => i / (steps - 1));
  const d = z1.size;
  const a = z1.data(), b = z2.data();
  const out = new Float32Array(steps * d);
  lambdas.forEach((l, r) => {
    for (let k = 0; k < d; k++) out[r * d + k] = (1 - l) * a[k] + l * b[k];
  });
  return { z: tensor(out, { shape: [steps, d] }), lambdas };
}

/** The mean of each number over an epoch's batches. */
export class EpochMeans<K extends string> {
  private sums = new Map<K, number>();
  private n = 0;
  add(values: Record<K, number>): void {
    for (const [k, v] of Object.entries(values) as [K, number][]) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
    this.n++;
  }
  means(): Record<K, number> {
    return Object.fromEntries([...this.sums].map(([k, v]) => [k, v / Math.max(1, this.n)])) as Record<K, number>;
  }
}

/**
 * Runs `step` on every training batch for `epochs` epochs with a progress bar per epoch and a
 * log line per epoch; `step` returns the batch's numbers (losses), averaged per epoch.
 * Returns one record per epoch (epoch number plus the means, plus what `after` adds).
 */
export function trainLoop<S extends Settings, K extends string>(ctx: RunContext<S>, spec: {
  label: string;
  epochs: number;
  batches: Iterable<Tensor[]> & { length: number };
  step: (x: Tensor, y: Tensor, batch: number) => Record<K, number>;
  after?: (epoch: number, means: Record<K, number>) => Record<string, number> | void;
}): Array<{ epoch: number } & Record<string, number>> {
  const history: Array<{ epoch: number } & Record<string, number>> = [];
  for (let epoch = 1; epoch <= spec.epochs; epoch++) {
    const bar = ctx.progress(`${spec.label} epoch ${epoch}/${spec.epochs}`, spec.batches.length);
    const means = new EpochMeans<K>();
    let b = 0;
    for (const [x, y] of spec.batches) {
      const values = spec.step(x, y, b++);
      means.add(values);
      bar.tick(1, round(values));
    }
    const m = means.means();
    const extra = spec.after?.(epoch, m) ?? {};
    const record = { epoch, ...m, ...extra } as { epoch: number } & Record<string, number>;
    bar.done(round(m));
    ctx.log(`${spec.label} epoch ${epoch}/${spec.epochs}: ${Object.entries({ ...m, ...extra }).map(([k, v]) => `${k} ${fmtNum(v)}`).join(', ')}`);
    history.push(record);
  }
  return history;
}

function round(values: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fmtNum(v)]));
}

export function fmtNum(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/** A markdown table from a header and rows. */
export function markdownTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A "Budget" section: where this run's size differs from the seed's (which trained on a GPU or a
 * whole machine), the two side by side, so a reader knows what the numbers beside each other mean.
 */
export function budgetSection<S extends Settings>(ctx: RunContext<S>, rows: Array<[string, string, string]>): void {
  ctx.section(`## Budget: the seed's settings and this run's\n\n${markdownTable(['what', 'seed', 'this run'], rows)}` +
    (ctx.quick ? '\n\nThis is the --quick form (seconds, for tests); the full form is the default.' : ''));
}
