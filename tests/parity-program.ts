/**
 * A fixed seeded program whose float32 output must be byte-identical in Node and in Chromium:
 * an MLP trained 200 SGD steps on fixed data, then a conv2d (+ pooling) forward and backward, and one
 * with 16 channels each way (the Winograd path).
 * It takes the module namespace as an argument so the browser page can pass its own import.
 */
import type * as WG from '../bindings/index.js';

export function parityProgram(wg: typeof WG): Float32Array {
  const F = wg.nn.functional;
  wg.manualSeed(20261122);
  const X = wg.randn([64, 10]);
  const Y = wg.randint(0, 4, [64]);
  const w1 = wg.randn([16, 10], { std: 0.3, requiresGrad: true });
  const b1 = wg.zeros([16], { requiresGrad: true });
  const w2 = wg.randn([4, 16], { std: 0.3, requiresGrad: true });
  const b2 = wg.zeros([4], { requiresGrad: true });
  const params = [w1, b1, w2, b2];
  const losses: number[] = [];
  for (let step = 0; step < 200; step++) {
    const idx = wg.randperm(64).subarray(0, 16);
    const h = F.linear(X.indexSelect(0, idx), w1, b1).sigmoid();
    const loss = F.crossEntropy(F.linear(h, w2, b2), Y.indexSelect(0, idx));
    for (const p of params) p.grad?.zero_();
    loss.backward();
    wg.noGrad(() => { for (const p of params) p.sub_(p.grad!, 0.1); });
    losses.push(loss.item());
  }
  const x = wg.randn([2, 3, 9, 9], { requiresGrad: true });
  const w = wg.randn([5, 3, 3, 3], { requiresGrad: true });
  const b = wg.randn([5], { requiresGrad: true });
  const y = F.maxPool2d(F.conv2d(x, w, b, { padding: 1, stride: 1 }).tanh(), { kernelSize: 2 });
  y.mul(y).sum().backward();
  // 16 channels each way: the Winograd path (forward, dX, dW)
  const xw = wg.randn([2, 16, 7, 9], { requiresGrad: true });
  const ww = wg.randn([16, 16, 3, 3], { requiresGrad: true });
  const yw = F.conv2d(xw, ww, null, { padding: 1 });
  yw.mul(yw).sum().backward();
  const parts = [Float32Array.from(losses), ...params.map((p) => p.data()), y.data(), x.grad!.data(), w.grad!.data(), b.grad!.data(),
    yw.data(), xw.grad!.data(), ww.grad!.data()];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
