// The per-step cost of a tiny autodiff loop: plain gradient descent on the 2-parameter Rosenbrock
// function, the loop of `wasmgrad run rosenbrock-optimizers`. Here the kernels do almost nothing
// (two numbers), so this measures what each op costs around its kernel: tape, allocation,
// reclamation, the JS↔wasm calls. Same loop in tfjs-core on its wasm backend, one thread.
//
//   node dist/bench/ad-loop.js [steps]      (bench/run.ts can call adLoopBench() too)
import { pathToFileURL } from 'node:url';
import { init, noGrad, tensor, type Tensor } from '../bindings/index.js';
import { loadTfjsWasm, type Tf } from './tfjs.js';

export interface AdLoopRow {
  engine: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  /** (x, y) after the steps: both engines must agree, or the comparison means nothing. */
  final: [number, number];
}

const START = [-4, -2];
const LR = 1e-4;

function wasmgradLoop(steps: number): AdLoopRow {
  const rosenbrock = (p: Tensor) => {
    const x = p.slice(0, 0, 1);
    const y = p.slice(0, 1, 2);
    return x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum();
  };
  const p = tensor(START, { requiresGrad: true });
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) {
    rosenbrock(p).backward();
    noGrad(() => p.sub_(p.grad!.mul(LR)));
    p.grad!.zero_();
  }
  const seconds = (performance.now() - t0) / 1000;
  const [x, y] = p.data();
  return { engine: 'wasmgrad (tape autodiff)', steps, seconds, stepsPerSecond: steps / seconds, final: [x, y] };
}

function tfjsLoop(tf: Tf, steps: number): AdLoopRow {
  const p = tf.variable(tf.tensor1d(START));
  const rosenbrock = () => {
    const x = p.slice(0, 1);
    const y = p.slice(1, 1);
    return tf.sum(tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x)))))) as ReturnType<Tf['scalar']>;
  };
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(rosenbrock, [p]);
      p.assign(tf.sub(p, tf.mul(grads[p.name], LR)));
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const [x, y] = p.dataSync();
  p.dispose();
  return { engine: 'tfjs 4 + tfjs-backend-wasm (variableGrads, tidy)', steps, seconds, stepsPerSecond: steps / seconds, final: [x, y] };
}

/** Steps per second of both loops; tfjs runs fewer steps when it is slow (rates are comparable). */
export async function adLoopBench(steps = 100_000, tfjsSteps = Math.min(steps, 20_000)): Promise<AdLoopRow[]> {
  await init();
  const tf = await loadTfjsWasm();
  // Warm both up (JIT, first allocations) before timing.
  wasmgradLoop(2000);
  tfjsLoop(tf, 500);
  return [wasmgradLoop(steps), tfjsLoop(tf, tfjsSteps), wasmgradLoop(tfjsSteps)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = Number(process.argv[2] ?? 100_000);
  const rows = await adLoopBench(steps);
  console.log('Rosenbrock, plain GD from (−4, −2), η = 1e-4: one forward + backward + update per step\n');
  console.log('engine'.padEnd(50), 'steps'.padStart(8), 'seconds'.padStart(9), 'steps/s'.padStart(10), '  final (x, y)');
  for (const r of rows) {
    console.log(r.engine.padEnd(50), String(r.steps).padStart(8), r.seconds.toFixed(2).padStart(9), r.stepsPerSecond.toFixed(0).padStart(10), `  (${r.final.map((v) => v.toFixed(5)).join(', ')})`);
  }
  const [wg, tfj] = rows;
  console.log(`\nwasmgrad / tfjs: ${(wg.stepsPerSecond / tfj.stepsPerSecond).toFixed(2)}× the steps per second`);
}
