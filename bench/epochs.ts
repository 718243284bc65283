// One training step and one epoch of each MNIST workload T1–T4 (bench/workloads.ts), wasmgrad
// (its API, set to one thread) beside tfjs 4.22 on tfjs-backend-wasm (one thread), in the same process.
//
// Step rows: forward, backward and optimiser update on one fixed batch, timed like the kernel rows.
// Epoch rows: the training loop as a user writes it, per-batch data slicing included (wasmgrad:
// DataLoader → zeroGrad, forward, loss, backward, step; tfjs: batch tensors from the typed arrays
// inside tf.tidy → optimizer.minimize), over the batches in order, no shuffling. T2's tfjs epoch takes minutes, so
// by default it is timed over SAMPLED steps after a warm-up and extrapolated to the full epoch;
// BENCH_FULL_EPOCHS=1 runs every epoch in full.
import type * as tfns from '@tensorflow/tfjs';
import { getNumThreads, init, setNumThreads } from '../bindings/index.js';
import { DataLoader, TensorDataset } from '../bindings/data/index.js';
import type { Tf } from './tfjs.js';
import {
  WORKLOADS, buildTrainers, loadTrainingSet, stepFlops, stepsPerEpoch, tfBatches, wgData,
  type MnistArrays, type TfBatches, type TfTrainer, type WgData, type WgTrainer, type Workload, type WorkloadId,
} from './workloads.js';

/** Same shape as bench/run.ts's kernel cases. */
export interface StepCase {
  name: string;
  flops: number;
  wasmgrad: () => void;
  tfjs: () => void;
  note?: string;
}

const STEP_NOTE = 'step rows: one forward+backward+update on a fixed MNIST batch; "GFLOP/s" counts matmul/conv work only; '
  + 'tfjs conv layers use a customGrad filter gradient (no Conv2DBackpropFilter kernel in tfjs-wasm 4.22)';

/** wasmgrad's API on one thread, like tfjs here (init() would start one per core). */
async function initOneThread(): Promise<void> {
  await init({ threads: 1 });
  await setNumThreads(1);
  if (getNumThreads() !== 1) throw new Error(`bench: wasmgrad runs ${getNumThreads()} threads, expected 1`);
}

/** The one-step rows; both engines start from the same weights and train on the same first batch. */
export async function trainingStepCases(tf: Tf): Promise<StepCase[]> {
  await initOneThread();
  const d = await loadTrainingSet(Math.max(...WORKLOADS.map((w) => w.batch)));
  return WORKLOADS.map((w) => {
    const tr = buildTrainers(tf, w);
    const wd = wgData(w, d, w.batch), [tx, ty] = tfBatches(tf, w, d, w.batch)(0, w.batch);
    return {
      name: `step ${w.id} ${w.label}`,
      flops: stepFlops(w),
      note: STEP_NOTE,
      wasmgrad: () => { tr.wg.step(wd.x, wd.y); },
      tfjs: () => { tf.tidy(() => { tr.tf.step(tx, ty, false); }); },
    };
  });
}

export interface EpochRow {
  name: string;
  workload: WorkloadId;
  /** steps in one epoch */
  epochSteps: number;
  /** steps timed; fewer than epochSteps means the epoch time is extrapolated */
  measuredSteps: number;
  /** untimed steps run first (extrapolated rows only) */
  warmupSteps: number;
  extrapolated: boolean;
  wasmgradSeconds: number;
  tfjsSeconds: number;
  /** tfjs seconds / wasmgrad seconds: > 1 means wasmgrad is faster */
  ratio: number;
  /** each engine's loss on the last step it ran (step warmupSteps + measuredSteps) */
  wasmgradLoss: number;
  tfjsLoss: number;
  /** after those steps, each model's loss on the first EVAL_N training images in eval mode (no dropout) */
  wasmgradEvalLoss: number;
  tfjsEvalLoss: number;
}

const EVAL_N = 1000;

/** Workloads whose tfjs epoch is too long for `npm run bench`: warm-up steps, then timed steps. */
const SAMPLED: Partial<Record<WorkloadId, { warmup: number; steps: number }>> = {
  T2: { warmup: 3, steps: 40 },
};

interface Plan { warmup: number; steps: number }

interface EpochTime { seconds: number; loss: number }

function wgEpoch(tr: WgTrainer, w: Workload, data: WgData, plan: Plan): EpochTime {
  const loader = new DataLoader(new TensorDataset(data.x, data.y), { batchSize: w.batch });
  const last = plan.warmup + plan.steps;
  let i = 0;
  let loss = NaN;
  let t0 = performance.now();
  for (const [x, y] of loader) {
    if (i === plan.warmup && i > 0) t0 = performance.now();
    const l = tr.step(x, y);
    if (++i === last) {
      const seconds = (performance.now() - t0) / 1000;
      loss = l.item();
      return { seconds, loss };
    }
  }
  throw new Error(`epoch ${w.id}: the loader ended after ${i} of ${last} steps`);
}

