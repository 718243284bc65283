// nn modules, initialisers and loss modules: forward and gradient against float64 JS references
// or the functional ops, BatchNorm statistics by hand, initialiser statistics, summary().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, tensor, randn, zeros, Tensor, nn, noGrad } from '../bindings/index.js';
import { conv2dRelu } from '../bindings/ops/conv.js';

const F = nn.functional;

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.is(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) {
      assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]} (tol ${tol})`);
    }
  }
}

/** Central differences in float64 of a JS function of a flat parameter vector. */
function numericGrad(f: (v: Float64Array) => number, at: ArrayLike<number>, h = 1e-6): Float64Array {
  const v = Float64Array.from(at), g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i];
    v[i] = old + h; const fp = f(v);
    v[i] = old - h; const fm = f(v);
    v[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

test.before(async () => {
  await init();
  manualSeed(0);
});

test('Linear: forward and gradients match a float64 reference (PyTorch layout [out, in])', () => {
  const lin = new nn.Linear(3, 2);
  const xv = [0.5, -1, 2, 1.5, 0.25, -0.75];
  const x = tensor(xv, { shape: [2, 3], requiresGrad: true });
  const W = Array.from(lin.weight.data()), b = Array.from(lin.bias!.data());
  // loss = Σ (x Wᵀ + b)² as a float64 function of [x, W, b]
  const ref = (v: Float64Array) => {
    let s = 0;
    for (let n = 0; n < 2; n++) for (let o = 0; o < 2; o++) {
      let y = v[12 + o];
      for (let i = 0; i < 3; i++) y += v[n * 3 + i] * v[6 + o * 3 + i];
      s += y * y;
    }
    return s;
  };
  const all = [...xv, ...W, ...b];
  const loss = lin.forward(x).square().sum();
  close([loss.item()], [ref(Float64Array.from(all))], 1e-5, 'loss');
  loss.backward();
  const g = numericGrad(ref, all);
  close(x.grad!.data(), g.slice(0, 6), 1e-4, 'dx');
  close(lin.weight.grad!.data(), g.slice(6, 12), 1e-4, 'dW');
  close(lin.bias!.grad!.data(), g.slice(12), 1e-4, 'db');
  assert.equal(lin.namedParameters().map(([n]) => n), ['weight', 'bias']);
});

test('Conv2d, pools, activations, Flatten equal their functional ops in value and gradient', () => {
  const conv = new nn.Conv2d(2, 3, 3, { padding: 'same', dilation: 2 });
  const x = randn([2, 2, 6, 6], { requiresGrad: true });
  const cases: [nn.Module, (t: Tensor) => Tensor][] = [
    [conv, (t) => F.conv2d(t, conv.weight, conv.bias, { padding: 'same', dilation: 2 })],
    [new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: 1, bias: false }), (t) => t],
    [new nn.MaxPool2d(2), (t) => F.maxPool2d(t, { kernelSize: 2 })],
    [new nn.AvgPool2d(3, { stride: 2, padding: 1 }), (t) => F.avgPool2d(t, { kernelSize: 3, stride: 2, padding: 1 })],
    [new nn.ReLU(), (t) => t.relu()],
    [new nn.Sigmoid(), (t) => t.sigmoid()],
    [new nn.Tanh(), (t) => t.tanh()],
    [new nn.LeakyReLU(0.2), (t) => t.leakyRelu(0.2)],
    [new nn.Softmax(1), (t) => t.softmax(1)],
    [new nn.Flatten(), (t) => t.reshape([2, 72])],
  ];
  cases[1][1] = (t) => F.conv2d(t, (cases[1][0] as nn.Conv2d).weight, null, { stride: 2, padding: 1 });
  for (const [m, f] of cases) {
    const name = m.constructor.name;
    const y = m.forward(x);
    const want = f(x);
    assert.equal(y.shape, want.shape, `${name} shape`);
    close(y.data(), want.data(), 1e-6, name);
    const gy = randn(y.shape.slice());
    x.grad = null;
    y.mul(gy).sum().backward();
    const gx = x.grad!.data();
    x.grad = null;
    f(x).mul(gy).sum().backward();
    close(gx, x.grad!.data(), 1e-5, `${name} grad`);
  }
  assert.equal(new nn.Conv2d(1, 32, 3).forward(zeros([1, 1, 28, 28])).shape, [1, 32, 26, 26]);
});


test('Sequential runs Conv2d + ReLU as one fused op with the bytes of the two ops', () => {
  const bytes = (t: Tensor) => Array.from(new Uint8Array(t.data().buffer.slice(0)));
  // C = 1 takes the direct path, 5 and 48 channels the im2col GEMMs (48 >= 40: the plain product)
  for (const [C, OC, padding] of [[1, 6, 0], [5, 7, 1], [3, 48, 1]]) {
    const conv = new nn.Conv2d(C, OC, 3, { padding }), relu = new nn.ReLU();
    const net = new nn.Sequential(conv, relu, new nn.Flatten());
    const x = randn([3, C, 9, 8], { requiresGrad: true });
    const y = net.forward(x);
    const made = (y as unknown as { _node: { inputs: { _node: { op: string } }[] } })._node.inputs[0]._node.op;
    assert.is(made, 'conv2dRelu', 'the pair ran as the fused op');
    const gy = randn(y.shape.slice());
    y.mul(gy).sum().backward();
    const fused = [y, x.grad!, conv.weight.grad!, conv.bias!.grad!].map(bytes);
    for (const p of [x, conv.weight, conv.bias!]) p.grad = null;
    const y2 = F.conv2d(x, conv.weight, conv.bias, { padding }).relu().flatten(1);
    y2.mul(gy).sum().backward();
    const plain = [y2, x.grad!, conv.weight.grad!, conv.bias!.grad!].map(bytes);
    ['output', 'x.grad', 'weight.grad', 'bias.grad'].forEach((what, i) => assert.equal(fused[i], plain[i], `C=${C} OC=${OC}: ${what}`));
    x.grad = null;
  }
  // a ReLU subclass with its own forward is not fused away
  class Shifted extends nn.ReLU { override forward(t: Tensor): Tensor { return t.relu().add(1); } }
  const conv = new nn.Conv2d(1, 2, 3);
  const out = new nn.Sequential(conv, new Shifted()).forward(randn([1, 1, 5, 5]));
  assert.ok(Math.min(...out.data()) >= 1, 'the subclass forward ran');
});
test('Conv2d + ReLU + MaxPool2d: the pool drops what the ReLU gradient would, with the bytes of the separate ops', () => {
  const bytes = (t: Tensor) => Array.from(new Uint8Array(t.data().buffer.slice(0)));
  // 2×2 stride 2 (the vector rows), 3×3 stride 2 pad 1 (overlapping windows); a negative bias
  // leaves many windows all zero after the ReLU
  for (const [k, s, p] of [[2, 2, 0], [3, 2, 1]]) {
    const conv = new nn.Conv2d(3, 5, 3, { padding: 1 });
    noGrad(() => { conv.bias!.sub_(0.8); });
    const x = randn([2, 3, 11, 10], { requiresGrad: true });
    const run = (f: () => Tensor) => {
      for (const q of [x, conv.weight, conv.bias!]) q.grad = null;
      const y = f();
      manualSeed(5);
      y.mul(randn(y.shape.slice())).sum().backward();
      return [y, x.grad!, conv.weight.grad!, conv.bias!.grad!].map(bytes);
    };
    const fused = run(() => new nn.Sequential(conv, new nn.ReLU(), new nn.MaxPool2d(k, s, p)).forward(x));
    const plain = run(() => F.maxPool2d(F.conv2d(x, conv.weight, conv.bias, { padding: 1 }).relu(), k, s, p));
    ['output', 'x.grad', 'weight.grad', 'bias.grad'].forEach((what, i) => assert.equal(fused[i], plain[i], `k${k} s${s} p${p}: ${what}`));
    // the ReLU's output used twice (the pool and a sum of squares): the summed gradient takes the ReLU's own pass
    const both = (h: Tensor) => F.maxPool2d(h, k, s, p).sum().add(h.mul(h).sum()).reshape([1]);
    const twice = run(() => both(conv2dRelu(x, conv.weight, conv.bias, { padding: 1 })));
    const twicePlain = run(() => both(F.conv2d(x, conv.weight, conv.bias, { padding: 1 }).relu()));
    ['output', 'x.grad', 'weight.grad', 'bias.grad'].forEach((what, i) => assert.equal(twice[i], twicePlain[i], `two consumers, k${k} s${s} p${p}: ${what}`));
  }
});
test('Sequential runs BatchNorm + ReLU as one op with the bytes of the two, also before a max pool and in eval mode', () => {
  const bytes = (t: Tensor) => Array.from(new Uint8Array(t.data().buffer.slice(0)));
  for (const pool of [false, true]) {
    for (const training of [true, false]) {
      const conv = new nn.Conv2d(2, 3, 3), bn = new nn.BatchNorm2d(3);
      noGrad(() => { bn.weight!.copy_(tensor([1.5, -0.5, 0.8])); bn.bias!.copy_(tensor([-0.2, 0.1, 0.3])); bn.runningVar!.copy_(tensor([0.7, 1.3, 2])); });
      const x = randn([4, 2, 9, 8], { requiresGrad: true });
      const run = (f: () => Tensor) => {
        for (const q of [x, conv.weight, conv.bias!, bn.weight!, bn.bias!]) q.grad = null;
        bn.train(training);
        const y = f();
        manualSeed(9);
        const node = (y as unknown as { _node: { op: string; inputs: { _node: { op: string } }[] } })._node;
        made = pool ? node.inputs[0]._node.op : node.op;
        y.mul(randn(y.shape.slice())).sum().backward();
        return [y, x.grad!, conv.weight.grad!, bn.weight!.grad!, bn.bias!.grad!].map(bytes);
      };
      let made = '';
      const stats = () => [bn.runningMean!, bn.runningVar!].map(bytes);
      const before = stats();
      const layers = pool ? [conv, bn, new nn.ReLU(), new nn.MaxPool2d(2)] : [conv, bn, new nn.ReLU()];
      const fused = run(() => new nn.Sequential(...layers).forward(x));
      const fusedStats = stats();
      assert.is(made, 'batchNormRelu', 'BatchNorm + ReLU ran as one op');
      noGrad(() => { bn.runningMean!.copy_(tensor(new Float32Array(new Uint8Array(before[0]).buffer))); bn.runningVar!.copy_(tensor(new Float32Array(new Uint8Array(before[1]).buffer))); });
      const plain = run(() => { const h = bn.forward(conv.forward(x)).relu(); return pool ? F.maxPool2d(h, 2) : h; });
      const what = `pool ${pool}, training ${training}`;
      ['output', 'x.grad', 'conv.weight.grad', 'bn.weight.grad', 'bn.bias.grad'].forEach((name, i) => assert.equal(fused[i], plain[i], `${what}: ${name}`));
      assert.equal(fusedStats, stats(), `${what}: running statistics`);
    }
  }
});
test('Dropout: identity in eval mode, zeroes about p and rescales in training', () => {
  const d = new nn.Dropout(0.25);
  const x = tensor(new Float32Array(4000).fill(1), { shape: [4000] });
  const y = d.forward(x).data();
  const zerosFrac = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(zerosFrac - 0.25) < 0.03, `dropped ${zerosFrac}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  d.eval();
  assert.equal(Array.from(d.forward(x).data()), Array.from(x.data()));
});

