// The four MNIST training workloads T1–T4 of the performance comparison, built the same way in
// wasmgrad and in tfjs (wasm backend): same layers, same initial weights (wasmgrad initialises,
// tfjs gets a copy in its own layout), same optimiser settings, same loss and the same batches
// in the same order. bench/epochs.ts times them; bench/torch_reference.py mirrors them in PyTorch.
import type * as tfns from '@tensorflow/tfjs';
import { manualSeed, noGrad, nn, optim, tensor, type Tensor } from '../bindings/index.js';
import { loadMnist, standardize } from '../bindings/data/index.js';
import type { Tf } from './tfjs.js';

const F = nn.functional;

export type WorkloadId = 'T1' | 'T2' | 'T3' | 'T4';

export interface Workload {
  id: WorkloadId;
  /** one-line description for tables */
  label: string;
  /** training examples in one epoch (the first n of the 60,000) */
  n: number;
  batch: number;
  /** [N,1,28,28] (wasmgrad) / [N,28,28,1] (tfjs) images instead of [N,784] rows */
  image: boolean;
  /** targets: class indices for cross-entropy, one-hot rows for the squared loss */
  loss: 'ce' | 'mse';
  /** multiply-adds per example of the forward pass, per layer, first layer first */
  macsPerExample: number[];
}

export const WORKLOADS: Workload[] = [
  { id: 'T1', label: 'MLP 784-30-10 sigmoid, b10, SGD Nesterov', n: 60000, batch: 10, image: false, loss: 'ce',
    macsPerExample: [784 * 30, 30 * 10] },
  { id: 'T2', label: 'CNN 34,826 params, b128, Adam', n: 60000, batch: 128, image: true, loss: 'ce',
    macsPerExample: [32 * 26 * 26 * 9, 64 * 11 * 11 * 32 * 9, 1600 * 10] },
  { id: 'T3', label: 'MLP 784-128-10 ReLU, b200, SGD', n: 60000, batch: 200, image: false, loss: 'ce',
    macsPerExample: [784 * 128, 128 * 10] },
  { id: 'T4', label: 'MLP 784-800-10 ReLU, 4k imgs, b128, SGD, MSE', n: 4000, batch: 128, image: false, loss: 'mse',
    macsPerExample: [784 * 800, 800 * 10] },
];

export const stepsPerEpoch = (w: Workload): number => Math.ceil(w.n / w.batch);

/**
 * FLOPs of one training step on a batch of B counted in matmul/conv work only: forward, weight
 * gradient, and input gradient for every layer but the first (whose input needs none).
 */
export function stepFlops(w: Workload, B = w.batch): number {
  return w.macsPerExample.reduce((s, m, i) => s + 2 * B * m * (i === 0 ? 2 : 3), 0);
}

/** MNIST training images standardised with (0.1307, 0.3081) as the repo's MNIST code does, and labels. */
export interface MnistArrays {
  x: Float32Array;
  labels: Uint8Array;
  n: number;
}

export async function loadTrainingSet(limit?: number): Promise<MnistArrays> {
  const m = await loadMnist({ train: true, limit });
  return { x: standardize(m.images), labels: m.labels, n: m.n };
}

export function oneHotRows(labels: Uint8Array, n = labels.length): Float32Array {
  const out = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) out[i * 10 + labels[i]] = 1;
  return out;
}

/** The first n examples of the set as one engine's persistent input and target tensors. */
export interface WgData { x: Tensor; y: Tensor }

export function wgData(w: Workload, d: MnistArrays, n = w.n): WgData {
  const x = tensor(d.x.subarray(0, n * 784), { shape: w.image ? [n, 1, 28, 28] : [n, 784] });
  const y = w.loss === 'mse'
    ? tensor(oneHotRows(d.labels, n), { shape: [n, 10] })
    : tensor(Float32Array.from(d.labels.subarray(0, n)));
  return { x, y };
}

/**
 * tfjs batches as tfjs's MNIST example makes them: a new tensor from each batch's part of the typed
 * arrays (one-hot targets, as tf.losses.softmaxCrossEntropy wants). Slicing one [60000, 784]
 * tensor instead costs ~170 ms a batch on tfjs-backend-wasm 4.22: its Slice kernel reads the
 * whole input out of the wasm heap (readSync copies it) on every call.
 */
export function tfBatches(tf: Tf, w: Workload, d: MnistArrays, n = w.n): TfBatches {
  const y = oneHotRows(d.labels, n);
  return (s, m) => {
    if (s + m > n) throw new RangeError(`tfBatches: rows ${s}..${s + m} are outside the first ${n}`);
    return [
      tf.tensor(d.x.subarray(s * 784, (s + m) * 784), w.image ? [m, 28, 28, 1] : [m, 784]),
      tf.tensor2d(y.subarray(s * 10, (s + m) * 10), [m, 10]),
    ];
  };
}

