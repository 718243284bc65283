// The CIFAR-10 binary version (cifar-10-batches-bin): data_batch_1.bin … data_batch_5.bin and
// test_batch.bin, each a run of 3,073-byte records: one label byte (0–9), then 1,024 red, 1,024
// green and 1,024 blue bytes of a 32 × 32 image, rows top to bottom. No registry ships it, so the
// vae experiment reads it from --data-dir when it is there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../harness/index.js';

export const CIFAR_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR_SIDE = 32;
const RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);

/** The folder holding the training batches: DIR itself or DIR/cifar-10-batches-bin; null when neither has them. */
export function findCifarDir(dir: string): string | null {
  for (const d of [dir, join(dir, 'cifar-10-batches-bin')]) if (existsSync(join(d, TRAIN_FILES[0]))) return d;
  return null;
}

/**
 * The training images of one class from every data_batch_N.bin present, as planar RGB in
 * [−1, 1] (the tanh range of the decoder), [n · 3 · 32 · 32]. A file whose length is not a whole
 * number of records, or a label above 9, is an InputError naming the file.
 */
export function readCifarClass(dir: string, label: number, limit = Infinity): { pixels: Float32Array; n: number; files: string[] } {
  const chunks: Float32Array[] = [];
  const files: string[] = [];
  let n = 0;
  for (const f of TRAIN_FILES) {
    const path = join(dir, f);
    if (!existsSync(path) || n >= limit) continue;
    const bytes = readFileSync(path);
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new InputError(`${path}: ${bytes.length} bytes is not a whole number of CIFAR-10 records of ${RECORD} bytes (label + 3×32×32)`);
    }
    files.push(f);
    for (let r = 0; r < bytes.length / RECORD && n < limit; r++) {
      const at = r * RECORD;
      if (bytes[at] > 9) throw new InputError(`${path}: record ${r} has label ${bytes[at]}, expected 0-9`);
      if (bytes[at] !== label) continue;
      const img = new Float32Array(RECORD - 1);
      for (let k = 0; k < img.length; k++) img[k] = bytes[at + 1 + k] / 127.5 - 1;
      chunks.push(img);
      n++;
    }
  }
  const pixels = new Float32Array(n * (RECORD - 1));
  chunks.forEach((c, i) => pixels.set(c, i * (RECORD - 1)));
  return { pixels, n, files };
}

/** Bytes of a CIFAR-10 binary file with the given labels and pixel bytes (tests write tiny ones). */
export function cifarRecords(labels: number[], pixel: (record: number, k: number) => number): Uint8Array {
  const out = new Uint8Array(labels.length * RECORD);
  labels.forEach((l, r) => {
    out[r * RECORD] = l;
    for (let k = 0; k < RECORD - 1; k++) out[r * RECORD + 1 + k] = pixel(r, k) & 255;
  });
  return out;
}