test('BatchNorm1d/2d: batch statistics, running stats (unbiased var, momentum 0.1), eval mode', () => {
  const bn = new nn.BatchNorm1d(2);
  const xv = [1, 10, 2, 20, 4, 40, 5, 50]; // 4 samples × 2 channels
  const x = tensor(xv, { shape: [4, 2] });
  const y = bn.forward(x).data();
  for (let c = 0; c < 2; c++) {
    const col = [0, 1, 2, 3].map((n) => xv[n * 2 + c]);
    const mean = col.reduce((a, b) => a + b) / 4;
    const varB = col.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
    col.forEach((v, n) => assert.ok(Math.abs(y[n * 2 + c] - (v - mean) / Math.sqrt(varB + 1e-5)) < 1e-5));
    assert.ok(Math.abs(bn.runningMean!.data()[c] - 0.1 * mean) < 1e-5);
    assert.ok(Math.abs(bn.runningVar!.data()[c] - (0.9 + 0.1 * varB * 4 / 3)) < 1e-4);
  }
  assert.is(bn.numBatchesTracked!.item(), 1);
  bn.eval();
  const rm = bn.runningMean!.data(), rv = bn.runningVar!.data();
  const ye = bn.forward(x).data();
  xv.forEach((v, i) => assert.ok(Math.abs(ye[i] - (v - rm[i % 2]) / Math.sqrt(rv[i % 2] + 1e-5)) < 1e-5));
  assert.is(bn.numBatchesTracked!.item(), 1, 'eval does not track');
  assert.equal(bn.namedBuffers().map(([n]) => n), ['runningMean', 'runningVar', 'numBatchesTracked']);
});

