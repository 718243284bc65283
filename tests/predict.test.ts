// `wasmgrad predict`: MNIST test digits rendered as users' images (scaled up, black on white,
// off-centre) come back as MNIST-like inputs and get the model's own predictions; two
// hand-drawn images (a ballpoint "3" photographed on paper, a mouse-drawn "7" on a transparent
// canvas) are recognised; bad inputs and other checkpoints get one-line errors and exit codes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, nn } from '../bindings/index.js';
import { loadMnist } from '../bindings/data/mnist.js';
import { serializeCheckpoint } from '../bindings/train/index.js';
import { main } from '../cli/main.js';
import { prepareDigit } from '../cli/predict/preprocess.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => join(root, 'tests', 'fixtures', 'digits', name);
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-predict-'));
const N = 20;
let digits: { images: Float32Array; labels: Uint8Array };
const rendered: string[] = [];

const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), get text() { return text; } };
};
async function cli(...args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(['node', 'wasmgrad', ...args], { out, err });
  return { code, out: out.text, err: err.text };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test.before(async () => {
  await init();
  process.env.WASMGRAD_STATE_DIR = join(dir, 'state');
  const m = await loadMnist({ train: false, limit: N });
  digits = m;
  // As a user's image: 8× larger (smoothly), dark digit on white, somewhere on a bigger page.
  for (let i = 0; i < N; i++) {
    const px = Buffer.alloc(784);
    for (let k = 0; k < 784; k++) px[k] = 255 - Math.round(m.images[i * 784 + k] * 255);
    const big = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).resize(224, 224, { kernel: 'cubic' }).png().toBuffer();
    const file = join(dir, `digit-${i}.png`);
    await sharp({ create: { width: 520, height: 380, channels: 3, background: '#ffffff' } })
      .composite([{ input: big, left: 20 + 13 * i, top: 10 + 7 * i }]).png().toFile(file);
    rendered.push(file);
  }
  // A small but real model, trained by the CLI as users do (2,000 images, 2 epochs).
  const r = await cli('run', 'mnist-cnn', '--epochs', '2', '--limit', '2000', '--out', join(dir, 'cnn'));
  assert.is(r.code, 0, r.err);
});

test.after(() => rmSync(dir, { recursive: true }));

test('preprocessing: a rendered test digit comes back as (nearly) the MNIST original', async () => {
  for (const [i, file] of rendered.entries()) {
    const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
    const grey = Uint8Array.from({ length: info.width * info.height }, (_, k) => data[k * info.channels]);
    const p = prepareDigit({ width: info.width, height: info.height, pixels: grey });
    assert.ok(p.inverted, 'dark on light is inverted');
    const c = correlation(p.pixels, digits.images.subarray(i * 784, (i + 1) * 784));
    assert.ok(c > 0.85, `digit ${i}: correlation with the original ${c.toFixed(3)}`);
  }
  assert.throws(() => prepareDigit({ width: 40, height: 30, pixels: new Uint8Array(1200).fill(200) }), /no digit found/);
});

test('predict: the last mnist-cnn checkpoint by default, ten probabilities per image, --json', async () => {
  const r = await cli('predict', ...rendered.slice(0, 3), '--preview', join(dir, 'preview.png'));
  assert.is(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^model: .*cnn/model\\.ckpt \\(test accuracy \\d+\\.\\d+%\\)`));
  assert.match(r.out, /digit-0\.png: \d \(probability 0\.\d{4}\)\n  0: 0\.\d{4}  1: .*  9: 0\.\d{4}\n/);
  const j = await cli('predict', ...rendered, '--json', '--model', join(dir, 'cnn', 'model.ckpt'));
  assert.is(j.code, 0, j.err);
  const doc = JSON.parse(j.out) as { predictions: Array<{ file: string; prediction: number; probabilities: number[] }> };
  assert.is(doc.predictions.length, N);
  let agree = 0;
  for (const [i, p] of doc.predictions.entries()) {
    assert.is(p.probabilities.length, 10);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    if (p.prediction === digits.labels[i]) agree++;
  }
  // The model is small (86 % on test images); rendered digits must fare about as well.
  assert.ok(agree >= 16, `${agree} of ${N} rendered digits classified right`);
});

test('predict: hand-drawn digits (a ballpoint 3 photographed on paper, a mouse-drawn 7 on a transparent canvas)', async () => {
  const r = await cli('predict', fixture('hand-drawn-3.jpg'), fixture('hand-drawn-7.png'), '--json');
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { predictions: Array<{ prediction: number }> };
  assert.equal(doc.predictions.map((p) => p.prediction), [3, 7]);
});

test('predict: bad images and other checkpoints get one-line errors and exit codes', async () => {
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'this is not an image\n');
  const empty = join(dir, 'empty.png');
  writeFileSync(empty, '');
  const blank = join(dir, 'blank.png');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f0f0f0' } }).png().toFile(blank);
  const huge = join(dir, 'huge.png');
  await sharp({ create: { width: 9000, height: 5000, channels: 3, background: '#ffffff' } }).png().toFile(huge);
  const cases: Array<[string[], number, RegExp]> = [
    [[text], 1, /notes\.png: not an image sharp can read/],
    [[empty], 1, /empty\.png: the file is empty/],
    [[blank], 1, /blank\.png: no digit found/],
    [[huge], 1, /huge\.png: the image has more than 40 million pixels/],
    [[join(dir, 'missing.png')], 2, /missing\.png: no such file/],
  ];
  for (const [files, code, pattern] of cases) {
    const r = await cli('predict', ...files);
    assert.is(r.code, code, `${files}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.is(r.err.trimEnd().split('\n').length, 1, r.err);
    assert.not.match(r.err, /\n\s+at /);
  }
  // One bad image among good ones: the good ones are still classified.
  const mixed = await cli('predict', rendered[0], text);
  assert.is(mixed.code, 1);
  assert.match(mixed.out, /digit-0\.png: \d/);

  const other = join(dir, 'other.ckpt');
  writeFileSync(other, serializeCheckpoint({ model: new nn.Linear(784, 10) }));
  const o = await cli('predict', rendered[0], '--model', other);
  assert.is(o.code, 1);
  assert.match(o.err, /other\.ckpt: a checkpoint of another model .*not of the network mnist-cnn trains/);
  const junk = join(dir, 'junk.ckpt');
  writeFileSync(junk, 'GIF89a not a checkpoint');
  const g = await cli('predict', rendered[0], '--model', junk);
  assert.is(g.code, 1);
  assert.match(g.err, /junk\.ckpt is not a valid wasmgrad checkpoint: wrong magic bytes/);
  const none = await cli('predict', rendered[0], '--model', join(dir, 'nope.ckpt'));
  assert.is(none.code, 2);
  assert.match(none.err, /--model .*nope\.ckpt: no such file/);
});

test.run();
