// The function-minimisation experiments (σ² autodiff, Himmelblau, Rosenbrock) run --quick through
// the same API the CLI uses: their files appear, their key numbers make sense, and the same seed
// gives the same numbers and the same PNG bytes.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../cli/experiments/index.js';
import { runExperiment } from '../cli/output.js';
import { findExperiment } from '../cli/registry.js';

const quiet = { write: () => {} };

interface KeyNumber { label: string; ours: number | string }
interface Results { keyNumbers: KeyNumber[]; results: Record<string, unknown>; timing?: unknown }

async function runQuick(id: string, seed = 1): Promise<{ dir: string; json: Results; pngs: string[] }> {
  const exp = findExperiment(id);
  assert.ok(exp, `experiment ${id} is registered`);
  const dir = mkdtempSync(join(tmpdir(), `wasmgrad-${id}-`));
  const summary = await runExperiment(exp!, { outDir: dir, seed, quick: true }, { out: quiet });
  assert.is(summary.error, undefined, `${id} failed: ${summary.error}`);
  const files = readdirSync(dir);
  assert.ok(files.includes('results.json') && files.includes('report.md'), `${id}: ${files}`);
  const pngs = files.filter((f) => f.endsWith('.png')).sort();
  return { dir, json: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), pngs };
}

const key = (json: Results, label: RegExp): KeyNumber => {
  const row = json.keyNumbers.find((k) => label.test(k.label));
  assert.ok(row, `key number ${label}`);
  return row!;
};

/** Two runs with one seed: identical results.json apart from timing, identical PNG bytes. */
async function assertReproducible(id: string): Promise<Results> {
  const a = await runQuick(id, 5);
  const b = await runQuick(id, 5);
  try {
    assert.equal(a.pngs, b.pngs);
    for (const f of a.pngs) assert.ok(readFileSync(join(a.dir, f)).equals(readFileSync(join(b.dir, f))), `${id}/${f} differs`);
    delete a.json.timing;
    delete b.json.timing;
    assert.equal(a.json, b.json);
    return a.json;
  } finally {
    rmSync(a.dir, { recursive: true });
    rmSync(b.dir, { recursive: true });
  }
}

test('autodiff-sigmoid-squared: AD matches 2σ²(1 − σ) within 1e-6 on ≥ 601 points', async () => {
  const json = await assertReproducible('autodiff-sigmoid-squared');
  const err = key(json, /max \|AD − analytic\|/).ours as number;
  assert.ok(err >= 0 && err <= 1e-6, `max error ${err}`);
  assert.ok((json.results.x as number[]).length >= 601);
});

test('himmelblau: the plain loop and every optimiser run end in one of the four minima', async () => {
  const { dir, json, pngs } = await runQuick('himmelblau');
  rmSync(dir, { recursive: true });
  assert.equal(pngs, ['contour.png', 'loss.png', 'trajectories.png']);
  const runs = json.results.runs as Array<{ label: string; loss: number; minimum: string; stepsToTarget: number }>;
  assert.is(runs.length, 13);
  const plain = runs[0];
  assert.match(plain.label, /plain loop/);
  assert.is.not(plain.minimum, 'none');
  assert.ok(plain.loss < 1e-6 && plain.stepsToTarget > 0, JSON.stringify(plain));
  // Under --quick (300 steps) the smallest learning rates of the adaptive methods are still on
  // their way; the largest of every sweep (the last three of each four rows) must have arrived.
  const arrived = runs.filter((r) => r.minimum !== 'none');
  assert.ok(arrived.length >= 9, `${arrived.length} of 13 runs reached a minimum`);
  for (const i of [3, 6, 9, 12]) assert.is.not(runs[i].minimum, 'none', JSON.stringify(runs[i]));
  for (const r of arrived) assert.ok(r.loss < 1e-6, JSON.stringify(r));
});

test('himmelblau: same seed, same bytes', async () => {
  await assertReproducible('himmelblau');
});

test('rosenbrock-optimizers: every converging run gets closer to (1, 1); momentum at 1e-3 diverges', async () => {
  const json = await assertReproducible('rosenbrock-optimizers');
  const start = Math.hypot(-4 - 1, -2 - 1);
  const runs = json.results.runs as Array<{ method: string; lr: number; builtin: boolean; finalDistance: number; divergedAt: number }>;
  assert.is(runs.length, 12);
  for (const r of runs) {
    if (r.method === 'momentum' && r.lr === 1e-3) {
      assert.ok(r.divergedAt > 0, `momentum η=1e-3 should diverge: ${JSON.stringify(r)}`);
      continue;
    }
    assert.is(r.divergedAt, -1, JSON.stringify(r));
    // Adam at η = 1e-4 moves only ~0.2 in 2000 quick steps, but it does move closer.
    assert.ok(r.finalDistance < start, JSON.stringify(r));
  }
  assert.is(key(json, /seed GD − optim\.SGD/).ours, 0);
  assert.is(key(json, /seed momentum − optim\.SGD/).ours, 0);
});

test.run();
