import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  MNIST_MEAN,
  MNIST_STD,
  column,
  csvToFloat32,
  loadMnist,
  parseCsv,
  parseIdx,
  parseIdxRaw,
  readCsvFile,
  readIdxFile,
  selectColumns,
  standardize,
} from '../bindings/data/index.js';

// Compiled to dist/tests, so the sources' fixtures are two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'tests', 'fixtures', 'data');
const tmp = mkdtempSync(join(tmpdir(), 'wasmgrad-data-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A small IDX buffer: magic, big-endian dims, then the payload bytes. */
function idx(code: number, shape: number[], payload: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + payload.length);
  out.set([0, 0, code, shape.length]);
  const v = new DataView(out.buffer);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * shape.length);
  return out;
}

async function rejects(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<string> {
  try {
    await p;
  } catch (e) {
    const msg = (e as Error).message;
    for (const part of parts) {
      const ok = typeof part === 'string' ? msg.includes(part) : part.test(msg);
      assert.ok(ok, `error "${msg}" should contain ${part}`);
    }
    return msg;
  }
  assert.unreachable('expected an error');
  return '';
}

const throws = (f: () => unknown, ...parts: (string | RegExp)[]) =>
  rejects((async () => f())(), ...parts);

// ---- IDX ----

test('idx: uint8 3-D parse', () => {
  const a = parseIdxRaw(idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]), 'x');
  assert.is(a.dtype, 'uint8');
  assert.equal(a.shape, [2, 2, 3]);
  assert.ok(a.data instanceof Uint8Array);
  assert.equal(Array.from(a.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
});

test('idx: big-endian int16, int32, float32, float64, int8', () => {
  assert.equal(Array.from(parseIdxRaw(idx(0x0b, [2], [0xff, 0xfe, 0x01, 0x00])).data), [-2, 256]);
  assert.equal(Array.from(parseIdxRaw(idx(0x0c, [1], [0x00, 0x01, 0x00, 0x00])).data), [65536]);
  assert.equal(Array.from(parseIdxRaw(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data), [1.5]);
  assert.equal(Array.from(parseIdxRaw(idx(0x0e, [1], [0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data), [-2.5]);
  assert.equal(Array.from(parseIdxRaw(idx(0x09, [2], [0xff, 0x7f])).data), [-1, 127]);
});

test('idx: errors name the file and the problem', async () => {
  await throws(() => parseIdxRaw(new Uint8Array(0), 'empty.idx'), 'empty.idx', 'empty file');
  await throws(
    () => parseIdxRaw(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]), 'zip.idx'),
    'zip.idx',
    'wrong magic number',
    'found 50 4b 03 04',
    'expected 00 00',
  );
  await throws(() => parseIdxRaw(idx(0x0a, [1], [0]), 'code.idx'), 'code.idx', 'unsupported IDX type code 0x0a');
  await throws(
    () => parseIdxRaw(idx(0x08, [10, 2], [1, 2, 3]), 'short.idx'),
    'short.idx',
    'truncated',
    'needs 32 bytes',
    'found 15',
  );
  await throws(() => parseIdxRaw(new Uint8Array([0, 0, 8, 3, 0, 0]), 'hdr.idx'), 'hdr.idx', 'truncated IDX header');
  await throws(() => parseIdxRaw(idx(0x08, [1], [1, 2]), 'long.idx'), 'long.idx', '1 trailing bytes');
  await throws(() => parseIdxRaw(gzipSync(idx(0x08, [1], [1])), 'g.idx'), 'g.idx', 'gzip');
});

test('idx: gzip round trip, detected by magic bytes not the name', async () => {
  const raw = idx(0x08, [3], [7, 8, 9]);
  const gz = join(tmp, 'data-no-gz-suffix');
  writeFileSync(gz, gzipSync(raw));
  const a = await readIdxFile(gz);
  assert.equal(a.shape, [3]);
  assert.equal(Array.from(a.data), [7, 8, 9]);
  const b = await parseIdx(gzipSync(raw).buffer as ArrayBuffer, 'buf');
  assert.equal(Array.from(b.data), [7, 8, 9]);
  await rejects(parseIdx(gzipSync(raw).subarray(0, 12), 'cut.gz'), 'cut.gz', 'gzip');
});

test('idx: missing file names the path', async () => {
  await rejects(readIdxFile(join(tmp, 'nope-idx1-ubyte')), 'nope-idx1-ubyte', 'not found');
});

// ---- MNIST ----

test('mnist: bundled training set', async () => {
  const m = await loadMnist({ train: true });
  assert.is(m.n, 60000);
  assert.is(m.rows, 28);
  assert.is(m.cols, 28);
  assert.is(m.images.length, 60000 * 784);
  assert.is(m.labels.length, 60000);
  const counts = new Array(10).fill(0);
  for (const l of m.labels) counts[l]++;
  // The well-known class frequencies of the MNIST training set.
  assert.equal(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  let sum = 0;
  let sq = 0;
  let max = 0;
  for (const x of m.images) {
    sum += x;
    sq += x * x;
    if (x > max) max = x;
  }
  const mean = sum / m.images.length;
  const std = Math.sqrt(sq / m.images.length - mean * mean);
  assert.ok(Math.abs(mean - 0.1307) < 5e-5, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.3081) < 5e-5, `std ${std}`);
  assert.is(max, 1);
  assert.is(m.labels[0], 5); // the first training digit is a 5
  const s = standardize(m.images.subarray(0, 784 * 100));
  assert.ok(Math.abs(s[0] - (0 - MNIST_MEAN) / MNIST_STD) < 1e-6);
});

test('mnist: bundled test set and limit', async () => {
  const t = await loadMnist({ train: false });
  assert.is(t.n, 10000);
  const counts = new Array(10).fill(0);
  for (const l of t.labels) counts[l]++;
  assert.equal(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.is(t.labels[0], 7);
  const s = await loadMnist({ train: false, limit: 5 });
  assert.is(s.n, 5);
  assert.is(s.images.length, 5 * 784);
  assert.equal(Array.from(s.labels), Array.from(t.labels.subarray(0, 5)));
  assert.equal(Array.from(s.images), Array.from(t.images.subarray(0, 5 * 784)));
});

test('mnist: dataDir with .gz and dotted names, and explicit bytes', async () => {
  const dir = join(tmp, 'mnist-gz');
  mkdirSync(dir);
  const imgs = idx(0x08, [2, 28, 28], new Uint8Array(2 * 784).map((_, i) => i % 256));
  writeFileSync(join(dir, 't10k-images.idx3-ubyte.gz'), gzipSync(imgs));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(0x08, [2], [3, 4]));
  const m = await loadMnist({ train: false, dataDir: dir });
  assert.is(m.n, 2);
  assert.equal(Array.from(m.labels), [3, 4]);
  assert.is(m.images[255], 1);
  assert.is(m.images[1], Math.fround(1 / 255));
  const b = await loadMnist({ train: true, images: imgs, labels: idx(0x08, [2], [1, 2]) });
  assert.equal(Array.from(b.labels), [1, 2]);
});

test('mnist: count mismatch names both files and counts', async () => {
  const dir = join(tmp, 'mnist-bad');
  mkdirSync(dir);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(0x08, [3, 28, 28], new Uint8Array(3 * 784)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x08, [2], [0, 1]));
  await rejects(
    loadMnist({ train: true, dataDir: dir }),
    'count mismatch',
    'train-images-idx3-ubyte has 3 images',
    'train-labels-idx1-ubyte has 2 labels',
  );
});

test('mnist: missing folder and missing file', async () => {
  await rejects(loadMnist({ train: true, dataDir: join(tmp, 'absent') }), 'absent', 'folder not found');
  const dir = join(tmp, 'mnist-half');
  mkdirSync(dir);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(0x08, [1, 28, 28], new Uint8Array(784)));
  await rejects(
    loadMnist({ train: true, dataDir: dir }),
    'training labels not found in',
    'mnist-half',
    'train-labels-idx1-ubyte',
    'train-labels-idx1-ubyte.gz',
  );
});

// ---- CSV ----

test('csv: quoting, CRLF, trailing newline, BOM', () => {
  const t = parseCsv('\ufeffx_1,"x, 2","say ""y"""\r\n1,2.5,-3e2\r\n"4",.5,NaN\r\n', 'q.csv');
  assert.equal(t.columns, ['x_1', 'x, 2', 'say "y"']);
  assert.is(t.rows.length, 2);
  assert.equal(t.rows[0], [1, 2.5, -300]);
  assert.is(t.rows[1][1], 0.5);
  assert.ok(Number.isNaN(t.rows[1][2]));
  assert.equal(parseCsv('a,b\n1,2', 'n.csv').rows, [[1, 2]]);
});

test('csv: quoted field with a newline keeps later line numbers right', async () => {
  await throws(() => parseCsv('a,"b\nc"\n1,2\n3,oops\n', 'ml.csv'), "ml.csv: line 4, column 2 'b\nc'", "'oops'");
});

test('csv: errors name file, line and column', async () => {
  await throws(() => parseCsv('a,b\n1,2\n3,x\n', 'f.csv'), 'f.csv', 'line 3', "column 2 'b'", "non-numeric value 'x'");
  await throws(() => parseCsv('a,b\n1,\n', 'e.csv'), 'e.csv: line 2', 'empty cell');
  await throws(() => parseCsv('a,b\n1,2,3\n', 'w.csv'), 'w.csv: line 2', 'expected 2 fields', 'found 3');
  await throws(() => parseCsv('a,b\n"1,2\n', 'u.csv'), 'u.csv: line 2', 'unterminated');
  await throws(() => parseCsv('', 'z.csv'), 'z.csv', 'empty CSV');
  await throws(() => parseCsv('a,a\n1,2\n', 'd.csv'), "duplicate column 'a'");
  await throws(() => parseCsv('a\n0x10\n', 'h.csv'), "non-numeric value '0x10'");
});

test('csv: selectColumns, column, csvToFloat32', async () => {
  const t = parseCsv('x_0,x_1,y\n1,2,3\n4,5,6\n', 'data.csv');
  const s = selectColumns(t, ['y', 'x_0']);
  assert.equal(s.rows, [[3, 1], [6, 4]]);
  assert.equal(Array.from(column(t, 'x_1')), [2, 5]);
  const m = csvToFloat32(s);
  assert.equal(m.shape, [2, 2]);
  assert.equal(Array.from(m.data), [3, 1, 6, 4]);
  await throws(() => selectColumns(t, ['x_2']), "missing column 'x_2' in data.csv; columns are: x_0, x_1, y");
});

test('csv: readCsvFile from a fixture, and gzip', async () => {
  const path = join(fixtures, 'small.csv');
  const t = await readCsvFile(path);
  assert.equal(t.columns, ['x_0', 'x_1', 'label']);
  assert.is(t.rows.length, 4);
  assert.equal(t.rows[3], [-0.25, 1e-3, 1]);
  const gz = join(tmp, 'small.csv.gz');
  writeFileSync(gz, gzipSync(readFileSync(path)));
  assert.equal((await readCsvFile(gz)).rows, t.rows);
  await rejects(readCsvFile(join(fixtures, 'bad.csv')), 'bad.csv', 'line 3', "column 2 'x_1'", "'abc'");
});

test.run();