test('BatchNorm2d: gradient against float64 finite differences', () => {
  const bn = new nn.BatchNorm2d(2);
  bn.weight!.copy_(tensor([1.5, -0.5]));
  bn.bias!.copy_(tensor([0.1, 0.2]));
  const N = 2, C = 2, HW = 3;
  const xv = Array.from(randn([N, C, 1, HW]).data());
  const coef = Array.from(randn([N * C * HW]).data());
  const ref = (v: Float64Array) => {
    let s = 0;
    for (let c = 0; c < C; c++) {
      const idx: number[] = [];
      for (let n = 0; n < N; n++) for (let k = 0; k < HW; k++) idx.push((n * C + c) * HW + k);
      const mean = idx.reduce((a, i) => a + v[i], 0) / idx.length;
      const varB = idx.reduce((a, i) => a + (v[i] - mean) ** 2, 0) / idx.length;
      for (const i of idx) s += coef[i] * (((v[i] - mean) / Math.sqrt(varB + 1e-5)) * [1.5, -0.5][c] + [0.1, 0.2][c]);
    }
    return s;
  };
  const x = tensor(xv, { shape: [N, C, 1, HW], requiresGrad: true });
  const loss = bn.forward(x).mul(tensor(coef, { shape: [N, C, 1, HW] })).sum();
  close([loss.item()], [ref(Float64Array.from(xv))], 1e-5, 'loss');
  loss.backward();
  close(x.grad!.data(), numericGrad(ref, xv), 1e-3, 'dx');
});

