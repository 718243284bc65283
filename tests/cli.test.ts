// The CLI frame: the launcher's help, version, list and usage errors (spawned, as users run it),
// then a tiny test-only experiment run through the API and through main() in-process.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../cli/main.js';
import { TIMING_HEADING, engineVersion, runExperiment } from '../cli/output.js';
import { lineChart } from '../cli/plot/line.js';
import { Console } from '../cli/progress.js';
import { type Experiment, register } from '../cli/registry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'wasmgrad.js'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function assertUsageError(r: ReturnType<typeof cli>, mentions: RegExp) {
  assert.is(r.code, 2, `exit code for: ${r.err}`);
  const lines = r.err.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got: ${r.err}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], mentions);
  assert.not.match(r.err, /\n\s+at /);
}

test('--help lists the commands', () => {
  const r = cli('--help');
  assert.is(r.code, 0);
  assert.match(r.out, /list/);
  assert.match(r.out, /run \[id\|all\]/);
});

test('--version prints the package.json version', () => {
  const r = cli('--version');
  assert.is(r.code, 0);
  assert.is(r.out.trim(), version);
  assert.is(engineVersion(), version);
});

test('list exits 0', () => {
  assert.is(cli('list').code, 0);
});

test('unknown experiment id: exit 2, one line naming it', () => {
  assertUsageError(cli('run', 'no-such-experiment'), /no-such-experiment/);
  assertUsageError(cli('run', 'no-such-experiment', '--seed', '3'), /no-such-experiment/);
});

test('bad flags and values: exit 2, one line naming the problem', () => {
  assertUsageError(cli('run', 'all', '--seed', 'abc'), /--seed.*abc/);
  assertUsageError(cli('run', 'all', '--frobnicate'), /--frobnicate/);
  assertUsageError(cli('lsit'), /lsit/);
});

// --- a test-only experiment, registered through the API -----------------------------------

// Family 'cli-test' is no folder of cli/experiments/, so the generated per-experiment tests skip these.
const tiny: Experiment<{ epochs: number; scale: number }> = {
  id: 'cli-test-tiny',
  family: 'cli-test',
  title: 'Tiny test experiment',
  seed: 'none (test only)',
  description: 'A deterministic curve from the seed, for the CLI tests.',
  flags: ['epochs', 'data-dir', 'limit'],
  settings: { epochs: 20, scale: 1 },
  quick: { epochs: 5 },
  options: [{ flags: '--scale <x>', description: 'curve amplitude', parse: 'positive-number', default: 1 }],
  async run(ctx) {
    const steps = ctx.settings.epochs;
    const scale = ctx.options.scale as number;
    ctx.setting('scale used', scale);
    let s = ctx.seed + 1;
    const y: number[] = [];
    const bar = ctx.progress('steps', steps);
    for (let i = 0; i < steps; i++) {
      s = (s * 16807) % 2147483647;
      y.push(scale * (s / 2147483647));
      bar.tick(1, { loss: y[i] });
    }
    bar.done();
    ctx.result('y', Float64Array.from(y)); // typed arrays must land in JSON as plain arrays
    ctx.result('diverged', NaN);
    ctx.figure('curve', lineChart({ title: 'A curve', x: { label: 'step' }, y: { label: 'y' }, series: [{ name: 'y', x: y.map((_, i) => i), y }] }), { caption: 'made by the test' });
    ctx.section('Some *markdown*.');
    ctx.keyNumber('mean y', y.reduce((a, b) => a + b, 0) / y.length, { seed: 0.5, note: 'uniform' });
    ctx.timing('loop', 0.001);
  },
};
register(tiny);
register({ ...tiny, id: 'cli-test-throws', options: [], async run() { throw new Error('boom at step 3'); } });
register({ ...tiny, id: 'cli-test-noflags', flags: [], settings: { epochs: 1, scale: 1 }, quick: {}, options: [], async run(ctx) { ctx.keyNumber('epochs', ctx.settings.epochs); } });

const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
};
const tmp = () => mkdtempSync(join(tmpdir(), 'wasmgrad-cli-'));

function withoutTiming(dir: string) {
  const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  delete json.timing;
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  return { json, md: md.slice(0, md.indexOf(TIMING_HEADING)) };
}

