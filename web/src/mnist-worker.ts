// MNIST training in a Web Worker: the CNN of `mnist-cnn` or the shallow net of `shallow-mnist`,
// trained with the engine's DataLoader and optimisers; curves, confusion matrix and
// misclassified digits drawn by the CLI's own figure code on OffscreenCanvas and sent to the
// page as bitmaps. Between batches it answers the drawing pad: the same preprocessing as
// `wasmgrad predict` (prepareDigit), the ten probabilities, every layer's feature maps and the
// first layer's filters.
import { info, init, manualSeed, nn, noGrad, optim, tensor, type Tensor } from '../../dist/bindings/index.js';
import { DataLoader, TensorDataset, MNIST_MEAN, MNIST_STD, loadMnist, standardize, type MnistData } from '../../dist/bindings/data/index.js';
import { evaluate } from '../../dist/bindings/train/index.js';
import { mnistCnn } from '../../dist/cli/experiments/mnist/cnn-model.js';
import { denseNet } from '../../dist/cli/experiments/mnist/dense.js';
import { confusionFigure, learningCurves, misclassifiedGrid, type EpochRecord } from '../../dist/cli/harness/figures.js';
import { barChart, imageGrid, type Chart } from '../../dist/cli/plot/index.js';
import { greyFromRgba, prepareDigit } from '../../dist/cli/predict/preprocess.js';
import { type MnistSource, useMnistSource } from './mnist-source.js';

export type MnistRequest =
  | { type: 'init'; threads: number; mnist: MnistSource }
  | { type: 'train'; model: 'cnn' | 'shallow'; trainImages: number; epochs: number; seed: number }
  | { type: 'stop' }
  | { type: 'predict'; rgba: Uint8ClampedArray; width: number; height: number }
  | { type: 'predict-test'; index: number };

