// The loops a PyTorch user writes without thinking, each run for ≥ 2,000 iterations with nothing
// freed by hand (no dispose(), tidy() or keep() in the loop): wasm memory and live bytes must stop
// growing after the first few iterations. The table these numbers go into is printed at the end.
// README's memory section names these loops as its examples.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as wg from '../bindings/index.js';

const { nn, optim, data } = wg;
const F = nn.functional;
const test = suite('memory loops');
test.before(async () => {
  await wg.init();
});

const N = 2000;
const rows: string[] = [];

interface Seen { wasm: number; live: number }
/**
 * Runs `iteration(i)` N times; memory is sampled after iterations 10, 50 and N. From the 50th on
 * nothing may grow: wasm memory is the same and live bytes are no more than at the 50th.
 */
async function flat(name: string, iteration: (i: number) => void | Promise<void>, sampleInside?: (i: number) => Seen | null): Promise<void> {
  const seen: Record<number, Seen> = {};
  let maxLiveLate = 0;
  for (let i = 1; i <= N; i++) {
    await iteration(i);
    const m = sampleInside?.(i) ?? { wasm: wg.memoryInfo().wasmBytes, live: wg.memoryInfo().liveBytes };
    if (i === 10 || i === 50 || i === N) seen[i] = m;
    if (i > 50) maxLiveLate = Math.max(maxLiveLate, m.live);
  }
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  rows.push(`| ${name} | ${mb(seen[10].wasm)} | ${mb(seen[N].wasm)} | ${mb(seen[10].live)} | ${mb(seen[50].live)} | ${mb(seen[N].live)} |`);
  assert.is(seen[N].wasm, seen[50].wasm, `${name}: wasm memory grew after iteration 50 (${seen[50].wasm} → ${seen[N].wasm})`);
  assert.ok(maxLiveLate <= seen[50].live, `${name}: live bytes grew after iteration 50 (${seen[50].live} → max ${maxLiveLate})`);
}

function mlp(inputs: number, hidden: number, outputs: number): wg.nn.Sequential {
  return new nn.Sequential(new nn.Linear(inputs, hidden), new nn.ReLU(), new nn.Linear(hidden, outputs));
}

test('train, input per batch: tensor(float32Slice).reshape(...) each step', async () => {
  wg.manualSeed(1);
  const X = wg.randn([640, 20]).data();
  const Y = Float32Array.from({ length: 640 }, (_, i) => i % 3);
  const model = mlp(20, 32, 3);
  const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
  let first = 0, last = 0;
  await flat('train, input per batch', (i) => {
    const b = i % 20;
    const x = wg.tensor(X.subarray(b * 640, (b + 1) * 640)).reshape([32, 20]);
    const y = wg.tensor(Y.subarray(b * 32, (b + 1) * 32));
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    last = loss.item();
    if (i === 1) first = last;
  });
  assert.ok(last < first, `it trains (${first} → ${last})`);
});

test('train, many read-backs after step(): a gradient norm per layer, then loss.item()', async () => {
  // Nine read-backs between backward() and loss.item() are nine ticks: the loss (last used in the
  // completed step) must survive them, and memory must still stay flat.
  wg.manualSeed(2);
  const layers = Array.from({ length: 9 }, (_, k) => new nn.Linear(k === 0 ? 20 : 16, k === 8 ? 3 : 16));
  const model = new nn.Sequential(...layers.flatMap((l, k) => (k < 8 ? [l, new nn.Sigmoid()] : [l])));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.8, nesterov: true, weightDecay: 1e-5 });
  let norms = 0;
  await flat('train, read-backs after step()', () => {
    const loss = F.crossEntropy(model(wg.randn(10, 20)), wg.randint(0, 3, [10]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    norms += wg.noGrad(() => layers.map((l) => l.weight.grad!.square().sum().sqrt().item())).length;
    assert.ok(Number.isFinite(loss.item()));
  });
  assert.is(norms, 9 * N);
});

