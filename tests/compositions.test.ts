/**
 * The layers compose into the course's models (issue 13): a DCGAN generator/discriminator pair,
 * a VAE, a 2-block ViT on 28×28 input, a ResNet basic block and an RBM CD-1 step. Each trains for
 * a few steps on a fixed batch: every loss is finite, the loss falls, and the live wasm memory at
 * the end of a step is the same from the second step on (nothing leaks per step).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import type { Tensor } from '../bindings/index.js';

const { nn } = wg;
const F = nn.functional;
const test = suite('model compositions');
test.before(async () => { await wg.init(); });

/** Runs `step` n times; returns the losses and the live bytes after each step. */
function train(n: number, step: () => number): { losses: number[]; live: number[] } {
  const losses: number[] = [], live: number[] = [];
  for (let i = 0; i < n; i++) {
    losses.push(step());
    live.push(wg.memoryInfo().liveBytes);
  }
  return { losses, live };
}

function checkRun(name: string, r: { losses: number[]; live: number[] }, falls: (l: number[]) => boolean): void {
  if (process.env.SHOW_LOSSES) console.log(name, r.losses.map((l) => l.toFixed(4)).join(" "), r.live.join(" "));
  assert.ok(r.losses.every(Number.isFinite), `${name}: a loss is not finite: ${r.losses}`);
  assert.ok(falls(r.losses), `${name}: the loss does not fall: ${r.losses.map((l) => l.toFixed(4)).join(', ')}`);
  const steady = r.live.slice(2);
  assert.ok(steady.every((b) => b === steady[0]), `${name}: live bytes change from step to step: ${r.live.join(', ')}`);
}

const firstToLast = (l: number[]) => l[l.length - 1] < l[0];
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** Optimiser step on a loss: zero, backward, step; returns the loss value. */
function sgdStep(opt: wg.optim.Optimizer<{ lr: number }>, loss: Tensor): number {
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss.item();
}