const post = (msg: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(msg, transfer);
const EVAL_IMAGES = 1000;
const SCALE = 2;

let train: MnistData | null = null;
let test: MnistData | null = null;
let testSet: TensorDataset | null = null;
let model: nn.Sequential | null = null;
let kind: 'cnn' | 'shallow' = 'cnn';
let stopRequested = false;
let lastInput: Float32Array | null = null;
let lastCaption = '';

/** Draws a chart on an OffscreenCanvas and sends it to the page's canvas `target`. */
function send(target: string, chart: Chart): void {
  const canvas = new OffscreenCanvas(Math.round(chart.width * SCALE), Math.round(chart.height * SCALE));
  const ctx = canvas.getContext('2d')!;
  ctx.scale(SCALE, SCALE);
  chart.draw(ctx as never, { x: 0, y: 0, w: chart.width, h: chart.height });
  const bitmap = canvas.transferToImageBitmap();
  post({ type: 'bitmap', target, bitmap, scale: SCALE }, [bitmap]);
}

/** Charts one above the other, as one figure. */
function stack(title: string, charts: Chart[]): Chart {
  const width = Math.max(...charts.map((c) => c.width));
  const height = charts.reduce((s, c) => s + c.height, 0);
  return {
    width, height, title,
    draw(ctx, box) {
      let y = box.y;
      for (const c of charts) {
        const h = (c.height / height) * box.h;
        c.draw(ctx, { x: box.x, y, w: (c.width / width) * box.w, h });
        y += h;
      }
    },
  };
}

const yieldToEvents = () => new Promise((r) => setTimeout(r, 0));

function input(pixels: Float32Array, n: number): Tensor {
  const x = tensor(standardize(pixels, MNIST_MEAN, MNIST_STD));
  return kind === 'cnn' ? x.reshape([n, 1, 28, 28]) : x.reshape([n, 784]);
}

function makeModel(which: 'cnn' | 'shallow'): nn.Sequential {
  return which === 'cnn' ? mnistCnn() : denseNet([784, 30, 10], 'sigmoid', 'xavier-normal');
}

/** A layer's class name (constructor names do not survive minification). */
function layerName(l: nn.Module): string {
  const known: Array<[new (...a: never[]) => nn.Module, string]> = [
    [nn.Conv2d, 'Conv2d'], [nn.ReLU, 'ReLU'], [nn.MaxPool2d, 'MaxPool2d'], [nn.Linear, 'Linear'], [nn.Sigmoid, 'Sigmoid'],
  ];
  return known.find(([c]) => l instanceof c)?.[1] ?? 'layer';
}

/** A layer's activations as images in [0, 1] (each layer scaled by its own largest value). */
function mapsOf(name: string, out: Tensor): Chart {
  const shape = out.shape;
  const data = out.data();
  let lo = Infinity, hi = -Infinity;
  for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1;
  const scaled = Float32Array.from(data, (v) => (v - lo) / span);
  const title = `${name}: ${shape.slice(1).join(' × ')} (values ${lo.toPrecision(3)} … ${hi.toPrecision(3)})`;
  if (shape.length === 4) {
    const [, c, h, w] = shape;
    return imageGrid({
      title, imageWidth: w, imageHeight: h, cols: 16, zoom: Math.max(1, Math.round(56 / w)),
      images: Array.from({ length: c }, (_, k) => ({ pixels: scaled.subarray(k * h * w, (k + 1) * h * w), caption: String(k) })),
    });
  }
  const n = shape[shape.length - 1];
  const cols = n <= 10 ? n : Math.ceil(Math.sqrt(n * 2));
  const rows = Math.ceil(n / cols);
  const pixels = new Float32Array(rows * cols);
  pixels.set(scaled.subarray(0, n));
  return imageGrid({ title, imageWidth: cols, imageHeight: rows, zoom: Math.max(4, Math.floor(300 / cols)), images: [{ pixels, caption: `${n} units` }] });
}

/** Probabilities, feature maps of every layer and the first layer's filters for one 28×28 input. */
function analyse(pixels: Float32Array, caption: string): void {
  if (!model) {
    post({ type: 'predicted', error: 'train a model first' });
    return;
  }
  const m = model;
  const wasTraining = m.training;
  m.eval();
  try {
    noGrad(() => {
      let x = input(pixels, 1);
      const maps: Chart[] = [imageGrid({ title: `input (${caption})`, imageWidth: 28, imageHeight: 28, zoom: 4, images: [{ pixels }] })];
      m.children().forEach((layer, i) => {
        x = layer.forward(x);
        if (!(layer instanceof nn.Dropout) && !(layer instanceof nn.Flatten)) maps.push(mapsOf(`${i}: ${layerName(layer)}`, x));
      });
      const probabilities = Array.from(x.softmax(1).data());
      const best = probabilities.indexOf(Math.max(...probabilities));
      send('pad-bars', barChart({
        title: `Prediction: ${best} (probability ${probabilities[best].toFixed(3)})`,
        categories: probabilities.map((_, d) => String(d)), series: [{ name: 'probability', values: probabilities, color: '#4e79a7' }],
        y: { label: 'probability', domain: [0, 1] }, valueLabels: 2, width: 620, height: 380,
      }));
      send('feature-maps', stack('Feature maps', maps));
      post({ type: 'predicted', probabilities, prediction: best, prepared: pixels });
    });
    sendFilters();
  } finally {
    m.train(wasTraining);
  }
}

function sendFilters(): void {
  const first = model!.children().find((l) => l instanceof nn.Conv2d || l instanceof nn.Linear) as nn.Conv2d | nn.Linear;
  const w = first.weight;
  const data = w.data();
  const [out] = w.shape;
  const size = data.length / out;
  const side = Math.round(Math.sqrt(size));
  let lim = 0;
  for (const v of data) lim = Math.max(lim, Math.abs(v));
  send('filters', imageGrid({
    title: `First layer's ${out} filters (${layerName(first)}, ${side} × ${side}; red negative, blue positive, ±${lim.toPrecision(2)})`,
    imageWidth: side, imageHeight: side, cols: 16, zoom: Math.max(2, Math.round(60 / side)), colormap: 'rdbu', range: [-lim, lim],
    images: Array.from({ length: out }, (_, k) => ({ pixels: data.subarray(k * size, (k + 1) * size), caption: String(k) })),
  }));
}

async function runTraining(req: Extract<MnistRequest, { type: 'train' }>): Promise<void> {
  if (!train || !test || !testSet) throw new Error('MNIST is not loaded yet');
  stopRequested = false;
  manualSeed(req.seed);
  kind = req.model;
  model = makeModel(req.model).keep();
  const n = Math.min(req.trainImages, train.n);
  const x = tensor(standardize(train.images.subarray(0, n * 784), MNIST_MEAN, MNIST_STD), { shape: kind === 'cnn' ? [n, 1, 28, 28] : [n, 784] });
  const loader = new DataLoader(new TensorDataset(x, train.labels.subarray(0, n)), { batchSize: kind === 'cnn' ? 64 : 32, shuffle: true });
  const testLoader = new DataLoader(kind === 'cnn' ? testSet : new TensorDataset(testSet.tensors[0].reshape([EVAL_IMAGES, 784]), testSet.tensors[1]), { batchSize: 500 });
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = nn.functional.crossEntropy;
  const history: EpochRecord[] = [];
  const batches = loader.length;
  const evalEvery = Math.max(1, Math.round(batches / 8));
  let seen = 0, lossSum = 0, correct = 0, count = 0;
  // Training time alone (the steps, not the evaluations, drawing or yielding): images/s.
  let trainMs = 0;
  let lastYield = performance.now();
  const evaluateNow = (epochDone: number) => {
    const r = evaluate(model!, testLoader, { lossFn, predictions: true });
    history.push({ epoch: epochDone, lr: 1e-3, trainLoss: lossSum / count, trainAccuracy: correct / count, testLoss: r.loss, testAccuracy: r.accuracy });
    lossSum = 0; correct = 0; count = 0;
    send('mnist-curves', learningCurves(history, `${kind === 'cnn' ? 'CNN' : 'Shallow net [784, 30, 10]'} on ${n} MNIST images (test: first ${EVAL_IMAGES})`));
    send('mnist-confusion', confusionFigure(r.confusion, `Confusion matrix after ${epochDone.toFixed(2)} epochs`));
    const images = { pixels: test!.images.subarray(0, EVAL_IMAGES * 784), width: 28, height: 28 };
    send('mnist-misclassified', misclassifiedGrid(images, r.labels!, r.predicted!, r.confidence, { title: `Misclassified test digits (${EVAL_IMAGES - Math.round(r.accuracy * EVAL_IMAGES)} of ${EVAL_IMAGES})`, max: 30 }).chart);
    post({ type: 'accuracy', epoch: epochDone, testAccuracy: r.accuracy, testLoss: r.loss, history });
    if (lastInput) analyse(lastInput, lastCaption);
    else sendFilters();
  };
  model.train();
  outer: for (let epoch = 0; epoch < req.epochs; epoch++) {
    let b = 0;
    let tStep = performance.now();
    for (const [xb, yb] of loader) {
      const out = model.forward(xb);
      const loss = lossFn(out, yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      const labels = yb.data();
      const pred = out.argmax(1).data();
      for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
      lossSum += loss.item() * labels.length;
      count += labels.length;
      seen += labels.length;
      b++;
      const now = performance.now();
      trainMs += now - tStep;
      if (now - lastYield > 100) {
        post({ type: 'progress', epoch, batch: b, batches, seen, imagesPerSecond: seen / (trainMs / 1000), loss: lossSum / count });
        await yieldToEvents(); // lets 'stop' and drawing-pad requests in
        lastYield = performance.now();
      }
      if (b % evalEvery === 0 || b === batches) evaluateNow(epoch + b / batches);
      if (stopRequested) break outer;
      tStep = performance.now();
    }
  }
  const seconds = trainMs / 1000;
  post({ type: 'trained', seen, seconds, imagesPerSecond: seen / seconds, stopped: stopRequested, history });
}

self.onmessage = async (e: MessageEvent<MnistRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') {
      await init({ threads: msg.threads });
      const source = useMnistSource(msg.mnist);
      [train, test] = await Promise.all([loadMnist({ train: true }), loadMnist({ train: false })]);
      const tx = tensor(standardize(test.images.subarray(0, EVAL_IMAGES * 784), MNIST_MEAN, MNIST_STD), { shape: [EVAL_IMAGES, 1, 28, 28] });
      testSet = new TensorDataset(tx, test.labels.subarray(0, EVAL_IMAGES));
      post({ type: 'ready', info: info(), source, train: train.n, test: test.n });
    } else if (msg.type === 'train') {
      await runTraining(msg);
    } else if (msg.type === 'stop') {
      stopRequested = true;
    } else if (msg.type === 'predict') {
      const prepared = prepareDigit(greyFromRgba(msg.rgba, msg.width, msg.height));
      lastInput = prepared.pixels;
      lastCaption = 'drawn';
      analyse(prepared.pixels, 'drawn');
    } else if (msg.type === 'predict-test') {
      if (!test) throw new Error('MNIST is not loaded yet');
      const i = Math.max(0, Math.min(test.n - 1, msg.index | 0));
      lastInput = test.images.slice(i * 784, (i + 1) * 784);
      lastCaption = `test digit ${i}, label ${test.labels[i]}`;
      analyse(lastInput, lastCaption);
    }
  } catch (err) {
    post({ type: 'error', request: msg.type, message: err instanceof Error ? err.message : String(err) });
  }
};
