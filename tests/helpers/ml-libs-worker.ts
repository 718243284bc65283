// Runs in a worker thread (tests/ml-libs.test.ts): the SVR and random-forest doors of the
// classic-ML experiments, as a Web Worker of the web app would run them.
import { parentPort, workerData } from 'node:worker_threads';
import { forestPredict, svrPredict } from '../../cli/experiments/classic/ml-libs.js';

const { X, y } = workerData as { X: number[][]; y: number[] };
const [svr] = svrPredict(X, y, { cost: 1, epsilon: 0.05, gamma: 'scale' }, X);
const [forest] = forestPredict(X, y, { trees: 10, maxDepth: 6, seed: 3 }, X);
parentPort!.postMessage({ svr, forest });
