// Programs whose output bytes the determinism tests compare: across thread counts
// (threads.test.ts) and across GEMM register tiles (gemm-tiles.test.ts).
import { manualSeed, randn, randint, nn, optim, matmul, type Tensor } from '../../bindings/index.js';

const F = nn.functional;

export function bytesOf(ts: Tensor[]): Uint8Array[] {
  return ts.map((t) => new Uint8Array(t.data().buffer.slice(0)));
}

/** GEMM in all four transpose cases (through matmul and its backward), conv2d and pooling fwd+bwd. */
export function kernelsProgram(): Uint8Array[] {
  manualSeed(7);
  const out: Tensor[] = [];
  for (const [M, Kd, N] of [[37, 300, 53], [7, 513, 200], [130, 96, 9], [1, 40, 1]]) {
    const a = randn([M, Kd], { requiresGrad: true }), b = randn([Kd, N], { requiresGrad: true });
    const y = matmul(a, b);
    y.mul(y).sum().backward(); // dA = dY·Bᵀ, dB = Aᵀ·dY
    const at = randn([Kd, M]), bt = randn([N, Kd]);
    out.push(y.detach().keep(), a.grad!, b.grad!, matmul(at.transpose(0, 1), bt.transpose(0, 1)).keep());
  }
  // the last two run by Winograd (3×3, ≥ 16 channels): images split between parts, and the
  // second's 23 images are two blocks of tile rows with a boundary inside an image
  for (const [N, C, H, OC, k, pad] of [[5, 1, 28, 10, 3, 0], [3, 7, 13, 9, 3, 1], [11, 16, 6, 6, 2, 0], [7, 17, 10, 20, 3, 0],
    [23, 16, 9, 16, 3, 1]]) {
    const x = randn([N, C, H, H], { requiresGrad: true });
    const w = randn([OC, C, k, k], { requiresGrad: true }), b = randn([OC], { requiresGrad: true });
    const y = F.conv2d(x, w, b, { padding: pad });
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!, w.grad!, b.grad!);
  }
  {
    // elementwise passes split in runs of 16: 1001 elements leave a SIMD tail in the last part
    const x = randn([7, 11, 13], { requiresGrad: true });
    const y = x.relu().add(x.tanh()).add(x.sigmoid().mul(x.exp()));
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!);
  }
  {
    // binary ops split along their outer dim, or in runs of 16 along a row (3003 elements per row)
    const x = randn([7, 11, 13]), r = randn([11, 1]), c = randn([13]), big = randn([2, 3003]);
    out.push(x.add(r).keep(), x.mul(c).keep(), c.sub(x).keep(), big.div(big.abs().add(1)).keep());
  }
  {
    // cross-entropy split by rows (37 rows: an uneven last part), forward and backward
    const logits = randn([37, 13], { requiresGrad: true });
    const labels = Array.from({ length: 37 }, (_, i) => (i * 7) % 13);
    const loss = F.crossEntropy(logits, labels, { reduction: 'none' });
    loss.mul(loss).sum().backward();
    out.push(loss.detach().keep(), logits.grad!);
  }
  {
    // sums split by slabs ([5, 9, 7] over its middle axis) or, for one slab (a bias gradient), by
    // runs of 4 columns: 1003 columns leave a scalar tail in the last part
    const x = randn([5, 9, 7]), g = randn([33, 1003]);
    out.push(x.sum(1).keep(), x.sum(2).keep(), g.sum(0).keep(), g.mean(0).keep());
  }
  {
    // softmax and logSoftmax split by slabs: over the last axis (41 slabs) and a middle one
    const x = randn([41, 17], { requiresGrad: true }), z = randn([6, 5, 7], { requiresGrad: true });
    const ys = [F.softmax(x, -1), F.logSoftmax(x, -1), F.softmax(z, 1), F.logSoftmax(z, 1)];
    ys.reduce((acc, y) => acc.add(y.mul(y).sum()), ys[0].sum()).backward();
    out.push(...ys.map((y) => y.detach().keep()), x.grad!, z.grad!);
  }
  // optimiser updates split in runs of 16 (1001 elements leave a scalar tail in the last part)
  const updates: ((p: Tensor[]) => optim.Optimizer<{ lr: number }>)[] = [
    (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true }),
    (p) => new optim.AdamW(p, { lr: 0.01 }),
    (p) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 }),
    (p) => new optim.Adagrad(p, { lr: 0.1 }),
    (p) => new optim.Adadelta(p, { lr: 1 }),
  ];
  for (const make of updates) {
    const p = randn([1001], { requiresGrad: true }), opt = make([p]);
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      p.mul(p).mul(p).sum().backward();
      opt.step();
    }
    out.push(p);
  }
  for (const pool of [F.maxPool2d, F.avgPool2d]) {
    const x = randn([3, 5, 9, 8], { requiresGrad: true });
    const y = pool(x, { kernelSize: 3, stride: 2, padding: 1 });
    y.mul(y).sum().backward();
    out.push(y.detach().keep(), x.grad!);
  }
  return bytesOf(out);
}

/** A few Adam steps of a small CNN (conv, pool, dropout, linear): the whole training path. */
export function trainingProgram(): Uint8Array[] {
  manualSeed(11);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 12, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(12 * 5 * 5, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([24, 1, 28, 28]);
  const labels = randint(0, 10, [24]);
  for (let step = 0; step < 3; step++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
  }
  return bytesOf(model.parameters());
}

export function same(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}