function tfEpoch(tf: Tf, tr: TfTrainer, w: Workload, batches: TfBatches, plan: Plan): EpochTime {
  const last = plan.warmup + plan.steps;
  let cost: tfns.Scalar | null = null;
  let t0 = performance.now();
  for (let i = 0; i < last; i++) {
    if (i === plan.warmup && i > 0) t0 = performance.now();
    const s = i * w.batch, m = Math.min(w.batch, w.n - s);
    const c = tf.tidy(() => tr.step(...batches(s, m), true)!);
    cost?.dispose();
    cost = c;
  }
  const seconds = (performance.now() - t0) / 1000;
  const loss = cost!.dataSync()[0];
  cost!.dispose();
  return { seconds, loss };
}

/** Epoch rows whose name contains `filter` (all without one); loads MNIST only if any is selected. */
export async function epochRows(tf: Tf, filter?: string): Promise<EpochRow[]> {
  const full = process.env.BENCH_FULL_EPOCHS === '1';
  const selected = WORKLOADS.map((w) => ({ w, name: `epoch ${w.id} ${w.label}` }))
    .filter(({ name }) => !filter || name.includes(filter));
  if (selected.length === 0) return [];
  await initOneThread();
  let mnist: MnistArrays | null = null;
  const rows: EpochRow[] = [];
  for (const { w, name } of selected) {
    mnist ??= await loadTrainingSet();
    const epochSteps = stepsPerEpoch(w);
    const plan = (!full && SAMPLED[w.id]) || { warmup: 0, steps: epochSteps };
    const wd = wgData(w, mnist, w.n), tb = tfBatches(tf, w, mnist, w.n);
    const tr = buildTrainers(tf, w);
    const wg = wgEpoch(tr.wg, w, wd, plan);
    const tj = tfEpoch(tf, tr.tf, w, tb, plan);
    const wgEval = tr.wg.evalLoss(wd.x.slice(0, 0, EVAL_N), wd.y.slice(0, 0, EVAL_N));
    const tfEval = tf.tidy(() => tr.tf.evalLoss(...tb(0, EVAL_N)));
    tr.tf.dispose();
    wd.x.dispose();
    wd.y.dispose();
    const scale = epochSteps / plan.steps;
    const row: EpochRow = {
      name, workload: w.id, epochSteps, measuredSteps: plan.steps, warmupSteps: plan.warmup,
      extrapolated: plan.steps < epochSteps,
      wasmgradSeconds: wg.seconds * scale, tfjsSeconds: tj.seconds * scale, ratio: tj.seconds / wg.seconds,
      wasmgradLoss: wg.loss, tfjsLoss: tj.loss, wasmgradEvalLoss: wgEval, tfjsEvalLoss: tfEval,
    };
    process.stderr.write(`${name}: wasmgrad ${row.wasmgradSeconds.toFixed(2)} s, tfjs ${row.tfjsSeconds.toFixed(2)} s`
      + `${row.extrapolated ? ` (extrapolated from ${plan.steps} steps)` : ''}\n`);
    rows.push(row);
  }
  return rows;
}

export function printEpochTable(rows: EpochRow[]): void {
  if (rows.length === 0) return;
  console.log('\nOne epoch, per-batch slicing included (same initial weights, batches and optimiser in both engines; '
    + 'ratio = tfjs s / wasmgrad s, > 1 means wasmgrad is faster)\n');
  const header = ['epoch', 'steps', 'wasmgrad s', 'tfjs s', 'ratio', 'last-batch loss wg / tfjs', `1k-image loss wg / tfjs`];
  const table = rows.map((r) => [
    r.name,
    r.extrapolated ? `${r.epochSteps} (extrapolated from ${r.measuredSteps} steps)` : String(r.epochSteps),
    r.wasmgradSeconds.toFixed(2), r.tfjsSeconds.toFixed(2), `${r.ratio.toFixed(2)}×`,
    `${r.wasmgradLoss.toFixed(4)} / ${r.tfjsLoss.toFixed(4)}`, `${r.wasmgradEvalLoss.toFixed(4)} / ${r.tfjsEvalLoss.toFixed(4)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) console.log(line(t));
  if (rows.some((r) => r.extrapolated)) {
    console.log('\nnote: an extrapolated epoch is (seconds of the timed steps) × (epoch steps / timed steps), timed after '
      + 'untimed warm-up steps; its losses are those after the last step run. BENCH_FULL_EPOCHS=1 runs full epochs.');
  }
  console.log(`note: "1k-image loss": each trained model's loss on the first ${EVAL_N} training images, eval mode (no dropout), untimed`);
  console.log('note: tfjs batches are tensors made from each batch\'s part of the typed arrays, as tfjs\'s MNIST example does '
    + '(tf.slice of the whole training tensor copies all of it out of the wasm heap on every call)');
  console.log('note: tfjs conv layers (T2) use a customGrad filter gradient (no Conv2DBackpropFilter kernel in tfjs-wasm 4.22)');
}
