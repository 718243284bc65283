// Checkpoints: round trip, bit-identical resume (model, Adam state, RNG), corrupt files named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, manualSeed, randn, nn, optim, Tensor } from '../bindings/index.js';
import { saveCheckpoint, loadCheckpoint } from '../bindings/train/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmgrad-ckpt-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test.before(async () => {
  await init();
});

function setup() {
  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01, amsgrad: true });
  const sched = new optim.StepLR(opt, { stepSize: 3, gamma: 0.5 });
  return { model, opt, sched };
}

const data = () => { manualSeed(99); return { x: randn([32, 6]), y: Array.from({ length: 32 }, (_, i) => i % 3) }; };

/** One step that draws from the RNG (dropout and a random minibatch). */
function trainStep(s: ReturnType<typeof setup>, x: Tensor, y: number[]): void {
  const rows = Array.from(randn([8]).data(), (v) => Math.floor(Math.abs(v) * 1000) % 32);
  s.opt.zeroGrad();
  nn.functional.crossEntropy(s.model.forward(x.indexSelect(0, rows)), rows.map((r) => y[r])).backward();
  s.opt.step();
  s.sched.step();
}

const bytesOf = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(new Uint8Array(p.data().buffer)))
  .concat(m.namedBuffers().flatMap(([, b]) => Array.from(new Uint8Array(b.data().buffer))));

test('resume: N steps straight equal N/2 + save + load into fresh objects + N/2, bit for bit', async () => {
  const { x, y } = data();
  manualSeed(1);
  const straight = setup();
  for (let i = 0; i < 10; i++) trainStep(straight, x, y);

  manualSeed(1);
  const first = setup();
  for (let i = 0; i < 5; i++) trainStep(first, x, y);
  const path = join(tmp, 'run.ckpt');
  await saveCheckpoint(path, { model: first.model, optimizer: first.opt, scheduler: first.sched, epoch: 5, extra: { note: 'half', losses: [1, 2] } });
  assert.not.ok(existsSync(`${path}.tmp`));
  randn([100]); // disturb the RNG: the checkpoint must restore it

  manualSeed(12345);
  const resumed = setup();
  const info = await loadCheckpoint(path, { model: resumed.model, optimizer: resumed.opt, scheduler: resumed.sched });
  assert.is(info.epoch, 5);
  assert.equal(info.extra, { note: 'half', losses: [1, 2] });
  assert.is(resumed.opt.paramGroups[0].lr, first.opt.paramGroups[0].lr);
  for (let i = 0; i < 5; i++) trainStep(resumed, x, y);
  assert.equal(bytesOf(resumed.model), bytesOf(straight.model));
});

test('truncated, corrupt and foreign files are refused with the file name', async () => {
  const s = setup();
  const path = join(tmp, 'ok.ckpt');
  await saveCheckpoint(path, { model: s.model, optimizer: s.opt });
  const bytes = readFileSync(path);
  const cut = join(tmp, 'cut.ckpt');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  const flipped = join(tmp, 'flipped.ckpt');
  const f = Buffer.from(bytes); f[f.length - 3] ^= 0xff;
  writeFileSync(flipped, f);
  const foreign = join(tmp, 'foreign.ckpt');
  writeFileSync(foreign, 'hello');
  const expectError = async (p: string, re: RegExp) => {
    try { await loadCheckpoint(p, { model: setup().model }); } catch (err) {
      const msg = (err as Error).message;
      assert.ok(msg.includes(p), msg);
      assert.match(msg, re);
      return;
    }
    assert.unreachable(`${p} loaded`);
  };
  await expectError(cut, /truncated/);
  await expectError(flipped, /checksum/);
  await expectError(foreign, /magic/);
  await expectError(join(tmp, 'missing.ckpt'), /cannot read/);
});

test.run();