/** Rows [start, start + size) as tfjs input and target tensors. */
export type TfBatches = (start: number, size: number) => [tfns.Tensor, tfns.Tensor];

/** One engine's model, optimiser and loss; step() is forward, backward and update on one batch. */
export interface WgTrainer {
  model: nn.Module;
  /** zeroGrad, forward, loss, backward, step; returns the loss tensor */
  step(x: Tensor, y: Tensor): Tensor;
  /** the loss in eval mode (no dropout), without gradients */
  evalLoss(x: Tensor, y: Tensor): number;
}

export interface TfTrainer {
  /** optimizer.minimize over the model's variables; the cost when asked for */
  step(x: tfns.Tensor, y: tfns.Tensor, returnCost: boolean): tfns.Scalar | null;
  /** the loss in eval mode (no dropout) */
  evalLoss(x: tfns.Tensor, y: tfns.Tensor): number;
  dispose(): void;
}

/**
 * The workload's wasmgrad model, built from `layers` (this build's nn by default; bench/step-ab.ts
 * passes each build's own, so both time the same model).
 */
export function wgModel(id: WorkloadId, layers: typeof nn = nn): nn.Module {
  switch (id) {
    case 'T1': return new layers.Sequential(new layers.Linear(784, 30), new layers.Sigmoid(), new layers.Linear(30, 10));
    case 'T2': return new layers.Sequential(
      new layers.Conv2d(1, 32, 3), new layers.ReLU(), new layers.MaxPool2d(2),
      new layers.Conv2d(32, 64, 3), new layers.ReLU(), new layers.MaxPool2d(2),
      new layers.Flatten(), new layers.Dropout(0.5), new layers.Linear(1600, 10),
    );
    case 'T3': return new layers.Sequential(new layers.Linear(784, 128), new layers.ReLU(), new layers.Linear(128, 10));
    case 'T4': return new layers.Sequential(new layers.Linear(784, 800), new layers.ReLU(), new layers.Linear(800, 10));
  }
}

function wgOptimizer(id: WorkloadId, params: Tensor[]): optim.Optimizer<{ lr: number }> {
  switch (id) {
    case 'T1': return new optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
    case 'T2': return new optim.Adam(params, { lr: 1e-3 });
    default: return new optim.SGD(params, { lr: 0.1 });
  }
}

function tfOptimizer(tf: Tf, id: WorkloadId): tfns.Optimizer {
  switch (id) {
    case 'T1': return tf.train.momentum(0.1, 0.9, true);
    case 'T2': return tf.train.adam(1e-3, 0.9, 0.999, 1e-8); // PyTorch's eps (tfjs defaults to 1e-7)
    default: return tf.train.sgd(0.1);
  }
}

/**
 * conv2d (valid, stride 1) + bias + ReLU as one differentiable tfjs op. tfjs-backend-wasm 4.22
 * has no Conv2DBackpropFilter kernel, so tfjs's own conv2d gradient throws on this backend; the
 * filter gradient here is the conv2d of the transposed input with the transposed output gradient
 * (as bench/run.ts's conv rows), the input gradient is conv2dTranspose (Conv2DBackpropInput), and
 * the first layer skips it, as tfjs's autodiff would for a non-variable input.
 */
function tfConvRelu(tf: Tf, inputGrad: boolean) {
  return tf.customGrad(((x: tfns.Tensor4D, w: tfns.Tensor4D, b: tfns.Tensor1D, save: tfns.GradSaveFunc) => {
    const y = tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias: b, activation: 'relu' });
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tfns.Tensor4D, saved: tfns.Tensor[]) => {
        const [sx, sw, sy] = saved as tfns.Tensor4D[];
        const g = tf.mul(dy, tf.step(sy)) as tfns.Tensor4D;
        const dx = inputGrad ? tf.conv2dTranspose(g, sw, sx.shape, 1, 'valid') : tf.zerosLike(sx);
        const xT = tf.transpose(sx, [3, 1, 2, 0]) as tfns.Tensor4D;
        const gT = tf.transpose(g, [1, 2, 0, 3]) as tfns.Tensor4D;
        const dw = tf.transpose(tf.conv2d(xT, gT, 1, 'valid'), [1, 2, 0, 3]);
        return [dx, dw, tf.sum(g, [0, 1, 2])];
      },
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]) as (x: tfns.Tensor, w: tfns.Tensor, b: tfns.Tensor) => tfns.Tensor4D;
}

