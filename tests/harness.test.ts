// The experiment harness: sweeps sharded and merged byte for byte, the shard index from the
// schedulers' variables, ctx.fit (history, divergence, early stop, figures), mnistLoaders
// (--quick, --limit, seeded subsets), --csv errors naming file/line/column with nothing written,
// and the divergence helpers.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, nn, optim, rand, randn, tensor } from '../bindings/index.js';
import { DataLoader, TensorDataset } from '../bindings/data/index.js';
import { main } from '../cli/main.js';
import { TIMING_HEADING, runExperiment } from '../cli/output.js';
import { lineChart } from '../cli/plot/index.js';
import { type Experiment, register } from '../cli/registry.js';
import { csvOption, divergingCurve, findDivergence, historyChart, mnistLoaders, readCsvColumns, readCsvOption } from '../cli/harness/index.js';
import type { FitResult } from '../cli/harness/fit.js';
import { mergeShards } from '../cli/harness/merge.js';
import { itemSeed, parseShard, resolveShard } from '../cli/harness/sweep.js';

const quiet = { write: () => {} };
const tmp = () => mkdtempSync(join(tmpdir(), 'wasmgrad-harness-'));
const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
};

test.before(async () => {
  await init();
});

// ---- sweeps ------------------------------------------------------------------------------

const sweepExp = register({
  id: 'cli-test-sweep',
  family: 'cli-test',
  title: 'A test sweep',
  seed: 'none (test only)',
  description: 'Five items, each a few random numbers from its own seeded stream.',
  flags: ['shard'],
  settings: { items: 5, draws: 3 },
  sweep: {
    keys: (s) => Array.from({ length: s.items }, (_, i) => `item${i}`),
    report(ctx, results) {
      const values = results.map((r) => (r.result as { values: number[] }).values);
      ctx.figure('values', lineChart({ title: 'Draws per item', series: values.map((v, i) => ({ name: results[i].key, x: v.map((_, k) => k), y: v })) }));
      ctx.keyNumber('sum of all draws', values.flat().reduce((a, b) => a + b, 0));
    },
  },
  async run(ctx) {
    ctx.setting('setup ran', true);
    await ctx.sweep((key) => ({ key, values: Array.from(rand([ctx.settings.draws]).data()) }));
  },
});

function folder(dir: string) {
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  delete json.timing;
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  return { json, md: md.slice(0, md.indexOf(TIMING_HEADING)), png: readFileSync(join(dir, 'values.png')) };
}

