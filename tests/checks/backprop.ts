// Checks of the backpropagation experiments' quick forms (seeds 002 and 003 ex 1.1–1.2), beyond the generated ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { checkExperiment, keyNumber } from '../helpers/experiment-checks.js';

checkExperiment('ps5-backprop', ({ json }) => {
  assert.equal(Object.keys(json.figures).sort(), ['classification-maps', 'data', 'losses', 'seed-q3-losses', 'weight-difference']);
  // Hand-written gradients equal autodiff's to float32 rounding, before and after training.
  const check = keyNumber(json, /max \|∂E\/∂w by hand − by autodiff\|/).ours as number;
  assert.ok(check < 1e-4, `gradient check ${check}`);
  const dw = keyNumber(json, /max \|Δw\| between Q2/).ours as number;
  assert.ok(dw < 1e-5, `max |Δw| ${dw}`);
  const w = json.results.weights as { initial: number[]; q2: number[]; q3: number[] };
  assert.is(w.q2.length, 29);
  assert.ok(w.q2.some((v, i) => Math.abs(v - w.initial[i]) > 1e-3), 'training moved the weights');
  // Gradient descent lowers E: the first recorded training loss is above the last.
  const l = json.results.losses as { q2Train: number[]; q3Train: number[] };
  assert.ok(l.q2Train.at(-1)! < l.q2Train[0] && l.q3Train.at(-1)! < l.q3Train[0]);
  assert.ok((keyNumber(json, /test accuracy, Q2/).ours as number) > 0.6);
});

checkExperiment('backprop-worked-example', ({ json, dir, report }) => {
  // The exercise's numbers, worked out independently: MSE 1.847980 before, 9.983784 after one step of 1.
  assert.ok(Math.abs((keyNumber(json, /^MSE before/).ours as number) - 1.84798) < 1e-5);
  assert.ok(Math.abs((keyNumber(json, /^MSE after one update/).ours as number) - 9.983784) < 1e-5);
  assert.ok((keyNumber(json, /max \|hand − autodiff\|/).ours as number) < 1e-5);
  const rows = json.results.rows as Array<{ key: string; hand: number; autodiff: number }>;
  const row = (k: string) => rows.find((r) => r.key === k)!;
  assert.ok(Math.abs(row('∂L/∂w9').hand - 2.510731) < 1e-6, 'output bias gradient Σ ∂L/∂ŷ');
  assert.ok(Math.abs(row('new w7').hand - -1.72747) < 1e-5);
  assert.match(report, /\*\*wrong\*\*/);
  const csv = readFileSync(join(dir, 'worked-example.csv'), 'utf8').trim().split('\n');
  assert.is(csv.length, rows.length + 1);
});

checkExperiment('sine-regression', ({ json }) => {
  const runs = json.results.runs as Array<{ model: string; lr: number; finalLoss: number; diverged: unknown }>;
  assert.is(runs.length, 20);
  // Plain gradient descent is stable below 2/λ_max ≈ 0.263 on this data: 0.3 diverges, 0.2 does not.
  const limit = keyNumber(json, /largest stable learning rate/).ours as number;
  assert.ok(limit > 0.25 && limit < 0.3, `2/λ_max = ${limit}`);
  const run = (model: string, lr: number) => runs.find((r) => r.model === model && r.lr === lr)!;
  assert.ok(run('linear-sgd', 0.3).diverged !== null);
  assert.is(run('linear-sgd', 0.2).diverged, null);
  // Adam brings the perceptron to the best straight line (MSE 0.4235 on these 50 points).
  assert.ok(Math.abs(run('linear', 0.02).finalLoss - 0.4235) < 0.01, `${run('linear', 0.02).finalLoss}`);
  assert.ok(run('hidden1', 0.02).finalLoss < 0.1);
});
