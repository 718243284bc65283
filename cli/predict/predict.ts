// `wasmgrad predict <image...>`: classifies your own digit images with the network `mnist-cnn`
// trained (its last checkpoint, or --model FILE). Each image is decoded with sharp (PNG, JPEG,
// WebP, GIF, TIFF, AVIF, SVG; EXIF rotation applied, transparency over white), turned into an
// MNIST-like 28×28 input (preprocess.ts), standardised as in training, and the ten softmax
// probabilities are printed (or written as JSON with --json).
import { existsSync, readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';
import { init, isInitialized, noGrad, tensor } from '../../bindings/index.js';
import { deserializeCheckpoint } from '../../bindings/train/index.js';
import { writeFileAtomic } from '../atomic.js';
import { MNIST_CNN_ARCHITECTURE, mnistCnn } from '../experiments/mnist/cnn-model.js';
import { lastCheckpoint } from '../harness/checkpoints.js';
import { captionedGrid } from '../harness/figures.js';
import { renderPng } from '../plot/png.js';
import { type Prepared, FIELD, prepareDigit } from './preprocess.js';

/** A problem with the command line (exit 2) or with an input (exit 1), in one line. */
export class PredictError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
  }
}

export interface PredictOptions {
  /** A checkpoint written by `wasmgrad run mnist-cnn` (default: the last one it wrote). */
  model?: string;
  json?: boolean;
  /** Write a PNG of the 28×28 inputs as the network saw them, captioned with the predictions. */
  preview?: string;
}

export interface Prediction {
  file: string;
  prediction?: number;
  probabilities?: number[];
  /** Why this image could not be classified. */
  error?: string;
}

/** Largest image accepted: beyond this a file is surely not a digit (and would take seconds to decode). */
export const MAX_PIXELS = 40_000_000;
export const MAX_BYTES = 64 * 1024 * 1024;

function findModel(given: string | undefined): string {
  if (given !== undefined) {
    if (!existsSync(given)) throw new PredictError(`--model ${given}: no such file`, 2);
    return given;
  }
  const last = lastCheckpoint('mnist-cnn');
  if (last && existsSync(last)) return last;
  if (existsSync('results/mnist-cnn/model.ckpt')) return 'results/mnist-cnn/model.ckpt';
  throw new PredictError('no trained model: run `wasmgrad run mnist-cnn` first, or pass --model FILE', 2);
}

interface LoadedModel {
  path: string;
  forward(x: Float32Array, n: number): Float32Array;
  testAccuracy: number | undefined;
  quick: boolean;
}

function loadModel(path: string): LoadedModel {
  const bytes = readFileSync(path);
  let extra: { architecture?: string; normalize?: { mean: number; std: number }; testAccuracy?: number; quick?: boolean } | null;
  try {
    extra = deserializeCheckpoint(bytes, {}, path).extra as typeof extra;
  } catch (e) {
    throw new PredictError(`--model ${(e as Error).message.replace(/^loadCheckpoint: /, '')}`, 1);
  }
  if (extra?.architecture !== MNIST_CNN_ARCHITECTURE) {
    const what = extra?.architecture ? `'${extra.architecture}'` : 'another model (it records no mnist-cnn architecture)';
    throw new PredictError(`--model ${path}: a checkpoint of ${what}, not of the network mnist-cnn trains (${MNIST_CNN_ARCHITECTURE})`, 1);
  }
  const model = mnistCnn();
  deserializeCheckpoint(bytes, { model }, path);
  model.eval();
  const { mean, std } = extra.normalize ?? { mean: 0.1307, std: 0.3081 };
  return {
    path,
    testAccuracy: extra.testAccuracy,
    quick: extra.quick === true,
    forward(x, n) {
      const input = Float32Array.from(x, (v) => (v - mean) / std);
      return noGrad(() => model.forward(tensor(input, { shape: [n, 1, FIELD, FIELD] })).softmax(1).data());
    },
  };
}

