/**
 * Which GEMM register tile (micro-kernel, assembly/kernels/gemm_tiles.ts) runs on this host.
 *
 * The fastest tile depends on the CPU and on the engine's register allocator: x64 has 15 vector
 * registers for wasm code and V8 hoists a step's loads above its arithmetic, so 4×8 fits where
 * 5×8 may spill; arm64 has about 30 and prefers taller tiles. Every tile sums each element of C
 * in the same k order, so the choice changes speed only, never a bit of any result.
 *
 * The choice is made in two steps:
 *  1. at init(), by host family: the sign of the NaN that inf − inf gives (negative on x86, as
 *     XNNPACK tests it) picks the family's default (x86: 4×8, XNNPACK's x86 tile; others: 5×8);
 *  2. a timed probe of the family's candidate tiles (≤ 20 ms, once per session) once GEMM work
 *     has run long enough for the engine to have compiled the kernels with its optimising tier:
 *     timing the baseline tier at init() would rank its spills, not the tiles'. A candidate
 *     replaces the default only when it is clearly faster (by PROBE_MARGIN).
 * `init({ gemmTile })` or the environment variable WASMGRAD_GEMM_TILE forces a tile ('4x8', ...),
 * or 'family' (step 1 only). info().gemmTile and info().gemmTileReason report the choice.
 */
import type { Kernels } from './wasm.js';

export interface GemmTileChoice {
  /** The tile in use, rows×columns of C, e.g. '4x8'. */
  tile: string;
  /** Why this tile: forced, the host family's default, or the timed probe's figures. */
  reason: string;
  /** The timed probe's figures (GFLOP/s, best burst per tile), once it has run. */
  probe: { tile: string; gflops: number }[];
}

const X86_CANDIDATES = ['4x8', '5x8', '2x16'];
const OTHER_CANDIDATES = ['5x8', '6x8', '4x16', '4x8'];
/** A candidate must beat the family default by this fraction to replace it (probe noise). */
const PROBE_MARGIN = 0.05;
/** Total probe time, ms. */
const PROBE_BUDGET_MS = 20;
/** GEMM/conv FLOPs run before the probe: by then V8 has tiered the kernels up (~10 ms of work). */
const PROBE_AFTER_FLOPS = 3e8;

let kernels: Kernels | null = null;
let choice: GemmTileChoice = { tile: '', reason: 'not initialised', probe: [] };
/** The tile id in use (threads.ts gives the same to its workers). */
export let currentTileId = -1;
let pendingProbe = false;
let workSeen = 0;

/** Every tile the module has, by id: '5x8', '4x8', ... */
export function tileNames(k: Kernels): string[] {
  const names: string[] = [];
  for (let id = 0; id < k.gemmTileCount(); id++) names.push(`${k.gemmTileRows(id)}x${k.gemmTileCols(id)}`);
  return names;
}

function setTile(k: Kernels, name: string): void {
  const id = tileNames(k).indexOf(name);
  if (id < 0 || !k.gemmSetTile(id)) throw new Error(`wasmgrad: no GEMM tile ${name}`);
  currentTileId = id;
  choice.tile = name;
}

/** Whether this host is x86 by the sign of inf − inf's NaN (see the file header). */
export function isX86Family(k: Kernels): boolean {
  return k.hostNanSign(Infinity, Infinity) === 1;
}

/**
 * Chooses the tile at init(). `forced` is init's gemmTile option, else WASMGRAD_GEMM_TILE:
 * a tile name, 'auto' (default: family, then the timed probe) or 'family' (no probe).
 */
export function initGemmTile(k: Kernels, forced: string | undefined): void {
  kernels = k;
  const env = typeof process !== 'undefined' ? process.env?.WASMGRAD_GEMM_TILE : undefined;
  const request = (forced ?? env ?? 'auto').trim();
  const source = forced !== undefined ? `init({ gemmTile: '${forced}' })` : `WASMGRAD_GEMM_TILE=${env}`;
  const names = tileNames(k);
  if (request !== 'auto' && request !== 'family' && !names.includes(request)) {
    throw new Error(`wasmgrad.init: ${source} is not a GEMM tile: use one of ${names.join(', ')}, 'auto' or 'family'`);
  }
  const x86 = isX86Family(k);
  const family = x86 ? 'x86-family host (inf − inf gives a negative NaN)' : 'non-x86 host (inf − inf gives a positive NaN)';
  choice = { tile: '', reason: '', probe: [] };
  workSeen = 0;
  if (request !== 'auto' && request !== 'family') {
    setTile(k, request);
    choice.reason = `forced by ${source}`;
    pendingProbe = false;
    return;
  }
  setTile(k, (x86 ? X86_CANDIDATES : OTHER_CANDIDATES)[0]);
  choice.reason = `default for an ${family}`;
  if (request === 'family') choice.reason += `; timed probe off (${source})`;
  else choice.reason += '; a timed probe runs once GEMM work has warmed the kernels up';
  pendingProbe = request === 'auto';
}

