// A convolution's bias gradient is summed by dW's kernel when the weight needs a gradient
// (conv2dBackwardWeightBias: the direct path sums each dy plane as it stages it) and by its own
// kernel otherwise. Both must give the same bits on every path (direct, Winograd, GEMM), over a
// ReLU-masked max pool's gradient too, and match the float64 sum.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { conv2dRelu } from '../bindings/ops/conv.js';
import { jsRandom, randomNd, toTensor } from './helpers/check.js';
import type { Tensor } from '../bindings/index.js';

const F = wg.nn.functional;
const GEMM = 0, DIRECT = 1, WINOGRAD = 2;

test.before(async () => {
  await wg.init();
});

const layers = [
  { name: 'first layer, direct dW', N: 3, C: 1, H: 28, OC: 32, k: 3, pad: 0, path: DIRECT },
  { name: '16 -> 16 same, Winograd dW', N: 2, C: 16, H: 9, OC: 16, k: 3, pad: 1, path: WINOGRAD },
  { name: '5×5, GEMM dW', N: 2, C: 32, H: 10, OC: 6, k: 5, pad: 0, path: GEMM },
];

/** The bias gradient of sum(head(conv)) · dyWeights, with or without the weight's gradient. */
function biasGrad(l: typeof layers[number], withWeight: boolean, head: (y: Tensor) => Tensor): Uint32Array {
  const rnd = jsRandom(7);
  const x = toTensor(randomNd([l.N, l.C, l.H, l.H], rnd));
  const w = toTensor(randomNd([l.OC, l.C, l.k, l.k], rnd, -0.5, 0.5), withWeight);
  const b = toTensor(randomNd([l.OC], rnd), true);
  // conv2dRelu: the op nn.Sequential runs for Conv2d + ReLU
  const y = head(conv2dRelu(x, w, b, { padding: l.pad }));
  const gy = toTensor(randomNd([...y.shape], rnd));
  y.mul(gy).sum().backward();
  return new Uint32Array(Float32Array.from(b.grad!.toArray() as number[]).buffer);
}

for (const l of layers) {
  test(`${l.name}: the bias gradient has the same bits from dW's kernel and its own`, () => {
    const OH = l.H + 2 * l.pad - l.k + 1;
    assert.is(K().conv2dPath(2, l.C, l.H, l.H, l.OC, l.k, l.k, 1, 1, l.pad, l.pad, 1, 1, OH, OH), l.path, 'dW path');
    for (const [what, head] of [['ReLU', (y: Tensor) => y], ['ReLU + max pool', (y: Tensor) => F.maxPool2d(y, 2)]] as const) {
      const fused = biasGrad(l, true, head), alone = biasGrad(l, false, head);
      assert.equal(Array.from(fused), Array.from(alone), what);
      assert.ok(fused.some((v) => v !== 0), `${what}: a gradient that is not all zero`);
    }
  });
}

test('the bias gradient summed with dW equals the float64 sum of dy', () => {
  const rnd = jsRandom(3);
  const x = toTensor(randomNd([2, 1, 12, 12], rnd));
  const w = toTensor(randomNd([8, 1, 3, 3], rnd), true);
  const b = toTensor(randomNd([8], rnd), true);
  const y = F.conv2d(x, w, b);
  const gyNd = randomNd([...y.shape], rnd);
  y.mul(toTensor(gyNd)).sum().backward();
  const got = b.grad!.toArray() as number[];
  const plane = 10 * 10;
  for (let oc = 0; oc < 8; oc++) {
    let want = 0;
    for (let n = 0; n < 2; n++) for (let i = 0; i < plane; i++) want += gyNd.data[(n * 8 + oc) * plane + i];
    assert.ok(Math.abs(got[oc] - want) <= 1e-5 * (1 + Math.abs(want)), `channel ${oc}: ${got[oc]} vs ${want}`);
  }
});

test.run();
