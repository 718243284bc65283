// DataLoader, TensorDataset, randomSplit, standardisation helpers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, arange, tensor, memoryInfo, noGrad } from '../bindings/index.js';
import { DataLoader, TensorDataset, randomSplit, meanStd, standardizeTensor, Subset } from '../bindings/data/index.js';

test.before(async () => {
  await init();
});

const dataset = () => new TensorDataset(arange(0, 20).reshape([10, 2]).keep(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

test('every index once per epoch, batches of rows; dropLast; shuffled order is seeded', () => {
  const ds = dataset();
  const seen = (loader: DataLoader) => [...loader].flatMap(([x, y]) => {
    const rows = x.toArray() as number[][];
    const labels = Array.from(y.data());
    rows.forEach((r, i) => assert.equal(r, [2 * labels[i], 2 * labels[i] + 1]));
    return labels;
  });
  assert.equal(seen(new DataLoader(ds, { batchSize: 3 })), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const loader = new DataLoader(ds, { batchSize: 4, shuffle: true });
  assert.is(loader.length, 3);
  manualSeed(7);
  const e1 = seen(loader), e2 = seen(loader);
  assert.equal([...e1].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal([...e2].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.not.equal(e1, e2, 'reshuffled each epoch');
  manualSeed(7);
  assert.equal(seen(loader), e1, 'same seed, same order');
  const dl = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.is(dl.length, 2);
  assert.equal([...dl].map(([x]) => x.shape[0]), [4, 4]);
});

test('batches are temporaries: memory stays flat over epochs', () => {
  const ds = dataset();
  const loader = new DataLoader(ds, { batchSize: 2, shuffle: true });
  const epoch = () => noGrad(() => { for (const [x] of loader) x.sum().item(); });
  epoch();
  const before = memoryInfo().heapBytes;
  for (let e = 0; e < 20; e++) epoch();
  assert.is(memoryInfo().heapBytes, before);
});

test('randomSplit: disjoint seeded subsets, fractions, nested subsets', () => {
  const ds = dataset();
  manualSeed(3);
  const [a, b] = randomSplit(ds, [7, 3]);
  assert.is(a.length, 7);
  assert.equal([...a.indices, ...b.indices].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  manualSeed(3);
  assert.equal(Array.from(randomSplit(ds, [0.7, 0.3])[0].indices), Array.from(a.indices));
  const inner = new Subset(a, [0, 1]);
  const [[, y]] = [...new DataLoader(inner, { batchSize: 2 })];
  assert.equal(Array.from(y.data()), [a.indices[0], a.indices[1]]);
  assert.throws(() => randomSplit(ds, [5, 4]), /do not add up/);
});

test('meanStd and standardizeTensor', () => {
  const x = tensor([1, 2, 3, 4]);
  const s = meanStd(x);
  assert.is(s.mean, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(1.25)) < 1e-12);
  const z = meanStd(standardizeTensor(x));
  assert.ok(Math.abs(z.mean) < 1e-7 && Math.abs(z.std - 1) < 1e-6);
  assert.equal(Array.from(standardizeTensor(x, { mean: 1, std: 2 }).data()), [0, 0.5, 1, 1.5]);
});

test.run();