test('DCGAN: ConvTranspose2d generator and Conv2d discriminator, alternating steps', () => {
  wg.manualSeed(1);
  const nz = 16, N = 8;
  const G = new nn.Sequential(
    new nn.ConvTranspose2d(nz, 32, 4, { bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(), // 1 -> 4
    new nn.ConvTranspose2d(32, 16, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(), // 4 -> 8
    new nn.ConvTranspose2d(16, 1, 4, { stride: 2, padding: 1, bias: false }), new nn.Tanh(), // 8 -> 16
  );
  const D = new nn.Sequential(
    new nn.Conv2d(1, 16, 4, { stride: 2, padding: 1, bias: false }), new nn.LeakyReLU(0.2), // 16 -> 8
    new nn.Conv2d(16, 32, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(32), new nn.LeakyReLU(0.2), // 8 -> 4
    new nn.Conv2d(32, 1, 4, { bias: false }), new nn.Sigmoid(), // 4 -> 1
  );
  const optG = new wg.optim.Adam(G.parameters(), { lr: 2e-3, betas: [0.5, 0.999] });
  const optD = new wg.optim.Adam(D.parameters(), { lr: 2e-3, betas: [0.5, 0.999] });
  // "real" images: a bright square on a dark field
  const r = new Float32Array(N * 256).fill(-1);
  for (let n = 0; n < N; n++) for (let i = 4; i < 12; i++) for (let j = 4; j < 12; j++) r[(n * 16 + i) * 16 + j] = 1;
  const realT = wg.tensor(r, { shape: [N, 1, 16, 16] });
  const z = wg.randn([N, nz, 1, 1]);
  const ones = wg.ones([N, 1, 1, 1]), zeros = wg.zeros([N, 1, 1, 1]);
  assert.equal(G.forward(z).shape, [N, 1, 16, 16]);
  const dStep = () => {
    const fake = G.forward(z).detach();
    const loss = F.binaryCrossEntropy(D.forward(realT), ones).add(F.binaryCrossEntropy(D.forward(fake), zeros));
    return sgdStep(optD, loss);
  };
  const gStep = () => sgdStep(optG, F.binaryCrossEntropy(D.forward(G.forward(z)), ones));
  // alternating training: finite, memory flat
  const both = train(6, () => dStep() + gStep());
  assert.ok(both.losses.every(Number.isFinite), `DCGAN losses ${both.losses}`);
  // each player's loss falls while the other is held fixed
  checkRun('DCGAN discriminator', train(6, dStep), firstToLast);
  checkRun('DCGAN generator', train(6, gStep), firstToLast);
  const steady = both.live.slice(2);
  assert.ok(steady.every((b) => b === steady[0]), `DCGAN: live bytes ${both.live}`);
});

test('VAE: conv encoder, reparameterisation, ConvTranspose2d decoder, BCE + KL', () => {
  wg.manualSeed(2);
  const N = 16, zDim = 4;
  const enc = new nn.Sequential(
    new nn.Conv2d(1, 8, 4, { stride: 2, padding: 1 }), new nn.ReLU(), // 28 -> 14
    new nn.Conv2d(8, 16, 4, { stride: 2, padding: 1 }), new nn.ReLU(), // 14 -> 7
    new nn.Flatten(), new nn.Linear(16 * 7 * 7, 2 * zDim),
  );
  const dec = new nn.Sequential(
    new nn.Linear(zDim, 16 * 7 * 7), new nn.ReLU(), new nn.Unflatten(1, [16, 7, 7]),
    new nn.ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 }), new nn.ReLU(), // 7 -> 14
    new nn.ConvTranspose2d(8, 1, 4, { stride: 2, padding: 1 }), new nn.Sigmoid(), // 14 -> 28
  );
  const opt = new wg.optim.Adam([...enc.parameters(), ...dec.parameters()], { lr: 2e-3 });
  const x = wg.rand([N, 1, 28, 28]).gt(0.7); // binary images
  const run = train(8, () => {
    const h = enc.forward(x);
    const mu = h.slice(1, 0, zDim), logvar = h.slice(1, zDim, 2 * zDim);
    // (the noise is a tensor made by hand, so it is persistent: disposed after the step)
    const eps = wg.randn([N, zDim]);
    const zs = mu.add(logvar.mul(0.5).exp().mul(eps));
    const recon = dec.forward(zs);
    const bce = F.binaryCrossEntropy(recon, x, { reduction: 'sum' });
    const kl = mu.square().add(logvar.exp()).sub(logvar).sub(1).sum().mul(0.5);
    const loss = sgdStep(opt, bce.add(kl).div(N));
    eps.dispose();
    return loss;
  });
  checkRun('VAE', run, (l) => mean(l.slice(-3)) < mean(l.slice(0, 3)));
});

class ViTBlock extends nn.Module {
  readonly ln1: wg.nn.LayerNorm;
  readonly attn: wg.nn.MultiheadAttention;
  readonly ln2: wg.nn.LayerNorm;
  readonly mlp: wg.nn.Sequential;
  constructor(dim: number, heads: number) {
    super();
    this.ln1 = this.registerModule('ln1', new nn.LayerNorm(dim));
    this.attn = this.registerModule('attn', new nn.MultiheadAttention(dim, heads, { batchFirst: true }));
    this.ln2 = this.registerModule('ln2', new nn.LayerNorm(dim));
    this.mlp = this.registerModule('mlp', new nn.Sequential(new nn.Linear(dim, 2 * dim), new nn.GELU(), new nn.Linear(2 * dim, dim)));
  }
  forward(x: Tensor): Tensor {
    const h = this.ln1.forward(x);
    x = x.add(this.attn.forward(h, h, h, { needWeights: false })[0]);
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

class ViT extends nn.Module {
  readonly patch: wg.nn.Conv2d;
  readonly cls: Tensor;
  readonly pos: Tensor;
  readonly blocks: wg.nn.ModuleList;
  readonly norm: wg.nn.LayerNorm;
  readonly head: wg.nn.Linear;
  constructor(dim = 32, heads = 4, depth = 2) {
    super();
    this.patch = this.registerModule('patch', new nn.Conv2d(1, dim, 7, { stride: 7 })); // 28×28 -> 4×4 patches
    this.cls = this.registerParameter('cls', wg.randn([1, 1, dim], { std: 0.02 }));
    this.pos = this.registerParameter('pos', wg.randn([1, 17, dim], { std: 0.02 }));
    this.blocks = this.registerModule('blocks', new nn.ModuleList(Array.from({ length: depth }, () => new ViTBlock(dim, heads))));
    this.norm = this.registerModule('norm', new nn.LayerNorm(dim));
    this.head = this.registerModule('head', new nn.Linear(dim, 10));
  }
  private readonly batchOnes = new Map<number, Tensor>();
  forward(x: Tensor): Tensor {
    const N = x.shape[0];
    const tokens = this.patch.forward(x).flatten(2).transpose(1, 2); // [N, 16, dim]
    // the class token repeated over the batch (a broadcast product; its gradient sums back)
    let ones = this.batchOnes.get(N);
    if (!ones) this.batchOnes.set(N, ones = wg.ones([N, 1, 1]));
    let h = wg.cat([this.cls.mul(ones), tokens], 1).add(this.pos);
    for (const b of this.blocks) h = (b as ViTBlock).forward(h);
    return this.head.forward(this.norm.forward(h).slice(1, 0, 1).squeeze(1));
  }
}

test('ViT: 2 blocks of LayerNorm, MultiheadAttention and a GELU MLP on 28×28 input', () => {
  wg.manualSeed(3);
  const model = new ViT();
  const opt = new wg.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = wg.randn([8, 1, 28, 28]), y = [3, 1, 4, 1, 5, 9, 2, 6];
  assert.equal(model.forward(x).shape, [8, 10]);
  checkRun('ViT', train(8, () => sgdStep(opt, F.crossEntropy(model.forward(x), y))), firstToLast);
});

class BasicBlock extends nn.Module {
  readonly body: wg.nn.Sequential;
  readonly shortcut: wg.nn.Module;
  constructor(inC: number, outC: number, stride: number) {
    super();
    this.body = this.registerModule('body', new nn.Sequential(
      new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(outC), new nn.ReLU(),
      new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(outC),
    ));
    this.shortcut = this.registerModule('shortcut', stride === 1 && inC === outC ? new nn.Identity()
      : new nn.Sequential(new nn.Conv2d(inC, outC, 1, { stride, bias: false }), new nn.BatchNorm2d(outC)));
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x).add(this.shortcut.forward(x)).relu();
  }
}

test('ResNet basic blocks (identity and projection shortcuts) with global average pooling', () => {
  wg.manualSeed(4);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }), new BasicBlock(8, 8, 1), new BasicBlock(8, 16, 2),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(16, 5),
  );
  const opt = new wg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = wg.randn([6, 3, 12, 12]), y = [0, 1, 2, 3, 4, 0];
  checkRun('ResNet', train(8, () => sgdStep(opt, F.crossEntropy(model.forward(x), y))), firstToLast);
});

