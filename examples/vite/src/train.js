// A small seeded training run: an MLP 2-16-2 on two noisy blobs, 100 Adam steps.
// The same function runs in the page (main.js) and in Node (the repository's tests), which
// compare the float32 bytes of the losses.
export function train(wg) {
  const { nn, optim } = wg;
  wg.manualSeed(7);
  const n = 128;
  const labels = wg.randint(0, 2, [n]);
  const centres = labels.mul(2).sub(1).unsqueeze(1).expand([n, 2]);
  const x = wg.randn([n, 2], { std: 0.7 }).add(centres);
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 2));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.05 });
  const losses = new Float32Array(100);
  for (let step = 0; step < losses.length; step++) {
    optimizer.zeroGrad();
    const loss = nn.functional.crossEntropy(model.forward(x), labels);
    loss.backward();
    optimizer.step();
    losses[step] = loss.item();
  }
  return losses;
}