/**
 * Called before each big GEMM or conv kernel with its FLOPs: runs the pending timed probe once
 * enough work has gone by. Cheap when there is nothing to do.
 */
export function noteGemmWork(flops: number): void {
  if (!pendingProbe) return;
  workSeen += flops;
  if (workSeen < PROBE_AFTER_FLOPS) return;
  pendingProbe = false;
  runTimedProbe();
}

/** Runs the timed probe now (also used by `wasmgrad bench`); returns the choice. */
export function runTimedProbe(budgetMs = PROBE_BUDGET_MS): GemmTileChoice {
  const k = kernels;
  if (!k) throw new Error('wasmgrad is not initialised: call `await init()` first');
  const x86 = isX86Family(k);
  const candidates = x86 ? X86_CANDIDATES : OTHER_CANDIDATES;
  const family = x86 ? 'x86-family' : 'non-x86';
  const results = probeTiles(k, candidates, budgetMs);
  if (!results) {
    choice.reason = `default for an ${family} host; timed probe skipped (the timer is too coarse)`;
    return gemmTileChoice();
  }
  const dflt = results.find((r) => r.tile === candidates[0])!;
  const best = results.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const pick = best.gflops > dflt.gflops * (1 + PROBE_MARGIN) ? best : dflt;
  setTile(k, pick.tile);
  choice.probe = results;
  const figures = results.map((r) => `${r.tile} ${r.gflops.toFixed(1)}`).join(', ');
  choice.reason = `timed probe on an ${family} host: ${figures} GFLOP/s (best burst each); ` +
    (pick === dflt ? `${dflt.tile} is the family default and no candidate beat it by ${PROBE_MARGIN * 100}%`
      : `${pick.tile} beat the family default ${dflt.tile} by ${((pick.gflops / dflt.gflops - 1) * 100).toFixed(0)}%`);
  return gemmTileChoice();
}

/** Smallest step of performance.now(), ms (browsers coarsen it without cross-origin isolation). */
function timerStep(): number {
  let step = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    let t1 = t0;
    while (t1 === t0) t1 = performance.now();
    step = Math.min(step, t1 - t0);
  }
  return step;
}

/**
 * Times each candidate in short interleaved bursts (each a tile run over an L1-resident sliver
 * pair) for about budgetMs, and keeps each one's best burst: a burst that another process or a
 * timer interrupt cut into only looks slower, so the best is the fairest figure on a busy host.
 * Returns null when the timer cannot resolve bursts this short.
 */
export function probeTiles(k: Kernels, candidates: string[], budgetMs: number): { tile: string; gflops: number }[] | null {
  const step = timerStep();
  if (step > 0.05) return null;
  const names = tileNames(k);
  const KC = 256;
  const ids = candidates.map((c) => names.indexOf(c));
  const flopsPerRep = ids.map((id) => 2 * KC * k.gemmTileRows(id) * k.gemmTileCols(id));
  // bursts of ~0.2 ms at 30 GFLOP/s: long against the timer step, short against a time slice
  const reps = flopsPerRep.map((f) => Math.max(1, Math.round(6e6 / f)));
  const best = ids.map(() => 0);
  const t0 = performance.now();
  do {
    ids.forEach((id, i) => {
      const a = performance.now();
      k.gemmTileProbe(id, KC, reps[i]);
      const ms = performance.now() - a;
      if (ms > 0) best[i] = Math.max(best[i], (reps[i] * flopsPerRep[i]) / (ms * 1e6));
    });
  } while (performance.now() - t0 < budgetMs);
  return candidates.map((tile, i) => ({ tile, gflops: best[i] }));
}

/**
 * Forces a tile from now on (benchmarks and tests; results do not change). 'auto' re-runs the
 * family choice and the timed probe now.
 */
export function setGemmTile(name: string): void {
  const k = kernels;
  if (!k) throw new Error('setGemmTile: wasmgrad is not initialised: call `await init()` first');
  if (name === 'auto') {
    initGemmTile(k, 'auto');
    pendingProbe = false;
    runTimedProbe();
    return;
  }
  if (!tileNames(k).includes(name)) {
    throw new Error(`setGemmTile: '${name}' is not a GEMM tile: use one of ${tileNames(k).join(', ')} or 'auto'`);
  }
  setTile(k, name);
  choice.reason = 'forced by setGemmTile';
  choice.probe = [];
  pendingProbe = false;
}

export function gemmTileChoice(): GemmTileChoice {
  return { tile: choice.tile, reason: choice.reason, probe: choice.probe.map((p) => ({ ...p })) };
}
