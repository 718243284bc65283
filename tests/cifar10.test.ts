// CIFAR-10's binary format for cnn-variants: a tiny folder in that format (written here) trains
// ResNet-18 through --data-dir, and malformed files are InputErrors naming the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../cli/experiments/index.js';
import { cifar10Folder, readCifar10 } from '../cli/experiments/cnn/cifar10.js';
import { InputError } from '../cli/harness/index.js';
import { runExperiment } from '../cli/output.js';
import { findExperiment } from '../cli/registry.js';

/** n records: label k % 10, pixels a pattern of (record, position). */
function batch(n: number, offset: number): Buffer {
  const b = Buffer.alloc(n * 3073);
  for (let r = 0; r < n; r++) {
    b[r * 3073] = (r + offset) % 10;
    for (let p = 0; p < 3072; p++) b[r * 3073 + 1 + p] = (p * 7 + r * 31 + offset) % 256;
  }
  return b;
}

test('the reader: labels, planar RGB scaled to [0, 1], normalised per channel; found in the folder or its cifar-10-batches-bin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cifar-'));
  writeFileSync(join(dir, 'data_batch_1.bin'), batch(3, 0));
  writeFileSync(join(dir, 'test_batch.bin'), batch(2, 5));
  assert.is(cifar10Folder(dir), dir);
  assert.is(cifar10Folder(tmpdir() + '/nonexistent-wasmgrad'), undefined);
  const c = readCifar10(dir, 100, 100);
  assert.is(c.train.n, 3);
  assert.equal(Array.from(c.test.labels), [5, 6]);
  assert.is(c.train.raw[1024], ((1024 * 7) % 256) / 255); // first green pixel of record 0
  assert.ok(Math.abs(c.train.images[0] - (0 / 255 - 0.4914) / 0.247) < 1e-6);
  assert.is(readCifar10(dir, 2, 1).train.n, 2);
});

test('malformed files are InputErrors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cifar-'));
  writeFileSync(join(dir, 'data_batch_1.bin'), Buffer.alloc(3073 + 10));
  writeFileSync(join(dir, 'test_batch.bin'), batch(1, 0));
  assert.throws(() => readCifar10(dir, 10, 10), (e: Error) => e instanceof InputError && /data_batch_1\.bin: 3083 bytes is not a whole number of CIFAR-10 records/.test(e.message));
  const bad = batch(2, 0);
  bad[3073] = 12;
  writeFileSync(join(dir, 'data_batch_1.bin'), bad);
  assert.throws(() => readCifar10(dir, 10, 10), (e: Error) => e instanceof InputError && /record 2 has label 12/.test(e.message));
});

test('cnn-variants --quick --data-dir <CIFAR-10 folder> trains ResNet-18 and prints the per-class table beside the seed\'s Table 4', async () => {
  const data = mkdtempSync(join(tmpdir(), 'wasmgrad-cifar-'));
  writeFileSync(join(data, 'data_batch_1.bin'), batch(6, 0));
  writeFileSync(join(data, 'test_batch.bin'), batch(5, 3));
  const out = mkdtempSync(join(tmpdir(), 'wasmgrad-cnn-variants-'));
  const exp = findExperiment('cnn-variants')!;
  const summary = await runExperiment(exp, { outDir: out, seed: 1, quick: true, dataDir: data }, { out: { write: () => {} } });
  assert.is(summary.error, undefined, String(summary.error));
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const h = json.results.training['resnet18-cifar10'].history;
  assert.is(h.length, 1);
  assert.ok(Number.isFinite(h[0].trainLoss));
  const wrong = json.results.resnet18Cifar10WrongPerClass as number[];
  assert.is(wrong.length, 10);
  assert.is(wrong.reduce((a, b) => a + b, 0), Math.round((1 - json.results.training['resnet18-cifar10'].testAccuracy) * 4));
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(report, /\| seed \| 48 \| 15 \| 62 \| 100 \| 38 \| 94 \| 25 \| 21 \| 35 \| 38 \|/);
  assert.ok(json.figures['resnet18-cifar10-misclassified'] || json.figures['resnet18-cifar10-confusion']);
});

test.run();
