/**
 * Datasets and minibatches (PyTorch's TensorDataset, Subset, DataLoader, random_split). A
 * dataset is a few persistent tensors sharing dim 0; a batch is each of them indexSelect-ed at
 * the batch's rows, so batches are temporaries the memory manager reclaims after the step, and
 * shuffling draws from the engine's seeded generator (same seed, same order, Node or browser).
 */
import { Tensor, tensor } from '../tensor.js';
import { randperm } from '../ops/random.js';
import { fmt } from '../shape.js';
import { bindArgs, boolArg, checkOptions, intArg, keysOf, show } from '../args.js';
import { tick } from '../memory.js';
import { loadMnist, MNIST_MEAN, MNIST_STD, type MnistOptions } from './mnist.js';

/**
 * What a DataLoader batches: tensors with one row per example, optionally through an index list.
 *
 * PyTorch: `torch.utils.data.Dataset` (tensor-backed only).
 * @example new DataLoader(new TensorDataset(x, y), { batchSize: 32 })
 */
export interface Dataset {
  /** Number of examples. */
  readonly length: number;
  /** The full tensors, one row per example. */
  readonly tensors: Tensor[];
  /** Row of `tensors` for example i (identity when absent). */
  readonly indices?: ArrayLike<number>;
}

/** Rows of equally long tensors; arrays (e.g. labels) become float32 tensors. */
export class TensorDataset implements Dataset {
  readonly tensors: Tensor[];
  /** Number of examples (rows of each tensor). */
  readonly length: number;

  constructor(...data: (Tensor | ArrayLike<number>)[]) {
    if (data.length === 0) throw new TypeError('TensorDataset: needs at least one tensor');
    // A dataset's rows are read every epoch, far apart: keep them (tensors made by a factory
    // after the first backward() would otherwise be temporaries).
    this.tensors = data.map((d) => (d instanceof Tensor ? d : tensor(Float32Array.from(d))).keep());
    this.length = this.tensors[0].shape[0] ?? 1;
    this.tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== this.length) {
        throw new RangeError(`TensorDataset: tensor ${i} has shape ${fmt(t.shape)}; every tensor needs dim 0 of size ${this.length}`);
      }
    });
  }
}

/** The examples of a dataset at the given positions. */
export class Subset implements Dataset {
  readonly tensors: Tensor[];
  readonly indices: Int32Array;

  /** The dataset the indices point into. */
  constructor(readonly dataset: Dataset, indices: ArrayLike<number>) {
    const base = dataset.indices;
    this.indices = Int32Array.from(indices, (i) => {
      if (!(Number.isInteger(i) && i >= 0 && i < dataset.length)) throw new RangeError(`Subset: index ${i} is outside [0, ${dataset.length})`);
      return base ? base[i] : i;
    });
    this.tensors = dataset.tensors;
  }

  /** Number of examples (indices). */
  get length(): number {
    return this.indices.length;
  }
}

/**
 * Splits into non-overlapping random subsets of the given lengths (or fractions summing to 1,
 * the remainder going round-robin from the first, as PyTorch).
 */
export function randomSplit(dataset: Dataset, lengths: number[]): Subset[] {
  if (!Array.isArray(lengths) || !lengths.every((l) => typeof l === 'number')) throw new TypeError(`randomSplit: lengths must be an array of numbers, got ${show(lengths)}`);
  const n = dataset.length;
  let sizes = lengths;
  if (lengths.every((l) => l >= 0 && l <= 1) && Math.abs(lengths.reduce((a, b) => a + b, 0) - 1) < 1e-9 && n !== 1) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < rest; i++) sizes[i % sizes.length]++;
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n || !sizes.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new RangeError(`randomSplit: lengths ${JSON.stringify(lengths)} do not add up to the dataset's ${n} examples`);
  }
  const perm = randperm(n);
  let offset = 0;
  return sizes.map((s) => new Subset(dataset, perm.subarray(offset, (offset += s))));
}

/**
 * Options of `DataLoader`.
 *
 * PyTorch: `DataLoader(dataset, batch_size, shuffle, drop_last)`; shuffling uses the engine's seeded generator.
 * @example new DataLoader(train, { batchSize: 64, shuffle: true })
 */
export interface DataLoaderOptions {
  /** Examples per batch (default 1, as PyTorch). PyTorch: `batch_size`. */
  batchSize?: number;
  /** Reshuffle at the start of every epoch (every iteration over the loader). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize. */
  dropLast?: boolean;
}

