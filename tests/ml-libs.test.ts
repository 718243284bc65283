// The npm libraries behind the classic-ML experiments (libsvm-js, ml-random-forest): they load as
// Node ES modules, fit what they should, are deterministic, and give the same answers inside a
// worker thread (the web app runs experiments in a Web Worker).
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forestPredict, svrPredict } from '../cli/experiments/classic/ml-libs.js';

const X = Array.from({ length: 80 }, (_, i) => [i / 40 - 1, Math.cos(i / 7)]);
const y = X.map(([a, b]) => Math.sin(3 * a) + 0.5 * b);
const mse = (p: number[]) => p.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / y.length;
const variance = mse(y.map(() => y.reduce((a, b) => a + b, 0) / y.length));

test('SVR (libsvm-js, RBF) and a random forest (ml-random-forest) fit a smooth function', () => {
  const [svr] = svrPredict(X, y, { cost: 1, epsilon: 0.05, gamma: 'scale' }, X);
  const [forest] = forestPredict(X, y, { trees: 10, maxDepth: 6, seed: 3 }, X);
  assert.ok(mse(svr) < 0.1 * variance, `SVR MSE ${mse(svr)} vs variance ${variance}`);
  assert.ok(mse(forest) < 0.1 * variance, `forest MSE ${mse(forest)} vs variance ${variance}`);
  // Same seed, same forest; libsvm is deterministic.
  assert.equal(forestPredict(X, y, { trees: 10, maxDepth: 6, seed: 3 }, X)[0], forest);
  assert.equal(svrPredict(X, y, { cost: 1, epsilon: 0.05, gamma: 'scale' }, X)[0], svr);
});

test('inside a worker thread they load and give the same predictions', async () => {
  const [svr] = svrPredict(X, y, { cost: 1, epsilon: 0.05, gamma: 'scale' }, X);
  const [forest] = forestPredict(X, y, { trees: 10, maxDepth: 6, seed: 3 }, X);
  const w = new Worker(new URL('./helpers/ml-libs-worker.js', import.meta.url), { workerData: { X, y } });
  const out = await new Promise<{ svr: number[]; forest: number[] }>((ok, fail) => {
    w.once('message', ok);
    w.once('error', fail);
  });
  await w.terminate();
  assert.equal(out.svr, svr);
  assert.equal(out.forest, forest);
});

test.run();