test('RBM: CD-1 steps on the free-energy gap; reconstruction error falls', () => {
  wg.manualSeed(5);
  const nv = 16, nh = 8, N = 32;
  const W = wg.randn([nv, nh], { std: 0.01, requiresGrad: true });
  const b = wg.zeros([nv], { requiresGrad: true }), c = wg.zeros([nh], { requiresGrad: true });
  const opt = new wg.optim.SGD([W, b, c], { lr: 0.3 });
  // two prototype patterns with 5% of the bits flipped
  const proto = [Array.from({ length: nv }, (_, i) => (i < 8 ? 1 : 0)), Array.from({ length: nv }, (_, i) => (i % 2))];
  const noise = wg.rand([N, nv]).data();
  const v0 = wg.tensor(Array.from({ length: N }, (_, n) => proto[n % 2].map((p, i) => (noise[n * nv + i] < 0.05 ? 1 - p : p))));
  const freeEnergy = (v: Tensor) => v.matmul(b).neg().sub(v.matmul(W).add(c).softplus().sum(1));
  const drawn: Tensor[] = []; // uniform draws are tensors made by hand (persistent): disposed after each step
  const sample = (p: Tensor) => {
    const u = wg.rand(p.shape.slice());
    drawn.push(u);
    return u.lt(p);
  };
  const recon: number[] = [];
  const run = train(30, () => {
    const ph0 = v0.matmul(W).add(c).sigmoid();
    const h0 = sample(ph0);
    const pv1 = h0.matmul(W.T).add(b).sigmoid();
    recon.push(wg.noGrad(() => v0.sub(v0.matmul(W).add(c).sigmoid().matmul(W.T).add(b).sigmoid()).square().mean().item()));
    const v1 = sample(pv1).detach();
    // CD-1: the gradient of F(v0) − F(v1) is the positive minus the negative phase
    const gap = sgdStep(opt, freeEnergy(v0).mean().sub(freeEnergy(v1).mean()));
    drawn.splice(0).forEach((u) => u.dispose());
    return gap;
  });
  checkRun('RBM', { losses: recon, live: run.live }, (l) => mean(l.slice(-5)) < 0.7 * l[0]);
  assert.ok(run.losses.every(Number.isFinite), 'RBM free-energy gaps finite');
});

test.run();