test('train, DataLoader: for (const [x, y] of loader)', async () => {
  wg.manualSeed(2);
  const ds = new data.TensorDataset(wg.randn([320, 20]), Float32Array.from({ length: 320 }, (_, i) => i % 4));
  const loader = new data.DataLoader(ds, { batchSize: 32, shuffle: true });
  const model = mlp(20, 32, 4);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  let it = loader[Symbol.iterator]();
  await flat('train, DataLoader', () => {
    let next = it.next();
    if (next.done) { it = loader[Symbol.iterator](); next = it.next(); }
    const [x, y] = next.value;
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
});

test('evaluate, one noGrad around the whole loop over 10,000 images', async () => {
  wg.manualSeed(3);
  const images = wg.randn([10000, 20]).keep();
  const model = mlp(20, 32, 10);
  model.eval();
  let correct = 0;
  // one noGrad() around all 2,000 batches: memory is sampled inside it
  const samples: Seen[] = [];
  wg.noGrad(() => {
    for (let i = 0; i < N; i++) {
      const x = images.slice(0, i * 5, i * 5 + 5);
      const pred = model.forward(x).argmax(1).data();
      correct += pred.filter((p) => p === 0).length;
      samples.push({ wasm: wg.memoryInfo().wasmBytes, live: wg.memoryInfo().liveBytes });
    }
  });
  await flat('evaluate, one noGrad', () => {}, (i) => samples[i - 1]);
  assert.ok(correct >= 0);
});

test('evaluate, no noGrad: model.eval(); model.forward(x).argmax(1).data()', async () => {
  wg.manualSeed(4);
  const images = wg.randn([10000, 20]).data();
  const model = mlp(20, 32, 10);
  model.eval();
  let count = 0;
  await flat('evaluate, no noGrad', (i) => {
    const b = (i - 1) % 2000;
    const x = wg.tensor(images.subarray(b * 100, b * 100 + 100)).reshape([5, 20]);
    count += model.forward(x).argmax(1).data().length;
  });
  assert.is(count, 5 * N);
});

test('GAN step: two models, two optimisers, two backward() per step, both losses read after both', async () => {
  wg.manualSeed(5);
  const G = mlp(4, 16, 8);
  const D = new nn.Sequential(new nn.Linear(8, 16), new nn.LeakyReLU(0.2), new nn.Linear(16, 1));
  const optG = new optim.Adam(G.parameters(), { lr: 1e-3 });
  const optD = new optim.Adam(D.parameters(), { lr: 1e-3 });
  const real = wg.randn([16, 8]).add(2).keep();
  const ones = wg.ones([16, 1]).keep(), zeros = wg.zeros([16, 1]).keep();
  let dSum = 0, gSum = 0;
  await flat('GAN step', () => {
    const fake = G.forward(wg.randn([16, 4]));
    const lossD = F.binaryCrossEntropyWithLogits(D.forward(real), ones)
      .add(F.binaryCrossEntropyWithLogits(D.forward(fake.detach()), zeros));
    optD.zeroGrad();
    lossD.backward();
    optD.step();
    const lossG = F.binaryCrossEntropyWithLogits(D.forward(fake), ones);
    optG.zeroGrad();
    lossG.backward();
    optG.step();
    dSum += lossD.item(); // read after the generator's backward(): still alive
    gSum += lossG.item();
  });
  assert.ok(Number.isFinite(dSum) && Number.isFinite(gSum));
});

test('VAE step: randn(mu.shape) noise each step', async () => {
  wg.manualSeed(6);
  const enc = mlp(12, 16, 8);
  const dec = mlp(4, 16, 12);
  const opt = new optim.Adam([...enc.parameters(), ...dec.parameters()], { lr: 1e-3 });
  const x = wg.rand([32, 12]).keep();
  await flat('VAE step', () => {
    const h = enc.forward(x);
    const mu = h.slice(1, 0, 4), logvar = h.slice(1, 4, 8);
    const z = mu.add(logvar.mul(0.5).exp().mul(wg.randn(mu.shape.slice())));
    const recon = F.binaryCrossEntropyWithLogits(dec.forward(z), x, { reduction: 'sum' });
    const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
    const loss = recon.add(kl);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
});

test('async loop: await between batches, as a browser page does', async () => {
  wg.manualSeed(7);
  const X = wg.randn([64, 10]).keep();
  const y = wg.randint(0, 2, [64]).keep();
  const model = mlp(10, 16, 2);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  await flat('async loop', async () => {
    await new Promise((r) => setImmediate(r));
    const loss = F.crossEntropy(model.forward(X), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    await Promise.resolve();
  });
});

// The width sweep runs in child processes: the largest model alone, then all 24 widths, each on
// a fresh heap (wasm memory never shrinks, so only a fresh process measures a need).
const sweepProgram = fileURLToPath(new URL('./helpers/width-sweep-program.js', import.meta.url));
const runSweep = (mode: string) => JSON.parse(execFileSync(process.execPath, [sweepProgram, mode], { encoding: 'utf8' }));

test('width sweep: 24 models of different widths trained one after another fit in 1.5× the largest one\'s need', () => {
  const alone = runSweep('largest');
  const sweep = runSweep('sweep');
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  rows.push(`| width sweep (24 widths × 100 steps) | largest alone: heap ${mb(alone.heapHighWater)} | sweep: heap ${mb(sweep.heapHighWater)} (${(sweep.heapHighWater / alone.heapHighWater).toFixed(2)}×) | wasm ${mb(alone.wasmBytes)} / ${mb(sweep.wasmBytes)} | | |`);
  assert.is(sweep.iterations, 2400);
  assert.ok(sweep.heapHighWater <= 1.5 * alone.heapHighWater,
    `the sweep's heap high-water ${sweep.heapHighWater} exceeds 1.5× the largest model's ${alone.heapHighWater}`);
  assert.ok(sweep.lastLoss < sweep.firstLoss, 'the models train');
});

test.after(() => {
  console.log('\n| loop | wasm MiB @10 | wasm MiB @2000 | live MiB @10 | live MiB @50 | live MiB @2000 |\n|---|---|---|---|---|---|\n' + rows.join('\n'));
});

test.run();
