// Winograd F(2×2, 3×3) (assembly/kernels/winograd.ts): which convolutions run by it, and that its
// forward, input gradient and weight gradient equal the float64 convolution to float32 accuracy, on
// the shapes where its bookkeeping could go wrong: odd and tiny outputs (ragged last tiles, rows of
// fewer than four tiles), padding 0..2, blocks of tile rows that end inside an image, no bias, the
// fused ReLU, inputs far from zero. (PyTorch fixtures: tests/ops-torch.test.ts; finite differences:
// tests/gradcheck.test.ts; same bits for any thread count and GEMM tile: tests/threads.test.ts and
// tests/gemm-tiles.test.ts through tests/helpers/programs.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { Nd, conv2dRef, permuteRef } from './helpers/ref.js';
import { convTranspose2dRef } from './helpers/ref-layers.js';
import { jsRandom, randomNd, toTensor } from './helpers/check.js';

const F = wg.nn.functional;
const GEMM = 0, DIRECT = 1, WINOGRAD = 2;

test.before(async () => {
  await wg.init();
});

/** conv2dPath of forward, dX and dW for a stride-1, dilation-1 layer with symmetric padding. */
function paths(C: number, H: number, W: number, OC: number, k: number, pad: number): number[] {
  const OH = H + 2 * pad - k + 1, OW = W + 2 * pad - k + 1;
  return [0, 1, 2].map((pass) => K().conv2dPath(pass, C, H, W, OC, k, k, 1, 1, pad, pad, 1, 1, OH, OW));
}

test('3×3 stride-1 layers with 16 or more channels each way run by Winograd; others keep their paths', () => {
  assert.equal(paths(32, 13, 13, 64, 3, 0), [WINOGRAD, WINOGRAD, WINOGRAD], 'T2 conv2 (32 -> 64, valid)');
  assert.equal(paths(16, 14, 14, 32, 3, 1), [WINOGRAD, WINOGRAD, WINOGRAD], '16 -> 32, same');
  assert.equal(paths(16, 6, 6, 16, 3, 2), [WINOGRAD, WINOGRAD, WINOGRAD], 'padding 2');
  assert.equal(paths(1, 28, 28, 32, 3, 0), [DIRECT, GEMM, DIRECT], 'first layer (C = 1)');
  assert.equal(paths(8, 14, 14, 16, 3, 1)[0], DIRECT, '8 -> 16: too few input channels');
  assert.equal(paths(16, 14, 14, 8, 3, 1)[0], DIRECT, '16 -> 8: too few output channels');
  assert.equal(paths(32, 12, 12, 64, 5, 0)[0], GEMM, '5×5');
  assert.equal(paths(32, 12, 12, 64, 3, 3)[0], GEMM, 'padding 3');
  const strided = K().conv2dPath(0, 32, 13, 13, 64, 3, 3, 2, 2, 1, 1, 1, 1, 7, 7);
  assert.is(strided, GEMM, 'stride 2');
  const dilated = K().conv2dPath(0, 32, 13, 13, 64, 3, 3, 1, 1, 2, 2, 2, 2, 13, 13);
  assert.is(dilated, GEMM, 'dilation 2');
});

/**
 * Float64 forward, dX and dW of a 3×3 stride-1 convolution with symmetric padding, from the shared
 * references: dX is the transposed convolution of dy, dW the input correlated with dy (a
 * convolution over the batch, with dy's planes as the kernel).
 */
function reference(x: Nd, w: Nd, b: Nd | null, pad: number, dy: Nd) {
  const [, , H, W] = x.shape, OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
  const y = conv2dRef(x, w, b, { stride: [1, 1], padTop: pad, padLeft: pad, dil: [1, 1], OH, OW });
  const dx = convTranspose2dRef(dy, w, null, { stride: [1, 1], padding: [pad, pad], dilation: [1, 1], outputPadding: [0, 0] });
  const dwT = conv2dRef(permuteRef(x, [1, 0, 2, 3]), permuteRef(dy, [1, 0, 2, 3]), null,
    { stride: [1, 1], padTop: pad, padLeft: pad, dil: [1, 1], OH: 3, OW: 3 });
  return { y, dx, dw: permuteRef(dwT, [1, 0, 2, 3]) };
}