test('init: statistics follow PyTorch formulas; layer defaults are PyTorch’s', () => {
  manualSeed(1);
  const stats = (t: Tensor) => {
    const d = t.data();
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    return { mean, std, max: d.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
  };
  const w = zeros([256, 128, 3, 3]); // fanIn 1152, fanOut 2304
  const check = (t: Tensor, std: number, what: string) => {
    const s = stats(t);
    assert.ok(Math.abs(s.mean) < 0.01 * std * 10, `${what} mean ${s.mean}`);
    assert.ok(Math.abs(s.std / std - 1) < 0.01, `${what} std ${s.std} vs ${std}`);
  };
  check(nn.init.xavierNormal(w), Math.sqrt(2 / (1152 + 2304)), 'xavierNormal');
  check(nn.init.xavierUniform(w, 2), 2 * Math.sqrt(2 / (1152 + 2304)), 'xavierUniform');
  check(nn.init.kaimingNormal(w, { nonlinearity: 'relu' }), Math.SQRT2 / Math.sqrt(1152), 'kaimingNormal');
  check(nn.init.kaimingUniform(w, { mode: 'fanOut', nonlinearity: 'relu' }), Math.SQRT2 / Math.sqrt(2304), 'kaimingUniform fanOut');
  check(nn.init.normal(w, 0, 0.02), 0.02, 'normal');
  check(nn.init.uniform(w, -1, 1), 1 / Math.sqrt(3), 'uniform');
  assert.ok(stats(nn.init.uniform(w, -1, 1)).max <= 1);
  assert.ok(Math.abs(nn.init.calculateGain('leakyRelu', 0.2) - Math.sqrt(2 / 1.04)) < 1e-12);
  assert.is(nn.init.calculateGain('tanh'), 5 / 3);
  assert.equal(nn.init.calculateFanInAndFanOut(w), [1152, 2304]);
  assert.equal(Array.from(nn.init.constant(zeros([3]), 0.5).data()), [0.5, 0.5, 0.5]);
  // Linear/Conv2d default: kaiming_uniform(a=√5) gives U(±1/√fanIn); bias U(±1/√fanIn).
  const lin = new nn.Linear(784, 300);
  const bound = 1 / Math.sqrt(784);
  check(lin.weight, bound / Math.sqrt(3), 'Linear weight');
  assert.ok(stats(lin.weight).max <= bound && stats(lin.bias!).max <= bound);
  const conv = new nn.Conv2d(16, 64, 5);
  check(conv.weight, 1 / Math.sqrt(16 * 25) / Math.sqrt(3), 'Conv2d weight');
  assert.ok(stats(conv.bias!).max <= 1 / Math.sqrt(400));
  manualSeed(5);
  const a = new nn.Linear(4, 3).weight.data();
  manualSeed(5);
  assert.equal(Array.from(new nn.Linear(4, 3).weight.data()), Array.from(a), 'seeded');
});

test('Sequential: dotted names, train/eval, stateDict round trip, zeroGrad', () => {
  const net = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));
  assert.equal(net.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']);
  assert.ok(Object.keys(net.stateDict()).includes('1.runningVar'));
  net.eval();
  assert.not.ok(net.at(1).training);
  net.train();
  assert.ok(net.at(1).training);
  const x = randn([5, 4]);
  net.call(x).sum().backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad!.data().every((v) => v === 0)));
  const other = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2));
  other.loadStateDict(net.stateDict());
  net.eval(); other.eval();
  assert.equal(Array.from(other.forward(x).data()), Array.from(net.forward(x).data()));
  assert.throws(() => other.loadStateDict({}), /missing keys \[0\.weight/);
});

