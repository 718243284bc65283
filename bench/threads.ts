// Thread scaling: the same work on 1 thread and on n threads (default: the available cores),
// through the public API (the threads build, shared memory, worker threads), alternating sample
// by sample. Also checks the outputs are bit-identical, since that is the threads' contract.
//
//   node dist/bench/threads.js [n]          (bench/run.ts calls threadRows() too)
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import { init, info, manualSeed, randn, randint, tidy, setNumThreads, nn, optim, type Tensor } from '../bindings/index.js';
import { calibrate, median, sample } from './timing.js';
import { onCallingThread } from '../bindings/threads.js';

export interface ThreadRow {
  name: string;
  /** work per call, 1e9 FLOPs (0 when not counted) */
  gflop: number;
  ms1: number;
  msN: number;
  threads: number;
  identical: boolean;
}

interface Work {
  name: string;
  gflop: number;
  run: () => void;
  /** the bytes the run produced, to compare across thread counts */
  output: () => Uint8Array;
  repeats?: number;
}

function bytes(ts: Tensor[]): Uint8Array {
  const parts = ts.map((t) => new Uint8Array(t.data().buffer.slice(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function gemmWork(n: number): Work {
  const a = randn([n, n]), b = randn([n, n]);
  let c: Tensor | null = null;
  const run = () => { c?.dispose(); c = tidy(() => a.matmul(b).keep()); };
  return {
    name: `gemm ${n}³`, gflop: 2 * n ** 3 / 1e9, run,
    output: () => { run(); return bytes([c!]); },
  };
}

function convWork(N: number, C: number, H: number, OC: number): Work {
  const F = nn.functional;
  const x = randn([N, C, H, H], { requiresGrad: true }), w = randn([OC, C, 3, 3], { requiresGrad: true });
  const b = randn([OC], { requiresGrad: true }), dy = randn([N, OC, H - 2, H - 2]);
  const flops = 2 * N * OC * (H - 2) ** 2 * C * 9;
  const run = () => {
    for (const p of [x, w, b]) p.grad?.zero_();
    F.conv2d(x, w, b).mul(dy).sum().backward();
  };
  return {
    name: `conv [${N},${C},${H},${H}]*[${OC},${C},3,3] fwd+bwd`, gflop: 3 * flops / 1e9, run,
    output: () => { run(); return bytes([x.grad!, w.grad!, b.grad!]); },
  };
}

/** One Adam step of the T2 CNN (conv32-pool-conv64-pool-dropout-dense10) on a batch of 128. */
function cnnStepWork(): Work {
  const F = nn.functional;
  const model = new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1600, 10),
  );
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([128, 1, 28, 28]), y = randint(0, 10, [128]);
  const initial = model.stateDict();
  return {
    name: 'T2 CNN training step, batch 128 (Adam)', gflop: 0, repeats: 5,
    run: () => {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    },
    // compared after resetting the model and the seed, so both thread counts do the same steps
    output: () => {
      model.loadStateDict(initial);
      const o = new optim.Adam(model.parameters(), { lr: 1e-3 });
      manualSeed(5);
      for (let i = 0; i < 2; i++) {
        o.zeroGrad();
        F.crossEntropy(model.forward(x), y).backward();
        o.step();
      }
      return bytes(model.parameters());
    },
  };
}

async function measure(work: Work, n: number): Promise<ThreadRow> {
  await setNumThreads(1);
  const out1 = work.output();
  await setNumThreads(n);
  const outN = work.output();
  // Timed with the pool up throughout (onCallingThread for the one-thread samples), so neither
  // side pays for starting workers. Alternating setNumThreads(1) and (n) stopped and restarted the
  // workers every round, and the fresh workers' start-up landed in the n-thread samples (conv
  // fwd+bwd measured 1.01× so).
  const run1 = () => onCallingThread(work.run);
  const inner1 = calibrate(run1, 50);
  const innerN = calibrate(work.run, 50);
  const t1: number[] = [], tN: number[] = [];
  for (let r = 0; r < (work.repeats ?? 7); r++) {
    t1.push(sample(run1, inner1));
    tN.push(sample(work.run, innerN));
  }
  const identical = out1.length === outN.length && out1.every((v, i) => v === outN[i]);
  return { name: work.name, gflop: work.gflop, ms1: median(t1), msN: median(tN), threads: n, identical };
}

export async function threadRows(n = availableParallelism(), filter = ''): Promise<ThreadRow[]> {
  await init();
  if (!info().build.includes('-mt')) throw new Error(`bench/threads: the threads build did not load (${info().threadsNote})`);
  manualSeed(1);
  const rows: ThreadRow[] = [];
  for (const make of [() => gemmWork(1024), () => gemmWork(512), () => convWork(64, 32, 13, 64), () => convWork(200, 16, 16, 16), cnnStepWork]) {
    const work = make();
    if (filter && !`threads ${work.name}`.includes(filter)) continue;
    rows.push(await measure(work, n));
  }
  await setNumThreads(availableParallelism());
  return rows;
}

export function printThreadRows(rows: ThreadRow[]): void {
  console.log('case'.padEnd(46), '1 thread'.padStart(12), `${rows[0]?.threads ?? '?'} threads`.padStart(12), 'speed-up'.padStart(9), '  same bytes');
  for (const r of rows) {
    const fmt = (ms: number) => (r.gflop ? `${(r.gflop / ms * 1e3).toFixed(1)} GF/s` : `${ms.toFixed(1)} ms`);
    console.log(r.name.padEnd(46), fmt(r.ms1).padStart(12), fmt(r.msN).padStart(12), `${(r.ms1 / r.msN).toFixed(2)}×`.padStart(9), `  ${r.identical ? 'yes' : 'NO'}`);
  }
  const t2 = rows.find((r) => r.name.startsWith('T2'));
  if (t2) {
    console.log(`T2 epoch (469 steps) from these step times: ${(t2.ms1 * 0.469).toFixed(1)} s on 1 thread, ${(t2.msN * 0.469).toFixed(1)} s on ${t2.threads}`
      + ' (a full epoch adds batch slicing and data loading)');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? availableParallelism());
  printThreadRows(await threadRows(n, process.env.BENCH_FILTER ?? ''));
}
