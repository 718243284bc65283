// Child process of tests/memory-loops.test.ts: trains one-hidden-layer nets of 24 widths one after
// another (mode `sweep`), or only the widest (mode `largest`), as a double-descent sweep does,
// with nothing freed by hand; prints the heap's high-water mark and wasm memory as JSON.
import * as wg from '../../bindings/index.js';

const { nn, optim } = wg;
const F = nn.functional;
const mode = process.argv[2] ?? 'sweep';
await wg.init({ threads: 1 });

// 3 .. 400, denser in the middle, like the double-descent widths
const WIDTHS = [3, 5, 8, 10, 13, 16, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80, 100, 130, 170, 220, 280, 340, 400];
const STEPS = 100;

wg.manualSeed(0);
const X = wg.randn([256, 64]);
const labels = wg.randint(0, 10, [256]);
const Y = wg.nn.functional.oneHot(labels, 10);
// a first backward(), so that everything below is made "inside the training loop"
wg.tensor([1], { requiresGrad: true }).square().sum().backward();

let iterations = 0;
let firstLoss = NaN, lastLoss = NaN;
for (const width of mode === 'largest' ? WIDTHS.slice(-1) : WIDTHS) {
  const model = new nn.Sequential(new nn.Linear(64, width), new nn.ReLU(), new nn.Linear(width, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  for (let s = 0; s < STEPS; s++) {
    const b = s % 4;
    const x = X.slice(0, b * 64, b * 64 + 64), y = Y.slice(0, b * 64, b * 64 + 64);
    const loss = F.mseLoss(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    iterations++;
    if (s === 0 && Number.isNaN(firstLoss)) firstLoss = loss.item();
    if (s === STEPS - 1) lastLoss = loss.item();
  }
  // evaluated once trained, as a sweep records each width's error
  wg.noGrad(() => model.forward(X).argmax(1).eq(labels).sum().item());
}
const m = wg.memoryInfo();
console.log(JSON.stringify({ mode, iterations, heapHighWater: m.heapHighWater, wasmBytes: m.wasmBytes, firstLoss, lastLoss }));
