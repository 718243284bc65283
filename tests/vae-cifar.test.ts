// The vae experiment's exercise 4.4 (a convolutional VAE on CIFAR-10 ships) runs when --data-dir
// holds the CIFAR-10 binary files. No registry ships them, so this test writes a tiny file of
// that format (label byte + 3×32×32 pixel bytes per record), runs the quick form on it twice,
// and checks the CIFAR figures, the same bytes, and the errors for a broken file or folder.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../cli/experiments/index.js';
import { runExperiment } from '../cli/output.js';
import { findExperiment } from '../cli/registry.js';
import { cifarRecords, readCifarClass } from '../cli/experiments/generative/cifar.js';

const quiet = { write: () => {} };
const vae = findExperiment('vae')!;

function cifarDir(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cifar-'));
  writeFileSync(join(dir, 'data_batch_1.bin'), bytes);
  return dir;
}

// 30 records: every third a ship (label 8), pixels a smooth pattern per record.
const tiny = cifarRecords(Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 8 : i % 8)), (r, k) => 128 + Math.round(100 * Math.sin(r + k / 97)));

test('readCifarClass: the records of one class, planar RGB scaled to [-1, 1]', () => {
  const dir = cifarDir(tiny);
  try {
    const ships = readCifarClass(dir, 8);
    assert.is(ships.n, 10);
    assert.equal(ships.files, ['data_batch_1.bin']);
    assert.is(ships.pixels.length, 10 * 3072);
    // record 3 is the second ship; its pixel k is 128 + round(100 sin(3 + k/97))
    const k = 1500;
    assert.ok(Math.abs(ships.pixels[3072 + k] - ((128 + Math.round(100 * Math.sin(3 + k / 97))) / 127.5 - 1)) < 1e-6);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('vae --data-dir <CIFAR-10 binaries>: the conv VAE runs on the ships, same bytes twice', async () => {
  const data = cifarDir(tiny);
  const outs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'wasmgrad-vae-cifar-')));
  try {
    for (const out of outs) {
      const summary = await runExperiment(vae, { outDir: out, seed: 3, quick: true, dataDir: data }, { out: quiet });
      assert.is(summary.error, undefined, summary.error);
    }
    const json = JSON.parse(readFileSync(join(outs[0], 'results.json'), 'utf8'));
    assert.ok(json.figures['cifar-samples'] && json.figures['cifar-loss'], 'CIFAR figures');
    assert.is(json.settings['CIFAR-10 ship images'], 10);
    assert.ok(json.results.cifarVae.every((e: { total: number }) => Number.isFinite(e.total)));
    for (const f of readdirSync(outs[0]).filter((f) => f.endsWith('.png'))) {
      assert.ok(readFileSync(join(outs[0], f)).equals(readFileSync(join(outs[1], f))), `${f} differs between two runs`);
    }
  } finally {
    for (const d of [data, ...outs]) rmSync(d, { recursive: true, force: true });
  }
});

test('vae --data-dir: a truncated CIFAR file or a folder with neither data set is an input error, nothing written', async () => {
  for (const dir of [cifarDir(tiny.subarray(0, 3073 * 2 + 100)), mkdtempSync(join(tmpdir(), 'wasmgrad-empty-'))]) {
    const out = join(mkdtempSync(join(tmpdir(), 'wasmgrad-vae-bad-')), 'out');
    try {
      const summary = await runExperiment(vae, { outDir: out, seed: 1, quick: true, dataDir: dir }, { out: quiet });
      assert.is(summary.inputError, true, summary.error);
      assert.match(summary.error ?? '', /not a whole number of CIFAR-10 records|found neither MNIST idx files/);
      assert.not.ok(existsSync(join(out, 'results.json')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test.run();
