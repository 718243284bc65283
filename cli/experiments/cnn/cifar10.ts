// CIFAR-10's binary version (cifar-10-batches-bin): data_batch_1..5.bin and test_batch.bin, each
// record one label byte (0-9) then 3,072 pixel bytes, the 32×32 red plane, then green, then blue.
// Nothing is downloaded: `--data-dir` points at the folder (or its parent).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../harness/index.js';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const RECORD = 1 + 3 * 32 * 32;
// The usual per-channel normalisation (training-set mean and standard deviation).
const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.2435, 0.2616];

/** The folder holding the CIFAR-10 binary files, or undefined when `dir` has none. */
export function cifar10Folder(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  return [dir, join(dir, 'cifar-10-batches-bin')].find((d) => existsSync(join(d, 'test_batch.bin')));
}

export interface CifarSplit {
  /** [n, 3, 32, 32] planar, normalised per channel. */
  images: Float32Array;
  labels: Float32Array;
  /** [n, 3, 32, 32] in [0, 1], for figures. */
  raw: Float32Array;
  n: number;
}

function readBatches(files: string[], limit: number): CifarSplit {
  const chunks: Buffer[] = [];
  let total = 0;
  for (const f of files) {
    if (total >= limit) break;
    const bytes = readFileSync(f);
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new InputError(`${f}: ${bytes.length} bytes is not a whole number of CIFAR-10 records (${RECORD} bytes each: a label byte and 3,072 pixels)`);
    }
    chunks.push(bytes);
    total += bytes.length / RECORD;
  }
  const n = Math.min(total, limit);
  const images = new Float32Array(n * 3072);
  const raw = new Float32Array(n * 3072);
  const labels = new Float32Array(n);
  let i = 0;
  for (const [c, bytes] of chunks.entries()) {
    for (let r = 0; r < bytes.length / RECORD && i < n; r++, i++) {
      const label = bytes[r * RECORD];
      if (label > 9) throw new InputError(`${files[c]}: record ${r + 1} has label ${label}; CIFAR-10 labels are 0-9`);
      labels[i] = label;
      for (let p = 0; p < 3072; p++) {
        const v = bytes[r * RECORD + 1 + p] / 255;
        raw[i * 3072 + p] = v;
        const ch = Math.floor(p / 1024);
        images[i * 3072 + p] = (v - MEAN[ch]) / STD[ch];
      }
    }
  }
  return { images, labels, raw, n };
}

/** Up to `train` training and `test` test images from the folder's batch files. */
export function readCifar10(folder: string, train: number, test: number): { train: CifarSplit; test: CifarSplit } {
  const trainFiles = [1, 2, 3, 4, 5].map((k) => join(folder, `data_batch_${k}.bin`)).filter((f) => existsSync(f));
  if (trainFiles.length === 0) throw new InputError(`${folder}: has test_batch.bin but no data_batch_1.bin ... data_batch_5.bin`);
  return { train: readBatches(trainFiles, train), test: readBatches([join(folder, 'test_batch.bin')], test) };
}
