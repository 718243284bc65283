// The example's training, written against the engine module passed in (so the same file runs in
// the Web Worker and in Node's test): a 2-layer MLP on a seeded synthetic regression, Adam,
// full-batch steps. Returns each step's loss and its float32 bits (hex), for comparing runtimes.
export function train(wg, steps = 40) {
  const { manualSeed, randn, nn, optim } = wg;
  manualSeed(3);
  const X = randn([128, 8]).keep();
  const y = X.sum(1, true).mul(0.25).tanh().keep();
  const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  const losses = [];
  const hex = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = nn.functional.mseLoss(model.forward(X), y);
    loss.backward();
    opt.step();
    f[0] = loss.item();
    losses.push(f[0]);
    hex.push(bits[0].toString(16).padStart(8, '0'));
  }
  return { losses, hex };
}
