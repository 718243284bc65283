// One generated test per registered experiment: its quick form runs twice with one seed, and
// the folder must hold results.json, report.md, every figure it lists (and nothing else but
// the declared files), numbers that are finite (unless the experiment declares otherwise),
// and the same bytes both times apart from the timings. Experiment-specific assertions live
// in tests/checks/<family>.ts. Nothing here lists experiments by hand.
import { readFileSync, readdirSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../cli/experiments/index.js';
import { TIMING_HEADING, runExperiment } from '../cli/output.js';
import { type Experiment, experiments } from '../cli/registry.js';
import { type QuickRun, type ResultsJson, checkFor, checkedIds, loadChecks } from './helpers/experiment-checks.js';

const quiet = { write: () => {} };
// Experiments that remember their checkpoint for `wasmgrad predict` write here, not in the user's state folder.
process.env.WASMGRAD_STATE_DIR = mkdtempSync(join(tmpdir(), 'wasmgrad-state-'));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Families are the folders of cli/experiments/ (test-only experiments registered elsewhere are skipped).
const experimentsDir = fileURLToPath(new URL('../cli/experiments/', import.meta.url));
const families = readdirSync(experimentsDir).filter((f) => statSync(join(experimentsDir, f)).isDirectory());
const registered = experiments().filter((e) => families.includes(e.family));

await loadChecks();

async function runQuick(exp: Experiment<any>, seed: number): Promise<QuickRun> {
  const dir = mkdtempSync(join(tmpdir(), `wasmgrad-${exp.id}-`));
  const summary = await runExperiment(exp, { outDir: dir, seed, quick: true }, { out: quiet });
  assert.is(summary.error, undefined, `${exp.id} failed: ${summary.error}`);
  return { id: exp.id, dir, json: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), report: readFileSync(join(dir, 'report.md'), 'utf8') };
}

/** Paths of every non-finite number (written as "NaN"/"Infinity" strings) outside the timings. */
function nonFinite(v: unknown, path = ''): string[] {
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return [path];
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFinite(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => nonFinite(x, `${path}.${k}`));
  return [];
}

function checkFolder(exp: Experiment<any>, run: QuickRun): void {
  const { dir, json, report } = run;
  const files = readdirSync(dir).sort();
  const figureFiles = Object.values(json.figures).map((f) => f.file);
  const expected = ['report.md', 'results.json', ...figureFiles, ...(exp.files ?? [])].sort();
  assert.equal(files, expected, `${exp.id}: files in the output folder`);
  for (const f of figureFiles) {
    const bytes = readFileSync(join(dir, f));
    assert.ok(bytes.subarray(0, 8).equals(PNG) && bytes.length > 1000, `${exp.id}/${f} is a PNG`);
    assert.ok(report.includes(`](${f})`), `${exp.id}: report.md shows ${f}`);
  }
  assert.is(json.id, exp.id);
  assert.is(json.settings.quick, true);
  assert.ok(json.keyNumbers.length > 0, `${exp.id}: no key numbers`);
  const { timing: _t, ...rest } = json;
  const bad = nonFinite(rest);
  if (!exp.nonFinite) assert.equal(bad, [], `${exp.id}: non-finite numbers in results.json at ${bad.slice(0, 5).join(', ')}`);
  for (const k of json.keyNumbers) assert.ok(k.ours !== '' && k.ours !== null, `${exp.id}: key number '${k.label}' is empty`);
  // a template placeholder written in a plain string shows up verbatim in the report
  const placeholder = /\$\{[^}]*\}/.exec(report);
  assert.is(placeholder, null, `${exp.id}: report.md contains an unfilled placeholder ${placeholder?.[0]}`);
}

function assertSameBytes(exp: Experiment<any>, a: QuickRun, b: QuickRun): void {
  const strip = (j: ResultsJson) => ({ ...j, timing: undefined });
  assert.equal(strip(a.json), strip(b.json), `${exp.id}: results.json differs between two runs with one seed`);
  assert.is(a.report.slice(0, a.report.indexOf(TIMING_HEADING)), b.report.slice(0, b.report.indexOf(TIMING_HEADING)), `${exp.id}: report.md differs`);
  for (const f of readdirSync(a.dir)) {
    if (f === 'results.json' || f === 'report.md') continue;
    assert.ok(readFileSync(join(a.dir, f)).equals(readFileSync(join(b.dir, f))), `${exp.id}/${f} differs between two runs with one seed`);
  }
}

for (const exp of registered) {
  test(`${exp.id}: quick form twice — its files, finite numbers, the same bytes`, async () => {
    const a = await runQuick(exp, 1);
    const b = await runQuick(exp, 1);
    try {
      checkFolder(exp, a);
      assertSameBytes(exp, a, b);
      await checkFor(exp.id)?.(a);
    } finally {
      rmSync(a.dir, { recursive: true });
      rmSync(b.dir, { recursive: true });
    }
  });
}

test('every experiment sits in a family folder, and every check names a registered experiment', () => {
  const unfiled = experiments().filter((e) => !families.includes(e.family) && !e.family.startsWith('cli-test'));
  assert.equal(unfiled.map((e) => `${e.id} (${e.family})`), []);
  const ids = new Set(registered.map((e) => e.id));
  assert.equal(checkedIds().filter((id) => !ids.has(id)), [], 'checks for unknown experiments');
  assert.ok(registered.length >= 3);
});

test.run();