test('same seed, same outputs (apart from timing), all written whole', async () => {
  const a = tmp();
  const b = tmp();
  try {
    for (const dir of [a, b]) {
      const s = await runExperiment(tiny, { outDir: dir, seed: 7, quick: true, options: { scale: 2 } }, { out: sink() });
      assert.is(s.error, undefined);
    }
    assert.equal(readdirSync(a).sort(), ['curve.png', 'report.md', 'results.json']); // no *.tmp left
    assert.equal(withoutTiming(a), withoutTiming(b));
    assert.ok(readFileSync(join(a, 'curve.png')).equals(readFileSync(join(b, 'curve.png'))));

    const json = JSON.parse(readFileSync(join(a, 'results.json'), 'utf8'));
    assert.is(json.seed, 7);
    assert.is(json.engineVersion, version);
    assert.is(json.settings.epochs, 5);
    assert.is(json.settings.options.scale, 2);
    assert.is(json.settings['scale used'], 2);
    assert.is(json.results.y.length, 5);
    assert.is(json.results.diverged, 'NaN');
    assert.equal(json.keyNumbers[0].seedReported, 0.5);
    assert.is(typeof json.timing.wallSeconds, 'number');
    assert.is(json.timing.loop, 0.001);
    assert.equal(json.figures.curve.data.series[0].y, json.results.y);

    const md = readFileSync(join(a, 'report.md'), 'utf8');
    assert.match(md, /^# Tiny test experiment/);
    assert.match(md, /\| quantity \| ours \| seed reported \| note \|/);
    assert.match(md, /!\[A curve\]\(curve\.png\)/);
    assert.match(md, /Some \*markdown\*\./);

    const c = tmp();
    await runExperiment(tiny, { outDir: c, seed: 8, quick: true, options: { scale: 2 } }, { out: sink() });
    assert.not.equal(withoutTiming(a).json.results, withoutTiming(c).json.results);
    rmSync(c, { recursive: true });
  } finally {
    rmSync(a, { recursive: true });
    rmSync(b, { recursive: true });
  }
});

test('main(): experiment flags are accepted for their id only, and checked', async () => {
  const dir = tmp();
  try {
    const out = sink();
    const err = sink();
    const code = await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--out', dir, '--quick', '--scale', '3', '--seed', '1'], { out, err });
    assert.is(code, 0, err.text);
    assert.is(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).settings.options.scale, 3);
    // Non-TTY progress: plain lines at 25/50/75/100 %.
    assert.is(out.text.split('\n').filter((l) => l.startsWith('steps ')).length, 4);

    const help = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--help'], { out: help, err: sink() }), 0);
    assert.match(help.text, /--scale <x>/);

    const bad = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--scale', '-1'], { out: sink(), err: bad }), 2);
    assert.match(bad.text, /^error: option '--scale <x>' argument '-1' is invalid/);

    const other = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-throws', '--scale', '2'], { out: sink(), err: other }), 2);
    assert.match(other.text, /unknown option '--scale'/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('bad values of declared flags: exit 2, one line naming the flag', async () => {
  for (const [args, mentions] of [
    [['--epochs', '0'], /--epochs.*'0'/],
    [['--data-dir', '/no/such/dir'], /--data-dir.*no such directory/],
    [['--limit', 'x'], /--limit.*'x'/],
  ] as const) {
    const err = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', ...args], { out: sink(), err }), 2, err.text);
    assert.is(err.text.trimEnd().split('\n').length, 1);
    assert.match(err.text, mentions);
  }
});

test('only the declared common flags are offered', async () => {
  const help = sink();
  assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-noflags', '--help'], { out: help, err: sink() }), 0);
  assert.not.match(help.text, /--epochs|--data-dir|--limit|--shard/);
  assert.match(help.text, /--seed/);
  const bad = sink();
  assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-noflags', '--epochs', '3'], { out: sink(), err: bad }), 2);
  assert.match(bad.text, /unknown option '--epochs'/);
  const tinyHelp = sink();
  await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--help'], { out: tinyHelp, err: sink() });
  assert.match(tinyHelp.text, /--epochs <n> +number of epochs \(default: 20, 5 with --quick\)/);
});

test('an output folder that cannot be written: exit 2 before any compute', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const err = sink();
    const out = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--out', join(file, 'sub')], { out, err }), 2);
    assert.match(err.text, /^error: --out .*a-file\/sub: cannot create the folder \(ENOTDIR/);
    assert.not.match(out.text, /cli-test-tiny/, 'nothing ran');
    const err2 = sink();
    assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--out', file], { out: sink(), err: err2 }), 2);
    assert.match(err2.text, /exists and is not a folder/);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      const err3 = sink();
      assert.is(await main(['node', 'wasmgrad', 'run', 'cli-test-tiny', '--out', ro], { out: sink(), err: err3 }), 2);
      assert.match(err3.text, /the folder is not writable \(EACCES/);
      chmodSync(ro, 0o700);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('main(): a throwing experiment exits 1 with one error line', async () => {
  const dir = tmp();
  try {
    const err = sink();
    const code = await main(['node', 'wasmgrad', 'run', 'cli-test-throws', '--out', dir], { out: sink(), err });
    assert.is(code, 1);
    assert.is(err.text, 'error: cli-test-throws: boom at step 3\n');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('progress on a TTY redraws at most every 100 ms', () => {
  let t = 0;
  const out = Object.assign(sink(), { isTTY: true, columns: 100 });
  const con = new Console(out, () => t);
  const bar = con.progress('train', 1000);
  for (let i = 0; i < 1000; i++) {
    bar.tick(1, { loss: 1 / (i + 1) });
    t += 0.5; // 500 ms in all: about 5 redraws
  }
  bar.done();
  const draws = out.text.split('\r\x1b[K').length - 1;
  assert.ok(draws >= 5 && draws <= 8, `draws: ${draws}`);
  assert.match(out.text, /train \[#+\] 1000\/1000 .*\/s in 0:01 loss 0\.001000\n$/);
});

test.run();