test('a sweep in 3 shards, merged, gives the unsharded run byte for byte; each item has its own seed', async () => {
  const root = tmp();
  try {
    const whole = join(root, 'whole');
    assert.is((await runExperiment(sweepExp, { outDir: whole, seed: 3, quick: false }, { out: quiet })).error, undefined);
    const shards = [0, 1, 2].map((i) => join(root, `shard${i}`));
    for (const [i, dir] of shards.entries()) {
      const r = await runExperiment(sweepExp, { outDir: dir, seed: 3, quick: false, shard: { index: i, count: 3 } }, { out: quiet });
      assert.is(r.error, undefined);
      assert.not.ok(existsSync(join(dir, 'values.png')), 'a shard draws no figures');
      const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
      assert.equal(json.shard, { index: i, count: 3 });
      assert.equal(json.results.sweep.map((x: { key: string }) => x.key), ['item0', 'item1', 'item2', 'item3', 'item4'].filter((_, k) => k % 3 === i));
    }
    const merged = join(root, 'merged');
    const m = await mergeShards([shards[2], shards[0], shards[1]], merged, { out: quiet });
    assert.is(m.error, undefined);
    const a = folder(whole);
    const b = folder(merged);
    assert.equal(b.json, a.json);
    assert.is(b.md, a.md);
    assert.ok(b.png.equals(a.png), 'same PNG bytes');
    assert.is(a.json.settings['setup ran'], true);
    const first = a.json.results.sweep[0].result.values;
    const second = a.json.results.sweep[1].result.values;
    assert.not.equal(first, second, 'items draw from different streams');
    assert.is.not(itemSeed(3, 'item0'), itemSeed(4, 'item0'));
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('merge refuses shards that are not one complete sweep, naming what is wrong', async () => {
  const root = tmp();
  const run = (name: string, seed: number, shard?: { index: number; count: number }) =>
    runExperiment(sweepExp, { outDir: join(root, name), seed, quick: false, shard }, { out: quiet }).then(() => join(root, name));
  try {
    const s0 = await run('s0', 1, { index: 0, count: 2 });
    const s1 = await run('s1', 1, { index: 1, count: 2 });
    const other = await run('other', 2, { index: 1, count: 2 });
    const three = await run('three', 1, { index: 1, count: 3 });
    const whole = await run('whole', 1);
    const fails = async (dirs: string[], pattern: RegExp) => {
      const err = sink();
      const code = await main(['node', 'wasmgrad', 'merge', ...dirs, '--out', join(root, 'out')], { out: sink(), err });
      assert.is(code, 1, err.text);
      assert.match(err.text, pattern);
      assert.is(err.text.trimEnd().split('\n').length, 1);
    };
    await fails([s0], /missing items item1, item3 \(shard 1 of 2 not given\)/);
    await fails([s0, s1, s1], /item 'item1' appears twice/);
    await fails([s0, other], /seed 2, but .*s0 has seed 1: not one sweep/);
    await fails([s0, three], /shard 1\/3, but .*s0 is one of 2/);
    await fails([s0, whole], /not a shard/);
    await fails([s0, join(root, 'nowhere')], /nowhere: no results\.json/);
    assert.not.ok(existsSync(join(root, 'out', 'results.json')));
    const ok = sink();
    assert.is(await main(['node', 'wasmgrad', 'merge', s1, s0, '--out', join(root, 'out')], { out: ok, err: sink() }), 0);
    assert.match(ok.text, /merged 2 shards of cli-test-sweep/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('the shard index: --shard i/n, or --shards n with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID', () => {
  assert.equal(parseShard('2/5'), { index: 2, count: 5 });
  assert.throws(() => parseShard('5/5'), /not in 0\.\.4/);
  assert.throws(() => parseShard('1-of-4'), /expected i\/n/);
  assert.equal(resolveShard(undefined, 4, { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
  assert.equal(resolveShard(undefined, 4, { SLURM_ARRAY_TASK_ID: '1' }), { index: 1, count: 4 });
  assert.equal(resolveShard({ index: 0, count: 2 }, undefined, { SLURM_ARRAY_TASK_ID: '1' }), { index: 0, count: 2 });
  assert.is(resolveShard(undefined, undefined, { SLURM_ARRAY_TASK_ID: '1' }), undefined);
  assert.throws(() => resolveShard(undefined, 4, {}), /neither is set/);
  assert.throws(() => resolveShard(undefined, 4, { JOB_COMPLETION_INDEX: '4' }), /JOB_COMPLETION_INDEX=4 is not below --shards 4/);
  assert.throws(() => resolveShard(undefined, 4, { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '2' }), /disagree/);
  assert.throws(() => resolveShard(undefined, 4, { SLURM_ARRAY_TASK_ID: 'x' }), /not a non-negative integer/);
});

// ---- ctx.fit -----------------------------------------------------------------------------

/** A run of a test experiment whose body is `body`; returns its results.json and files. */
async function runBody(id: string, body: Experiment['run'], extra: Partial<Experiment> = {}) {
  const exp = register({ id, family: 'cli-test', title: id, seed: 'none', description: 'test', settings: {}, run: body, ...extra });
  const dir = tmp();
  const summary = await runExperiment(exp, { outDir: dir, seed: 5, quick: true }, { out: quiet });
  const json = existsSync(join(dir, 'results.json')) ? JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) : undefined;
  return { summary, json, files: readdirSync(dir).sort(), dir };
}

function blobs(n: number) {
  const x = randn([n, 2]);
  const d = x.data();
  const y = Array.from({ length: n }, (_, i) => (d[2 * i] + d[2 * i + 1] > 0 ? 1 : 0));
  return new TensorDataset(x, y);
}

test('ctx.fit: per-epoch history in results.json, standard figures, early stop', async () => {
  let fit: FitResult | undefined;
  const { summary, json, files, dir } = await runBody('cli-test-fit', async (ctx) => {
    const train = new DataLoader(blobs(128), { batchSize: 16, shuffle: true });
    const testSet = blobs(64);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.5 });
    fit = await ctx.fit({
      name: 'blobs', model, optimizer, loss: nn.functional.crossEntropy, epochs: 30,
      train, test: new DataLoader(testSet, { batchSize: 32 }), stopWhen: (e) => (e.testAccuracy ?? 0) >= 0.95,
      figures: { images: { pixels: testSet.tensors[0].data(), width: 2, height: 1, range: [-3, 3] }, classes: ['below', 'above'] },
    });
    ctx.keyNumber('epochs', fit.history.length);
  });
  try {
    assert.is(summary.error, undefined);
    assert.ok(fit!.stoppedAt! >= 1 && fit!.stoppedAt! < 30, `stopped at ${fit!.stoppedAt}`);
    assert.is(fit!.history.length, fit!.stoppedAt);
    const h = json.results.training.blobs.history;
    assert.is(h.length, fit!.stoppedAt);
    assert.equal(Object.keys(h[0]).sort(), ['epoch', 'lr', 'testAccuracy', 'testLoss', 'trainAccuracy', 'trainLoss']);
    assert.ok(h[h.length - 1].testAccuracy >= 0.95);
    assert.is(json.results.training.blobs.diverged, null);
    assert.is(json.timing['blobs: seconds per epoch'].length, h.length);
    assert.equal(files, ['blobs-confusion.png', 'blobs-learning-curves.png', 'blobs-misclassified.png', 'report.md', 'results.json']);
    assert.equal(json.figures['blobs-confusion'].data.labels, ['below', 'above']);
    assert.is(fit!.test!.predicted!.length, 64);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('ctx.fit: a diverging run stops, says where, and leaves no NaN in results.json', async () => {
  let fit: FitResult | undefined;
  const { summary, json, dir } = await runBody('cli-test-diverge', async (ctx) => {
    const x = randn([64, 3]);
    const y = x.matmul(tensor([[1], [2], [3]])).keep();
    const model = new nn.Linear(3, 1);
    fit = await ctx.fit({
      name: 'too-fast', model, optimizer: new optim.SGD(model.parameters(), { lr: 5 }), loss: nn.functional.mseLoss,
      train: new DataLoader(new TensorDataset(x, y), { batchSize: 8 }), epochs: 20, accuracy: false, progress: 'epochs', figures: true,
    });
    ctx.keyNumber('diverged in epoch', fit.diverged!.epoch);
  });
  try {
    assert.is(summary.error, undefined);
    assert.ok(fit!.diverged, 'diverged');
    assert.is(fit!.history.length, fit!.diverged!.epoch - 1);
    const text = readFileSync(join(dir, 'results.json'), 'utf8');
    const { timing: _t, ...rest } = JSON.parse(text);
    assert.not.match(JSON.stringify({ ...rest, results: { ...rest.results, training: { ...rest.results.training, 'too-fast': { ...rest.results.training['too-fast'], diverged: null } } } }), /NaN|Infinity/);
    assert.is(json.results.training['too-fast'].diverged.epoch, fit!.diverged!.epoch);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('divergence helpers cut a curve at its first non-finite or exploding value', () => {
  assert.equal(findDivergence([3, 2, 1]), { finite: 3, divergedAt: null });
  assert.equal(findDivergence([3, 2, NaN, 1]), { finite: 2, divergedAt: 2 });
  assert.equal(findDivergence([1, 5, 2000], 1000), { finite: 2, divergedAt: 2 });
  const s = divergingCurve('lr 0.3', [1, 4, Infinity, NaN]);
  assert.equal(Array.from(s.y), [1, 4]);
  assert.equal(Array.from(s.x), [1, 2]);
  assert.is(s.name, 'lr 0.3 (diverged at epoch 3)');
  assert.is(divergingCurve('ok', [1, 2]).name, 'ok');
});

test('historyChart labels a run that ctx.fit stopped as diverged, though its history holds only finite epochs', () => {
  const history = [{ epoch: 1, lr: 10, trainLoss: 2.3, testAccuracy: 0.1 }, { epoch: 2, lr: 10, trainLoss: 2.4, testAccuracy: 0.1 }];
  const chart = historyChart([
    { name: 'lr 10', history, diverged: { epoch: 3 } },
    { name: 'lr 0.1', history, diverged: null },
  ], 'testAccuracy', { title: 't' });
  const names = (chart.data as { series: Array<{ name: string }> }).series.map((x) => x.name);
  assert.equal(names, ['lr 10 (diverged in epoch 3)', 'lr 0.1']);
});

// ---- mnistLoaders --------------------------------------------------------------------------

test('mnistLoaders: quick sizes, --limit, seeded random subsets, a validation split', async () => {
  const seen: Record<string, unknown> = {};
  const exp = register({
    id: 'cli-test-mnist', family: 'cli-test', title: 't', seed: 'none', description: 't', flags: ['limit', 'data-dir'], settings: {},
    async run(ctx) {
      const quick = await mnistLoaders(ctx, { batchSize: 100 });
      seen.quickTrain = quick.trainSet.length;
      seen.quickTest = quick.testSet.length;
      const a = await mnistLoaders(ctx, { batchSize: 50, train: 1000, sample: 'random', validation: 200, flatten: true });
      seen.split = [a.trainSet.length, a.validation!.dataset.length, a.train.length];
      seen.shape = a.testSet.tensors[0].shape;
      seen.labels = Array.from(a.trainSet.tensors[1].data().slice(0, 20));
      seen.images = a.testImages.pixels.length;
      ctx.keyNumber('ok', 1);
    },
  });
  const dir = tmp();
  try {
    const r = await runExperiment(exp, { outDir: dir, seed: 9, quick: true, limit: 400 }, { out: quiet });
    assert.is(r.error, undefined);
    assert.is(seen.quickTrain, 400);
    assert.is(seen.quickTest, 300);
    assert.equal(seen.split, [200, 200, 4]);
    assert.equal(seen.shape, [300, 784]);
    assert.is(seen.images, 300 * 784);
    const labels = seen.labels;
    await runExperiment(exp, { outDir: dir, seed: 9, quick: true, limit: 400 }, { out: quiet });
    assert.equal(seen.labels, labels, 'same seed, same subset');
    await runExperiment(exp, { outDir: dir, seed: 10, quick: true, limit: 400 }, { out: quiet });
    assert.not.equal(seen.labels, labels, 'another seed, another subset');
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    assert.is(json.settings['test images'], 300);
    assert.is(json.settings.limit, 400);
    const bad = await runExperiment(exp, { outDir: join(dir, 'bad'), seed: 1, quick: true, dataDir: dir }, { out: quiet });
    assert.ok(bad.inputError);
    assert.match(bad.error ?? '(no error)', /MNIST (training|test) (images|labels) not found in /, `error (whichever file is read first): ${bad.error}`);
    assert.not.ok(existsSync(join(dir, 'bad')), 'nothing written for bad input');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

// ---- --csv -----------------------------------------------------------------------------------

const csvExp = register({
  id: 'cli-test-csv', family: 'cli-test', title: 't', seed: 'none', description: 't', settings: {},
  options: [csvOption('x_1,x_2,classification rows')],
  async run(ctx) {
    const table = readCsvOption(ctx, { columns: ['x_1', 'x_2', 'classification'], binary: ['classification'] });
    ctx.keyNumber('rows', table?.rows.length ?? 0);
  },
});

test('--csv: bad files are errors naming file, line and column; exit 1; nothing written', async () => {
  const dir = tmp();
  try {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.csv'), /missing\.csv: cannot read the CSV file \(no such file\)/],
      [write('empty.csv', ''), /empty\.csv: empty CSV, expected a header row/],
      [write('col.csv', 'x_1,x_3,classification\n1,2,0\n'), /col\.csv: line 1: missing column 'x_2' \(the header has: x_1, x_3, classification/],
      [write('cell.csv', 'x_1,x_2,classification\n1,2,0\n1,abc,1\n'), /cell\.csv: line 3, column 2 'x_2': non-numeric value 'abc'/],
      [write('label.csv', 'x_1,x_2,classification\n1,2,0\n\n1,3,2\n'), /label\.csv: line 4, column 3 'classification': label 2, expected 0 or 1/],
      [write('rows.csv', 'x_1,x_2,classification\n'), /rows\.csv: 0 data rows after the header/],
    ];
    for (const [file, pattern] of cases) {
      const out = join(dir, 'out', 'nested');
      const err = sink();
      const code = await main(['node', 'wasmgrad', 'run', 'cli-test-csv', '--csv', file, '--out', out], { out: sink(), err });
      assert.is(code, 1, `${file}: ${err.text}`);
      assert.match(err.text, pattern);
      assert.is(err.text.trimEnd().split('\n').length, 1);
      assert.not.ok(existsSync(join(dir, 'out')), `nothing written for ${file}`);
    }
    const good = write('good.csv', '\uFEFFclassification,x_2,x_1,extra\n1,2,3,4\n0,5,6,7\n');
    assert.equal(readCsvColumns(good, { columns: ['x_1', 'x_2', 'classification'] }).rows, [[3, 2, 1], [6, 5, 0]]);
    const ok = await runExperiment(csvExp, { outDir: join(dir, 'ok'), seed: 1, quick: true, options: { csv: good } }, { out: quiet });
    assert.is(ok.error, undefined);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('outputs belong in sweep.report: writing them from an item or before the sweep is an error', async () => {
  const bad = register({
    ...sweepExp, id: 'cli-test-sweep-bad',
    async run(ctx) {
      await ctx.sweep((key) => {
        ctx.keyNumber('oops', 1);
        return key;
      });
    },
  });
  const dir = tmp();
  try {
    const r = await runExperiment(bad, { outDir: dir, seed: 1, quick: false }, { out: quiet });
    assert.match(r.error!, /ctx\.keyNumber inside a sweep item; return the numbers from the item/);
    const early = register({ ...sweepExp, id: 'cli-test-sweep-early', async run(ctx) { ctx.result('x', 1); } });
    const r2 = await runExperiment(early, { outDir: dir, seed: 1, quick: false }, { out: quiet });
    assert.match(r2.error!, /ctx\.result before ctx\.sweep/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test.run();
