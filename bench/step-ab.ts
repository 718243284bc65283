// A/B timing of a whole training step between two builds of wasmgrad (bindings and wasm), in one
// process: each build is imported from its own dist folder (so each has its own module instance,
// memory and worker threads), trains its own copy of the same model from the same seed, and the two
// are timed in alternating rounds of a few steps, in CPU time and wall time. This host's speed moves
// by tens of percent from minute to minute, so two runs of `npm run bench` cannot tell a 5 % change
// apart; rounds alternating in one process can (each build going first in every other round). It
// also says whether the two builds' losses after the same steps are the same bytes. Against a copy
// of itself it reads 1.00× on one thread; on two threads the median drifts by up to ±4 %.
//
//   node dist/bench/step-ab.js OLD_DIST NEW_DIST [threads] [rounds] [steps per round]
//
// A dist folder is what `node scripts/build.mjs` makes: build the old commit in a git worktree
// (node_modules linked from this checkout). STEP_MODEL=speedrun times the speedrun's model
// (bench/speedrun.ts) instead of T2's.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { median } from './timing.js';
import { wgModel } from './workloads.js';
import { speedrunModel } from './speedrun.js';

type Wasmgrad = typeof import('../bindings/index.js');

interface Side { step: () => void; loss: () => number }

async function setup(dist: string, threads: number, model: string): Promise<Side> {
  const wg = await import(pathToFileURL(resolve(dist, 'bindings/index.js')).href) as Wasmgrad;
  await wg.init({ threads });
  wg.manualSeed(1);
  const { nn, optim } = wg, F = nn.functional;
  // the models `npm run bench` times, built from this build's own layers
  const net = model === 'speedrun' ? speedrunModel(nn) : wgModel('T2', nn);
  const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
  const x = wg.randn([128, 1, 28, 28]).keep(), y = wg.randint(0, 10, [128]).keep();
  let last = NaN;
  const step = () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(net.forward(x), y);
    last = loss.item();
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < 3; i++) step(); // warm-up: kernels tiered up, the GEMM tile probed
  return { step, loss: () => last };
}

function timeRound(side: Side, steps: number): { cpu: number; wall: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < steps; i++) side.step();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e3 / steps, wall: (performance.now() - t0) / steps };
}

async function main(): Promise<void> {
  const [oldDist, newDist] = process.argv.slice(2, 4);
  if (!oldDist || !newDist) {
    console.error('usage: node dist/bench/step-ab.js OLD_DIST NEW_DIST [threads] [rounds] [steps per round]');
    process.exit(2);
  }
  if (resolve(oldDist) === resolve(newDist)) {
    // one folder is one module instance: both models would share one engine (its seed, its memory)
    console.error('step-ab: give two different dist folders (copy one to compare a build with itself)');
    process.exit(2);
  }
  const threads = Number(process.argv[4] ?? 1), rounds = Number(process.argv[5] ?? 20), steps = Number(process.argv[6] ?? 3);
  const model = process.env.STEP_MODEL === 'speedrun' ? 'speedrun' : 'T2';
  const a = await setup(oldDist, threads, model), b = await setup(newDist, threads, model);
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
    `${model} step, ${threads} thread(s), ${rounds} rounds of ${steps} steps, old/new alternating`);
  const cpuA: number[] = [], cpuB: number[] = [], wallA: number[] = [], wallB: number[] = [], ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // which build goes first alternates: on two threads the second of a pair ran 3–4 % faster even
    // when both were the same build (worker threads still spinning from the first?)
    let ta, tb;
    if (r % 2 === 0) { ta = timeRound(a, steps); tb = timeRound(b, steps); }
    else { tb = timeRound(b, steps); ta = timeRound(a, steps); }
    cpuA.push(ta.cpu); cpuB.push(tb.cpu); wallA.push(ta.wall); wallB.push(tb.wall);
    // one thread: CPU time (the scheduler's share of a busy host drops out); more: wall time
    ratio.push(threads > 1 ? ta.wall / tb.wall : ta.cpu / tb.cpu);
  }
  console.log(`CPU ms per step old/new: median ${median(cpuA).toFixed(1)}/${median(cpuB).toFixed(1)}; ` +
    `wall ms: median ${median(wallA).toFixed(1)}/${median(wallB).toFixed(1)}`);
  console.log(`old/new per round (${threads > 1 ? 'wall' : 'CPU'}): median ${median(ratio).toFixed(3)}× ` +
    `(range ${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)}); > 1 means new is faster`);
  const same = Object.is(a.loss(), b.loss());
  console.log(`losses after the same steps: old ${a.loss()} new ${b.loss()}: ${same ? 'the same bytes' : 'DIFFER'}`);
  process.exit(0);
}

await main();
