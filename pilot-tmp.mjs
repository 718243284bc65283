import { init, nn, optim, setNumThreads, manualSeed } from './dist/bindings/index.js';
import { DataLoader, mnistDataset } from './dist/bindings/data/index.js';
import { trainEpoch, evaluate } from './dist/bindings/train/index.js';
await init(); await setNumThreads(1); manualSeed(1);
const ds = await mnistDataset({ train: true, limit: 4000, flatten: true });
const loader = new DataLoader(ds, { batchSize: 128, shuffle: true });
const evalL = new DataLoader(ds, { batchSize: 2000 });
const loss = (o, y) => nn.functional.mseLoss(o, nn.functional.oneHot(y, 10));
for (const h of [60, 200]) for (const lr of [0.01, 0.05]) {
  manualSeed(2);
  const m = new nn.Sequential(new nn.Linear(784, h), new nn.ReLU(), new nn.Linear(h, 10));
  for (const l of [m.children()[0], m.children()[2]]) { nn.init.xavierUniform(l.weight); nn.init.zeros(l.bias); }
  const opt = new optim.SGD(m.parameters(), { lr, momentum: 0.95 });
  const t0 = performance.now(); const out = [];
  for (let e = 1; e <= 60; e++) { trainEpoch(m, loader, opt, loss); if (e % 15 === 0) { const r = evaluate(m, evalL, { lossFn: loss }); out.push(`${e}:${(1 - r.accuracy).toFixed(4)}/${r.loss.toExponential(2)}`); } }
  console.log(`h ${h} lr ${lr}: ${out.join(' ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
