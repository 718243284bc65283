// `wasmgrad run ps5-backprop --csv FILE`: the seed's data file is private, so users bring their
// own. Bad files (and files too short for an 80/20 split) are errors naming the file, the line and the column, with exit code 1 and
// nothing written to --out; a good file (columns in any order, extra columns ignored) is used.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../bindings/index.js';
import { main } from '../cli/main.js';
import '../cli/experiments/index.js';

const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
};

test.before(async () => {
  await init();
});

test('ps5-backprop --csv: missing file, missing column, non-numeric cell, empty file, label not 0/1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-ps5-csv-'));
  try {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'nope.csv'), /nope\.csv: cannot read the CSV file \(no such file\)/],
      [write('empty.csv', ''), /empty\.csv: empty CSV, expected a header row/],
      [write('column.csv', 'x_1,x2,classification\n-5,100,0\n'), /column\.csv: line 1: missing column 'x_2'/],
      [write('cell.csv', 'x_1,x_2,classification\n-5.1,100,0\n-4.9,n/a,1\n'), /cell\.csv: line 3, column 2 'x_2': non-numeric value 'n\/a'/],
      [write('label.csv', `x_1,x_2,classification\n${'-5.1,100,0\n-4.9,300,1\n'.repeat(5)}-4.2,-50,2\n`), /label\.csv: line 12, column 3 'classification': label 2, expected 0 or 1/],
      [write('short.csv', 'x_1,x_2,classification\n-5.1,100,0\n-4.9,300,1\n'), /short\.csv: 2 data rows after the header; at least 10 needed/],
    ];
    for (const [file, pattern] of cases) {
      const out = join(dir, 'out');
      const err = sink();
      const code = await main(['node', 'wasmgrad', 'run', 'ps5-backprop', '--quick', '--csv', file, '--out', out], { out: sink(), err });
      assert.is(code, 1, `${file}: exit code (stderr: ${err.text})`);
      assert.match(err.text, pattern);
      assert.not.match(err.text, /\n\s+at /, 'no stack trace');
      assert.not.ok(existsSync(out), `nothing written for ${file}`);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('ps5-backprop --csv: a good file is used (columns in any order, extra ones ignored)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-ps5-csv-'));
  try {
    const rows = ['classification,x_2,note,x_1'];
    for (let i = 0; i < 40; i++) {
      const x1 = -6 + (2 * ((i * 7) % 40)) / 40, x2 = -900 + (1900 * ((i * 13) % 40)) / 40;
      rows.push(`${x2 > 0 ? 1 : 0},${x2},${i},${x1}`);
    }
    const file = join(dir, 'mine.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const out = join(dir, 'out');
    const code = await main(['node', 'wasmgrad', 'run', 'ps5-backprop', '--quick', '--epochs', '50', '--csv', file, '--out', out], { out: sink(), err: sink() });
    assert.is(code, 0);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.match(json.settings.data, /mine\.csv: 40 rows/);
    assert.is(json.settings['training / test rows'], '32 / 8');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test.run();