/** batchSize and shuffle bind positionally (PyTorch's order), the rest by name only. */
const LOADER_ARGS = keysOf<DataLoaderOptions>()('batchSize', 'shuffle', 'dropLast');

/** Iterable of batches: one tensor per dataset tensor, dim 0 the batch. */
export class DataLoader implements Iterable<Tensor[]> {
  /** Examples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the examples in a new random order (from the seeded generator). */
  readonly shuffle: boolean;
  /** Whether a last batch smaller than batchSize is dropped. */
  readonly dropLast: boolean;

  /** PyTorch's DataLoader(dataset, batchSize=1, shuffle=false, ..., dropLast=false): positionally or by name. */
  constructor(dataset: Dataset, batchSize?: number | DataLoaderOptions, shuffle?: boolean | DataLoaderOptions, options?: DataLoaderOptions);
  /** The dataset the batches come from. */
  constructor(readonly dataset: Dataset, ...args: unknown[]) {
    if (dataset === null || typeof dataset !== 'object' || !Array.isArray(dataset.tensors) || !Number.isInteger(dataset.length)) {
      throw new TypeError(`DataLoader: dataset must be a dataset (a TensorDataset, a Subset, ...), got ${show(dataset)}`);
    }
    const o = bindArgs('DataLoader', args, LOADER_ARGS.slice(0, 2), LOADER_ARGS.slice(2));
    this.batchSize = intArg('DataLoader', 'batchSize', o.batchSize, 1, 1);
    this.shuffle = boolArg('DataLoader', 'shuffle', o.shuffle, false);
    this.dropLast = boolArg('DataLoader', 'dropLast', o.dropLast, false);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The dataset rows of one epoch, in batch order. */
  epochOrder(): Int32Array {
    const n = this.dataset.length;
    const order = this.shuffle ? randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
    const base = this.dataset.indices;
    return base ? order.map((i) => base[i]) : order;
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const order = this.epochOrder();
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const rows = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      tick();
      yield this.dataset.tensors.map((t) => t.indexSelect(0, rows));
    }
  }
}

/**
 * Options of `mnistDataset`: those of `loadMnist` and the usual transforms.
 * @example await mnistDataset({ train: true, normalize: true, flatten: true })
 */
export interface MnistDatasetOptions extends Omit<MnistOptions, 'images' | 'labels'> {
  /** [n, 784] rows instead of [n, 1, 28, 28] images. */
  flatten?: boolean;
  /** Standardise with the MNIST training mean/std (0.1307, 0.3081), as the usual PyTorch transform. */
  normalize?: boolean;
}

/** MNIST as a TensorDataset (images, labels), pixels in [0, 1] or standardised. */
export async function mnistDataset(options: MnistDatasetOptions): Promise<TensorDataset> {
  checkOptions('mnistDataset', options, keysOf<MnistDatasetOptions>()('train', 'dataDir', 'limit', 'flatten', 'normalize'));
  const { flatten = false, normalize = false, ...rest } = options;
  const m = await loadMnist(rest);
  const pixels = normalize ? standardizeArray(m.images, MNIST_MEAN, MNIST_STD) : m.images;
  const shape = flatten ? [m.n, m.rows * m.cols] : [m.n, 1, m.rows, m.cols];
  return new TensorDataset(tensor(pixels, { shape }), Float32Array.from(m.labels));
}

/** Mean and (population) standard deviation of all values, in float64. */
export function meanStd(x: Tensor | ArrayLike<number>): { mean: number; std: number } {
  const v = x instanceof Tensor ? x._read() : x;
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i];
  mean /= v.length;
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / v.length) };
}

function standardizeArray(v: ArrayLike<number>, mean: number, std: number): Float32Array {
  if (!(std > 0)) throw new RangeError(`standardize: std must be positive, got ${std}`);
  // a plain loop: Float32Array.from with a map function took 11 s for MNIST's 47 million pixels
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] - mean) / std;
  return out;
}

/**
 * (x − mean) / std as a new persistent tensor; without stats, x's own (so pass the training
 * set's stats when standardising a test set).
 */
export function standardizeTensor(x: Tensor, stats: { mean: number; std: number } = meanStd(x)): Tensor {
  return tensor(standardizeArray(x._read(), stats.mean, stats.std), { shape: x.shape.slice() });
}