/** Decodes an image file to grey levels; every failure is a one-line PredictError naming the file. */
async function readGrey(file: string): Promise<{ width: number; height: number; pixels: Uint8Array }> {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw new PredictError(`${file}: no such file`, 2);
  if (!st.isFile()) throw new PredictError(`${file}: not a file`, 2);
  if (st.size === 0) throw new PredictError(`${file}: the file is empty`, 1);
  if (st.size > MAX_BYTES) throw new PredictError(`${file}: ${(st.size / 2 ** 20).toFixed(0)} MB is too large for a digit image (limit ${MAX_BYTES / 2 ** 20} MB)`, 1);
  try {
    const { data, info } = await sharp(file, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(info.width * info.height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = data[i * info.channels];
    return { width: info.width, height: info.height, pixels };
  } catch (e) {
    const msg = (e as Error).message;
    if (/pixel limit/i.test(msg)) throw new PredictError(`${file}: the image has more than ${MAX_PIXELS / 1e6} million pixels, too large for a digit image`, 1);
    if (/unsupported image format|bad seek|corrupt|premature|not a known file format/i.test(msg)) {
      throw new PredictError(`${file}: not an image sharp can read (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG)`, 1);
    }
    throw new PredictError(`${file}: cannot decode the image (${msg.split('\n')[0]})`, 1);
  }
}

export async function predict(files: string[], options: PredictOptions, log: (line: string) => void): Promise<{ predictions: Prediction[]; exitCode: number }> {
  const modelPath = findModel(options.model);
  if (!isInitialized()) await init();
  const model = loadModel(modelPath);
  const predictions: Prediction[] = [];
  const shown: Array<{ prepared: Prepared; caption: string }> = [];
  let exitCode = 0;
  for (const file of files) {
    try {
      const prepared = prepareDigitOf(file, await readGrey(file));
      const probabilities = Array.from(model.forward(prepared.pixels, 1));
      const prediction = probabilities.indexOf(Math.max(...probabilities));
      predictions.push({ file, prediction, probabilities });
      shown.push({ prepared, caption: `${shortName(file)}: ${prediction} (${probabilities[prediction].toFixed(2)})` });
    } catch (e) {
      if (!(e instanceof PredictError)) throw e;
      exitCode = Math.max(exitCode, e.exitCode);
      predictions.push({ file, error: e.message });
    }
  }
  if (options.json) {
    log(JSON.stringify({ model: model.path, testAccuracy: model.testAccuracy ?? null, predictions }, null, 2));
  } else {
    log(`model: ${model.path}${model.testAccuracy !== undefined ? ` (test accuracy ${(100 * model.testAccuracy).toFixed(2)}%${model.quick ? ', a --quick run' : ''})` : ''}`);
    // Failed images are reported on stderr by the caller.
    for (const p of predictions) {
      if (p.error) continue;
      log(`${p.file}: ${p.prediction} (probability ${p.probabilities![p.prediction!].toFixed(4)})`);
      log('  ' + p.probabilities!.map((v, d) => `${d}: ${v.toFixed(4)}`).join('  '));
    }
  }
  if (options.preview && shown.length) {
    const pixels = new Float32Array(shown.length * FIELD * FIELD);
    shown.forEach((s, i) => pixels.set(s.prepared.pixels, i * FIELD * FIELD));
    writeFileAtomic(options.preview, renderPng(captionedGrid({ pixels, width: FIELD, height: FIELD }, shown.map((s, i) => ({ index: i, caption: s.caption })), {
      title: 'What the network saw (28×28) and its prediction',
    })));
  }
  return { predictions, exitCode };
}

/** The file's base name, cut to fit under a 28×28 image. */
function shortName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.length > 12 ? `${base.slice(0, 11)}…` : base;
}

function prepareDigitOf(file: string, img: { width: number; height: number; pixels: Uint8Array }): Prepared {
  try {
    return prepareDigit(img);
  } catch (e) {
    throw new PredictError(`${file}: ${(e as Error).message}`, 1);
  }
}
