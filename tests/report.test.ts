// `wasmgrad report`: the hand-in page built from quick runs. Self-contained (every figure a data
// URI, no external reference), key numbers and settings from results.json, the same bytes for
// the same folders, written whole; clear one-line errors for folders without runs, missing
// figures and a missing Chromium; --pdf through Debian's Chromium where it is installed.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../cli/main.js';
import { runExperiment } from '../cli/output.js';
import { findExperiment } from '../cli/registry.js';
import { formatValue } from '../cli/harness/report.js';

const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
};

const work = mkdtempSync(join(tmpdir(), 'wasmgrad-report-'));
const runs = join(work, 'results');
const ID = 'autodiff-sigmoid-squared';

async function report(...args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(['node', 'wasmgrad', 'report', ...args], { out, err });
  return { code, out: out.text, err: err.text };
}

test.before(async () => {
  const exp = findExperiment(ID);
  assert.ok(exp, `${ID} is registered`);
  for (const seed of [1, 2]) {
    const s = await runExperiment(exp!, { outDir: join(runs, `${ID}-seed${seed}`), seed, quick: true }, { out: sink() });
    assert.is(s.error, undefined);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test('one self-contained page: every figure inlined, key numbers beside the seed\'s, settings, same bytes twice', async () => {
  const file = join(work, 'hand-in.html');
  const r = await report(runs, '--out', file, '--title', 'My homework');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /wrote .*hand-in\.html/);
  const html = readFileSync(file, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<title>My homework<\/title>/);

  const dirs = readdirSync(runs).sort();
  let figures = 0;
  for (const dir of dirs) {
    const results = JSON.parse(readFileSync(join(runs, dir, 'results.json'), 'utf8'));
    for (const f of Object.values(results.figures) as { file: string }[]) {
      const uri = `data:image/png;base64,${readFileSync(join(runs, dir, f.file)).toString('base64')}`;
      assert.ok(html.includes(`src="${uri}"`), `${dir}/${f.file} is inlined`);
      figures++;
    }
    for (const k of results.keyNumbers as { label: string; ours: number }[]) {
      const row = new RegExp(`<td>${k.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</td><td>${formatValue(k.ours).replace(/[.+]/g, '\\$&')}</td>`);
      assert.match(html, row, `key number '${k.label}' of ${dir}`);
    }
    assert.ok(html.includes(`<td>seed</td><td>${results.seed}</td>`), `settings of ${dir}`);
  }
  assert.ok(figures >= 4, `figures found: ${figures}`);
  assert.is((html.match(/<img /g) ?? []).length, figures, 'no other images');
  assert.not.match(html, /src="(?!data:)/, 'no reference outside the page');
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<link /i);
  assert.match(html, /<th>quantity<\/th><th>ours<\/th><th>seed reported<\/th>/);
  assert.ok(html.indexOf('seed 1') < html.indexOf('seed 2'), 'runs in folder order');
  // report.md's own settings and key-number tables are replaced by the ones from results.json
  assert.is((html.match(/<h3>Key numbers<\/h3>/g) ?? []).length, 2);
  assert.not.match(html, /<h3>Settings<\/h3>[^]*<h3>Settings<\/h3>[^]*<h3>Settings<\/h3>/);

  const again = join(work, 'again.html');
  assert.is((await report(join(runs, dirs[0]), join(runs, dirs[1]), '--out', again, '--title', 'My homework')).code, 0);
  assert.ok(readFileSync(again).equals(readFileSync(file)), 'the same folders give the same bytes');
  assert.not.ok(readdirSync(work).some((f) => f.endsWith('.tmp')), 'no temp file left');
});

test('bad input: one line naming the problem, exit 1, nothing written', async () => {
  const empty = mkdtempSync(join(work, 'empty-'));
  const out = join(work, 'never.html');
  let r = await report(empty, '--out', out);
  assert.is(r.code, 1);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^error: report: .*empty-.* holds no results\.json/);

  r = await report(join(work, 'no-such-folder'), '--out', out);
  assert.is(r.code, 1);
  assert.match(r.err, /no-such-folder is not a folder/);

  const broken = join(work, 'broken');
  cpSync(join(runs, `${ID}-seed1`), broken, { recursive: true });
  const png = readdirSync(broken).find((f) => f.endsWith('.png'))!;
  rmSync(join(broken, png));
  r = await report(broken, '--out', out);
  assert.is(r.code, 1);
  assert.match(r.err, new RegExp(`report\\.md refers to ${png.replace('.', '\\.')}, which is not in .*broken`));
  assert.not.match(r.err, /\n\s+at /);

  writeFileSync(join(broken, 'results.json'), '{ "id": ');
  r = await report(broken, '--out', out);
  assert.is(r.code, 1);
  assert.match(r.err, /broken\/results\.json is not valid JSON/);
  assert.not.ok(existsSync(out), 'no page written on bad input');
});

test('--pdf without Chromium: a clear error before anything is written', async () => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = join(work, 'no-chromium-here');
  try {
    const out = join(work, 'nopdf.html');
    const r = await report(runs, '--out', out, '--pdf');
    assert.is(r.code, 1);
    assert.match(r.err, /^error: report --pdf: no Chromium at .*no-chromium-here; install it \(Debian: apt-get install chromium\) or set CHROMIUM_PATH/);
    assert.not.ok(existsSync(out));
  } finally {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  }
});

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
test(`--pdf prints the page through Chromium (${existsSync(chromium) ? chromium : 'skipped: no Chromium'})`, async () => {
  if (!existsSync(chromium)) return; // .ci/run installs Debian's chromium, so CI runs this
  const out = join(work, 'print.html');
  const r = await report(runs, '--out', out, '--pdf');
  assert.is(r.code, 0, r.err);
  const pdf = readFileSync(join(work, 'print.pdf'));
  assert.is(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf.length > 50_000, `a PDF with the figures: ${pdf.length} bytes`);
  assert.not.ok(readdirSync(work).some((f) => f.endsWith('.tmp')));
});

test.run();