test('loss modules equal the functional losses', () => {
  const logits = randn([4, 3]);
  const labels = [0, 2, 1, 2];
  const p = randn([4, 3]).sigmoid();
  const t = tensor([1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0], { shape: [4, 3] });
  const pairs: [Tensor, Tensor][] = [
    [new nn.MSELoss().forward(logits, t), F.mseLoss(logits, t)],
    [new nn.CrossEntropyLoss({ reduction: 'sum' }).forward(logits, labels), F.crossEntropy(logits, labels, { reduction: 'sum' })],
    [new nn.NLLLoss().forward(logits.logSoftmax(1), labels), F.nllLoss(logits.logSoftmax(1), labels)],
    [new nn.BCELoss().forward(p, t), F.binaryCrossEntropy(p, t)],
    [new nn.BCEWithLogitsLoss({ reduction: 'none' }).forward(logits, t), F.binaryCrossEntropyWithLogits(logits, t, { reduction: 'none' })],
  ];
  for (const [a, b] of pairs) assert.equal(Array.from(a.data()), Array.from(b.data()));
});

test('summary: the MNIST CNN has 320, 18,496, 16,010 and 34,826 parameters', () => {
  const net = new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1600, 10),
  );
  const s = nn.summary(net, [1, 28, 28]);
  assert.equal(s.rows.map((r) => r.params), [320, 0, 0, 18496, 0, 0, 0, 0, 16010]);
  assert.equal(s.rows[5].outputShape, [1, 64, 5, 5]);
  assert.equal(s.rows[8].outputShape, [1, 10]);
  assert.is(s.totalParams, 34826);
  for (const n of ['320', '18,496', '16,010', 'Total params: 34,826']) assert.ok(s.text.includes(n), n);
  assert.ok(net.training, 'summary restores the training mode');
  assert.not.ok(Object.prototype.hasOwnProperty.call(net.at(0), 'forward'), 'summary unwraps forward');
});

test.run();
