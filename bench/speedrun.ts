// The speedrun row of `npm run bench`: "MNIST CNN to 99.0 % test accuracy", through wasmgrad's public
// API, timed from process start (Node's own start-up, the import, init(), reading and
// standardising MNIST included). Run alone as `node dist/bench/speedrun.js [--threads N] [--json]`;
// `npm run bench` runs it in a child process so that the clock really starts at process start.
// bench/torch_reference.py --speedrun runs the same recipe in PyTorch.
//
// The recipe (chosen for few FLOPs per image at 99 %):
//   conv 5×5 1→16, batch norm, ReLU, max pool 2 → conv 5×5 16→32, batch norm, ReLU, max pool 2
//   → linear 512→10; Adam (β 0.9, 0.999), batch 128, one-cycle learning rate (linear warm-up to
//   4e-3 over the first 30 % of two epochs' steps, then linear decay to 1e-5 at the end of epoch 2;
//   a third epoch, if needed, stays at 1e-5), stopping at the first epoch whose test accuracy
//   reaches 99.0 %. Seed 0; the test set is evaluated after each epoch (counted in the wall time).
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const threads = flag('--threads') ? Number(flag('--threads')) : undefined;
const maxEpochs = Number(flag('--epochs') ?? 3);
const json = argv.includes('--json');

export const SPEEDRUN = {
  name: 'MNIST CNN to 99.0 % test accuracy',
  target: 0.99,
  batchSize: 128,
  maxLr: 4e-3,
  finalLr: 1e-5,
  warmup: 0.3,
  scheduleEpochs: 2,
};

export interface SpeedrunEpoch { epoch: number; wallSeconds: number; testAccuracy: number; trainLoss: number }
export interface SpeedrunResult {
  name: string; threads: number; gemmTile: string; epochs: SpeedrunEpoch[];
  reachedTarget: boolean; wallSeconds: number; importInitSeconds: number; dataSeconds: number;
}

type Layers = typeof import('../bindings/index.js')['nn'];

/** The recipe's model (above), from `layers`: the imported package's nn, or a build's (bench/step-ab.ts). */
export function speedrunModel(layers: Layers): InstanceType<Layers['Sequential']> {
  return new layers.Sequential(
    new layers.Conv2d(1, 16, 5), new layers.BatchNorm2d(16), new layers.ReLU(), new layers.MaxPool2d(2),
    new layers.Conv2d(16, 32, 5), new layers.BatchNorm2d(32), new layers.ReLU(), new layers.MaxPool2d(2),
    new layers.Flatten(), new layers.Linear(512, 10),
  );
}

/** Learning rate at step s of `total` (one cycle: linear up, linear down). */
export function oneCycle(s: number, total: number): number {
  const up = Math.max(1, Math.round(SPEEDRUN.warmup * total));
  if (s < up) return SPEEDRUN.maxLr * (0.04 + 0.96 * (s / up));
  if (s >= total) return SPEEDRUN.finalLr;
  return SPEEDRUN.maxLr + (SPEEDRUN.finalLr - SPEEDRUN.maxLr) * ((s - up) / Math.max(1, total - up));
}

async function main(): Promise<void> {
  // the package's entry, as a user imports it (the one-file bundle; see scripts/build.mjs)
  const wg = await import('wasmgrad');
  await wg.init(threads ? { threads } : {});
  const importInitSeconds = process.uptime();
  const { nn, optim, data, train } = wg;
  wg.manualSeed(0);
  const trainSet = await data.mnistDataset({ train: true, normalize: true });
  const testSet = await data.mnistDataset({ train: false, normalize: true });
  const trainLoader = new data.DataLoader(trainSet, { batchSize: SPEEDRUN.batchSize, shuffle: true });
  const testLoader = new data.DataLoader(testSet, { batchSize: 1000 });
  const dataSeconds = process.uptime() - importInitSeconds;

  const model = speedrunModel(nn);
  const opt = new optim.Adam(model.parameters(), { lr: SPEEDRUN.maxLr });
  const total = SPEEDRUN.scheduleEpochs * trainLoader.length;
  let step = 0;
  const epochs: SpeedrunEpoch[] = [];
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const r = train.trainEpoch(model, trainLoader, opt, (out, y) => nn.functional.crossEntropy(out, y), {
      onBatch: () => {
        step++;
        for (const g of opt.paramGroups) g.lr = oneCycle(step, total);
      },
    });
    const ev = train.evaluate(model, testLoader);
    const e = { epoch, wallSeconds: process.uptime(), testAccuracy: ev.accuracy, trainLoss: r.loss };
    epochs.push(e);
    if (!json) console.log(`epoch ${epoch}: test accuracy ${(100 * ev.accuracy).toFixed(2)} %, train loss ${r.loss.toFixed(4)}, ${e.wallSeconds.toFixed(1)} s since process start`);
    if (ev.accuracy >= SPEEDRUN.target) break;
  }
  const last = epochs[epochs.length - 1];
  const result: SpeedrunResult = {
    name: SPEEDRUN.name, threads: wg.getNumThreads(), gemmTile: wg.info().gemmTile, epochs,
    reachedTarget: last.testAccuracy >= SPEEDRUN.target, wallSeconds: last.wallSeconds, importInitSeconds, dataSeconds,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`${result.reachedTarget ? 'reached' : 'did NOT reach'} ${(100 * SPEEDRUN.target).toFixed(1)} % in ${result.wallSeconds.toFixed(1)} s ` +
      `(${result.threads} thread(s), tile ${result.gemmTile}; import+init ${importInitSeconds.toFixed(2)} s, data ${dataSeconds.toFixed(2)} s)`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').slice(-2).join('/'))) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