/** A wasmgrad parameter as a tfjs variable: its data viewed as `shape`, axes permuted by `perm`, viewed as `to`. */
function tfVar(tf: Tf, p: Tensor, o: { shape?: number[]; perm?: number[]; to?: number[] } = {}): tfns.Variable {
  return tf.tidy(() => {
    let t: tfns.Tensor = tf.tensor(p.data(), o.shape ?? [...p.shape]);
    if (o.perm) t = tf.transpose(t, o.perm);
    return tf.variable(o.to ? t.reshape(o.to) : t);
  });
}

/** The same network in tfjs, with the wasmgrad model's initial weights. */
function tfModel(tf: Tf, id: WorkloadId, wg: nn.Module): { vars: tfns.Variable[]; forward: (x: tfns.Tensor, training: boolean) => tfns.Tensor } {
  const p = Object.fromEntries(wg.namedParameters());
  const dense = (x: tfns.Tensor, w: tfns.Variable, b: tfns.Variable, activation: 'relu' | 'linear') =>
    tf.fused.matMul({ a: x as tfns.Tensor2D, b: w as tfns.Tensor2D, bias: b, activation });
  if (id === 'T2') {
    const hwio = [2, 3, 1, 0]; // [OC,C,KH,KW] → [KH,KW,C,OC]
    const k1 = tfVar(tf, p['0.weight'], { perm: hwio }), b1 = tfVar(tf, p['0.bias']);
    const k2 = tfVar(tf, p['3.weight'], { perm: hwio }), b2 = tfVar(tf, p['3.bias']);
    // wasmgrad flattens [64,5,5] channel-first, tfjs [5,5,64] channel-last: permute the rows to match
    const wFlat = tfVar(tf, p['8.weight'], { shape: [10, 64, 5, 5], perm: hwio, to: [1600, 10] });
    const b = tfVar(tf, p['8.bias']);
    const conv1 = tfConvRelu(tf, false), conv2 = tfConvRelu(tf, true);
    return {
      vars: [k1, b1, k2, b2, wFlat, b],
      forward: (x, training) => {
        let h: tfns.Tensor4D = tf.maxPool(conv1(x, k1, b1), 2, 2, 'valid');
        h = tf.maxPool(conv2(h, k2, b2), 2, 2, 'valid');
        const d = (training ? tf.dropout(h, 0.5) : h).reshape([-1, 1600]);
        return dense(d, wFlat, b, 'linear');
      },
    };
  }
  const w1 = tfVar(tf, p['0.weight'], { perm: [1, 0] }), b1 = tfVar(tf, p['0.bias']);
  const w2 = tfVar(tf, p['2.weight'], { perm: [1, 0] }), b2 = tfVar(tf, p['2.bias']);
  return {
    vars: [w1, b1, w2, b2],
    forward: id === 'T1'
      ? (x) => dense(tf.sigmoid(dense(x, w1, b1, 'linear')), w2, b2, 'linear')
      : (x) => dense(dense(x, w1, b1, 'relu'), w2, b2, 'linear'),
  };
}

/** Fresh models in both engines with identical initial weights (wasmgrad's, seeded). */
export function buildTrainers(tf: Tf, w: Workload, seed = 0): { wg: WgTrainer; tf: TfTrainer } {
  manualSeed(seed);
  const model = wgModel(w.id);
  const opt = wgOptimizer(w.id, model.parameters());
  const wgLoss = w.loss === 'mse'
    ? (out: Tensor, y: Tensor) => F.mseLoss(out, y)
    : (out: Tensor, y: Tensor) => F.crossEntropy(out, y);
  const wg: WgTrainer = {
    model,
    step(x, y) {
      opt.zeroGrad();
      const loss = wgLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss;
    },
    evalLoss(x, y) {
      model.eval();
      const v = noGrad(() => wgLoss(model.forward(x), y).item());
      model.train();
      return v;
    },
  };

  const { vars, forward } = tfModel(tf, w.id, model);
  const tfOpt = tfOptimizer(tf, w.id);
  const tfLoss = w.loss === 'mse'
    ? (out: tfns.Tensor, y: tfns.Tensor) => tf.losses.meanSquaredError(y, out) as tfns.Scalar
    : (out: tfns.Tensor, y: tfns.Tensor) => tf.losses.softmaxCrossEntropy(y, out) as tfns.Scalar;
  const tft: TfTrainer = {
    step: (x, y, returnCost) => tfOpt.minimize(() => tfLoss(forward(x, true), y), returnCost, vars),
    evalLoss: (x, y) => tf.tidy(() => tfLoss(forward(x, false), y).dataSync()[0]),
    dispose() {
      tfOpt.dispose();
      for (const v of vars) v.dispose();
    },
  };
  return { wg, tf: tft };
}