/** max |a − e| over max |e|: float32 accuracy of a result as a whole. */
function relativeError(actual: ArrayLike<number>, expected: Float64Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return err / scale;
}

const cases: { name: string; x: number[]; oc: number; pad: number; bias: boolean; offset?: number }[] = [
  { name: 'valid, odd output (T2 conv2 channels)', x: [3, 32, 13, 13], oc: 64, pad: 0, bias: true },
  { name: 'same, even output, no bias', x: [2, 16, 8, 10], oc: 20, pad: 1, bias: false },
  { name: 'padding 2, non-square', x: [2, 17, 5, 9], oc: 16, pad: 2, bias: true },
  { name: 'outputs of 1×1 and rows of one tile', x: [4, 16, 3, 3], oc: 16, pad: 0, bias: true },
  { name: 'output 2 wide, 1 tile per row', x: [3, 16, 7, 2], oc: 24, pad: 1, bias: true },
  { name: 'blocks of tile rows ending inside images', x: [23, 16, 9, 9], oc: 16, pad: 1, bias: true },
  { name: 'inputs near 10 (large sums)', x: [2, 16, 6, 7], oc: 16, pad: 1, bias: true, offset: 10 },
];

for (const c of cases) {
  test(`Winograd ${c.name}: forward, dX and dW equal the float64 convolution`, () => {
    const [N, C, H, W] = c.x, OH = H + 2 * c.pad - 2, OW = W + 2 * c.pad - 2;
    assert.equal(paths(C, H, W, c.oc, 3, c.pad), [WINOGRAD, WINOGRAD, WINOGRAD], 'the case runs by Winograd');
    const rnd = jsRandom(C * 131 + H);
    const x = randomNd(c.x, rnd, -1 + (c.offset ?? 0), 1 + (c.offset ?? 0)), w = randomNd([c.oc, C, 3, 3], rnd, -1, 1);
    const b = c.bias ? randomNd([c.oc], rnd, -1, 1) : null, dy = randomNd([N, c.oc, OH, OW], rnd, -1, 1);
    const ref = reference(x, w, b, c.pad, dy);
    const tx = toTensor(x, true), tw = toTensor(w, true);
    const y = F.conv2d(tx, tw, b ? toTensor(b) : null, { padding: c.pad });
    y.mul(toTensor(dy)).sum().backward();
    for (const [what, got, want] of [['y', y.data(), ref.y.data], ['dx', tx.grad!.data(), ref.dx.data], ['dw', tw.grad!.data(), ref.dw.data]] as const) {
      const e = relativeError(got, want);
      assert.ok(e < 2e-6, `${what}: max error ${e.toExponential(2)} of the largest value (float32 accuracy is ~1e-7)`);
    }
  });
}

test('Winograd with the fused ReLU (Conv2d + ReLU in nn.Sequential) equals relu of the float64 convolution, gradients too', () => {
  const rnd = jsRandom(99);
  const x = randomNd([5, 16, 11, 11], rnd, -1, 1), w = randomNd([16, 16, 3, 3], rnd, -1, 1), b = randomNd([16], rnd, -1, 1);
  const dy = randomNd([5, 16, 9, 9], rnd, -1, 1);
  const conv = new wg.nn.Conv2d(16, 16, 3);
  wg.noGrad(() => {
    conv.weight.copy_(toTensor(w));
    conv.bias!.copy_(toTensor(b));
  });
  const model = new wg.nn.Sequential(conv, new wg.nn.ReLU());
  const tx = toTensor(x, true);
  const y = model.forward(tx) as wg.Tensor;
  y.mul(toTensor(dy)).sum().backward();
  const ref = reference(x, w, b, 0, dy);
  // the ReLU's gradient: dy where the convolution's output was positive
  const masked = Nd.from(dy.shape, dy.data.map((v, i) => (ref.y.data[i] > 0 ? v : 0)));
  const refMasked = reference(x, w, b, 0, masked);
  assert.ok(relativeError(y.data(), ref.y.data.map((v) => Math.max(v, 0))) < 2e-6, 'y = relu(conv)');
  assert.ok(relativeError(tx.grad!.data(), refMasked.dx.data) < 2e-6, 'dx through the ReLU');
  assert.ok(relativeError(conv.weight.grad!.data(), refMasked.dw.data) < 2e-6, 'dw through the ReLU');
});

test.run();
