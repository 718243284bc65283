// A/B timing of conv2d kernels between two builds of the wasm module, in one process: each build
// is instantiated on its own memory with the same inputs, and the two are timed call by call,
// alternating, so both see the same machine state, in CPU time of the process (it runs one thread):
// on a host shared with other people's builds, wall time mostly measures the scheduler. It also
// reports whether the two builds' outputs are byte-identical.
//
//   node dist/bench/kernel-ab.js OLD.wasm NEW.wasm [rounds] [tileId]
//
// Kernels are called through their exports with the argument lists of assembly/kernels/conv2d.ts;
// a trailing argument the old build lacks (e.g. a fused activation) is dropped for it, so a build
// from before a signature change can still be timed against the one after it.
import { readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { calibrate, median } from './timing.js';

type Fn = (...args: number[]) => number;
interface Build { name: string; exports: Record<string, Fn> & { memory: WebAssembly.Memory }; next: number }

function load(path: string): Build {
  const module = new WebAssembly.Module(readFileSync(path));
  const instance = new WebAssembly.Instance(module, { env: { abort() { throw new Error(`${path}: a kernel aborted`); } } });
  const exports = instance.exports as Build['exports'];
  return { name: path, exports, next: (exports.heapBase() + 63) & ~63 };
}

function alloc(b: Build, bytes: number): number {
  const p = b.next;
  b.next = (p + bytes + 63) & ~63;
  const need = b.next - b.exports.memory.buffer.byteLength;
  if (need > 0) b.exports.memory.grow(Math.ceil(need / 65536));
  return p;
}

/** Calls export `name`, dropping arguments past the build's arity. */
function call(b: Build, name: string, args: number[]): number {
  const f = b.exports[name];
  return f(...args.slice(0, f.length));
}

const RELU = 7; // Un.RELU

/**
 * conv2d forward, with the ReLU fused (builds with conv2dForward's `act`) or as the separate
 * unary pass it replaces (older builds).
 */
function forward(b: Build, head: number[], geo: number[], relu: boolean, y: number, ySize: number): void {
  if (b.exports.conv2dForward.length === 23) {
    b.exports.conv2dForward(...head, ...geo, relu ? 1 : 0, 0, 1);
    return;
  }
  b.exports.conv2dForward(...head, ...geo, 0, 1);
  if (relu) b.exports.unary(RELU, y, y, ySize, 0, 0);
}

/** The ReLU's gradient and the bias gradient: one fused pass, or the two passes it replaces. */
function reluBias(b: Build, dy: number, y: number, g: number, db: number, N: number, OC: number, OHW: number): void {
  if (b.exports.reluBackwardBias) {
    b.exports.reluBackwardBias(dy, y, g, db, N, OC, OHW, 0, OC);
    return;
  }
  b.exports.unaryBackward(RELU, y, y, dy, g, N * OC * OHW, 0, 0);
  b.exports.conv2dBackwardBias(g, db, N, OC, OHW);
}

interface Case {
  name: string;
  /** per build: sets up inputs, returns the call to time and where its output is */
  setup: (b: Build, fill: (p: number, n: number) => void) => { run: () => void; out: [number, number] };
  gflop: number;
}

function convCase(op: 'fwd' | 'fwd+relu' | 'relu+bias bwd' | 'dX' | 'dW', N: number, C: number, H: number, OC: number, pad = 0, KH = 3): Case {
  const OH = H + 2 * pad - KH + 1, W = H, OW = OH, taps = KH * KH;
  const flops = 2 * N * OC * OH * OW * C * taps;
  return {
    name: `conv ${op} [${N},${C},${H},${H}]*[${OC},${C},${KH},${KH}] pad ${pad}`, gflop: flops / 1e9,
    setup: (b, fill) => {
      const geo = [N, C, H, W, OC, KH, KH, 1, 1, pad, pad, 1, 1, OH, OW], parts = [0, 1];
      const ws = alloc(b, call(b, 'conv2dWorkspaceBytes', [N, C, H, W, OC, KH, KH, OH, OW]));
      const x = alloc(b, N * C * H * W * 4), w = alloc(b, OC * C * taps * 4), bias = alloc(b, OC * 4);
      const ySize = N * OC * OH * OW, y = alloc(b, ySize * 4), dw = alloc(b, OC * C * taps * 4);
      fill(x, N * C * H * W); fill(w, OC * C * taps); fill(bias, OC); fill(y, ySize);
      const head = [x, w, bias, y, ws];
      if (op === 'fwd') return { run: () => forward(b, head, geo, false, y, ySize), out: [y, ySize] };
      if (op === 'fwd+relu') return { run: () => forward(b, head, geo, true, y, ySize), out: [y, ySize] };
      if (op === 'relu+bias bwd') {
        const dy = alloc(b, ySize * 4), g = alloc(b, ySize * 4);
        fill(dy, ySize);
        return { run: () => reluBias(b, dy, y, g, bias, N, OC, OH * OW), out: [g, ySize] };
      }
      if (op === 'dX') return { run: () => call(b, 'conv2dBackwardInput', [y, w, x, ws, ...geo, ...parts]), out: [x, N * C * H * W] };
      return { run: () => call(b, 'conv2dBackwardWeight', [x, y, dw, ws, ...geo, ...parts]), out: [dw, OC * C * taps] };
    },
  };
}

/** Milliseconds of CPU time (user + system) per call, over `inner` calls. */
function cpuSample(body: () => void, inner: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < inner; i++) body();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3 / inner;
}

function main(): void {
  const [oldPath, newPath, roundsArg, tileArg] = process.argv.slice(2);
  if (!oldPath || !newPath) {
    console.error('usage: node dist/bench/kernel-ab.js OLD.wasm NEW.wasm [rounds] [tileId]');
    process.exit(2);
  }
  const rounds = Number(roundsArg ?? 15);
  const builds = [load(oldPath), load(newPath)];
  if (tileArg !== undefined) for (const b of builds) b.exports.gemmSetTile(Number(tileArg));
  const cases = (process.env.AB_CASES ?? 'fwd,fwd+relu,relu+bias bwd,dX,dW').split(',');
  const all: Case[] = [];
  // AB_SHAPES="N,C,H,OC[,pad[,K]];..." times other layers (square images, K×K kernels, 3 by default) instead of T2's
  const shapes = process.env.AB_SHAPES?.split(';').map((s) => s.split(',').map(Number));
  for (const op of cases) {
    if (shapes) {
      for (const [N, C, H, OC, pad = 0, K = 3] of shapes) all.push(convCase(op as 'fwd', N, C, H, OC, pad, K));
      continue;
    }
    if (op !== 'dX') all.push(convCase(op as 'fwd', 128, 1, 28, 32));
    all.push(convCase(op as 'fwd', 128, 32, 13, 64));
    all.push(convCase(op as 'fwd', 64, 32, 13, 64, 1));
  }
  console.log(`${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start; ` +
    `tile ${builds[0].exports.gemmTile()}; ${rounds} rounds, old/new alternating`);
  for (const c of all) {
    let seed = 1;
    const runs = builds.map((b) => {
      const fill = (p: number, n: number) => {
        const f = new Float32Array(b.exports.memory.buffer, p, n);
        for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; f[i] = (seed / 2 ** 32) * 2 - 1; }
      };
      seed = 1;
      return c.setup(b, fill);
    });
    const view = (i: number) => new Uint8Array(builds[i].exports.memory.buffer, runs[i].out[0], runs[i].out[1] * 4);
    runs.forEach((r) => { r.run(); r.run(); });
    const same = Buffer.compare(Buffer.from(view(0)), Buffer.from(view(1))) === 0;
    // CPU time of this (single-threaded) process rather than wall time: on a shared, overloaded
    // host the wall clock mostly measures how long the scheduler kept us off the CPU
    const t: number[][] = [[], []];
    const inner = calibrate(runs[0].run, 10);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < 2; i++) t[i].push(cpuSample(runs[i].run, inner));
    }
    const ratios = t[0].map((o, r) => o / t[1][r]).sort((a, b) => a - b);
    const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
    const best = t.map((ts) => Math.min(...ts));
    console.log(`${c.name.padEnd(48)} CPU ms old/new: median ${median(t[0]).toFixed(2)}/${median(t[1]).toFixed(2)} ` +
      `best ${best[0].toFixed(2)}/${best[1].toFixed(2)} (${(best[0] / best[1]).toFixed(2)}×)  ` +
      `old/new per round: median ${median(ratios).toFixed(2)}× (quartiles ${q(0.25).toFixed(2)}–${q(0.75).toFixed(2)})  ` +
      `new best ${(c.gflop / best[1] * 1e3).toFixed(1)} GFLOP/s  bytes ${same ? 'identical' : 'DIFFER'}`);
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at end`);
}

main();
