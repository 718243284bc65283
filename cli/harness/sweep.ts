// Sweeps: independent items (widths, learning rates...) that can run in any process. Shard i
// of n runs items i, i+n, i+2n, ... in order; each item starts from the generator seeded with
// (seed, key), so its result is the same whichever process, machine or order runs it, and
// `wasmgrad merge` (or --jobs, which merges its own child processes) reproduces the unsharded
// run byte for byte. The shard index comes from --shard i/n, or, with --shards n, from the
// scheduler: Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX, Slurm job arrays SLURM_ARRAY_TASK_ID.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../../bindings/index.js';
import type { Run, RunSettings } from '../output.js';
import type { Experiment, Json, Settings } from '../registry.js';
import { InputError } from './outdir.js';
import { jsonReplacer, jsonReviver } from './report.js';

export interface ShardSpec {
  index: number;
  count: number;
}

export interface SweepHooks {
  /** Runs `wasmgrad run <id> --shard index/count --out dir` as a child process; `onItem` per finished item; abort kills it. */
  spawnShard(index: number, count: number, outDir: string, onItem: (key: string) => void, signal?: AbortSignal): Promise<void>;
}

export interface SweepItem {
  key: string;
  result: Json;
}

/** Parses `i/n` (0 ≤ i < n). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`expected i/n, e.g. 0/4 (shard indices start at 0), got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1 && index < count)) throw new Error(`shard index ${index} is not in 0..${count - 1}`);
  return { index, count };
}

/** The shard index a scheduler gave this process, and which variable it came from. */
export function shardIndexFromEnv(env: NodeJS.ProcessEnv = process.env): { index: number; source: string } | undefined {
  const found: Array<{ index: number; source: string }> = [];
  for (const source of ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID']) {
    const v = env[source];
    if (v === undefined || v === '') continue;
    if (!/^\d+$/.test(v.trim())) throw new Error(`${source}='${v}' is not a non-negative integer`);
    found.push({ index: Number(v), source });
  }
  if (found.length === 2 && found[0].index !== found[1].index) {
    throw new Error(`JOB_COMPLETION_INDEX=${found[0].index} and SLURM_ARRAY_TASK_ID=${found[1].index} disagree`);
  }
  return found[0];
}

/** --shard i/n, or --shards n with the index from the environment; undefined when neither. */
export function resolveShard(shard: ShardSpec | undefined, shards: number | undefined, env: NodeJS.ProcessEnv = process.env): ShardSpec | undefined {
  if (shard && shards !== undefined) throw new Error('give --shard i/n or --shards n, not both');
  if (shard) return shard;
  if (shards === undefined) return undefined;
  const fromEnv = shardIndexFromEnv(env);
  if (!fromEnv) throw new Error(`--shards ${shards} needs the shard index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array); neither is set (or use --shard i/n)`);
  if (fromEnv.index >= shards) throw new Error(`${fromEnv.source}=${fromEnv.index} is not below --shards ${shards}`);
  return { index: fromEnv.index, count: shards };
}

/** A 32-bit seed from (run seed, item key): FNV-1a, so it needs no state and no order. */
export function itemSeed(seed: number, key: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${key}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function sweepKeys(exp: Experiment<any>, settings: Settings): string[] {
  const keys = exp.sweep!.keys(settings);
  if (keys.length === 0) throw new Error(`${exp.id}: the sweep has no items`);
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new Error(`${exp.id}: sweep item '${k}' is listed twice`);
    seen.add(k);
  }
  return keys;
}

/** An item's result as results.json will hold it, so in-process and merged runs see the same values. */
const roundTrip = (r: Json): Json => JSON.parse(JSON.stringify(r, jsonReplacer), jsonReviver);

export async function runSweep<S extends Settings, R extends Json>(
  run: Run<S>, exp: Experiment<S>, settings: RunSettings, runItem: (key: string) => Promise<R> | R,
): Promise<void> {
  if (!exp.sweep) throw new Error(`${exp.id}: ctx.sweep needs a 'sweep' in the experiment's definition`);
  if (run.guard.phase !== 'setup') throw new Error(`${exp.id}: ctx.sweep runs once, from run()`);
  const ctx = run.ctx;
  const keys = sweepKeys(exp, ctx.settings);
  const shard = settings.shard && settings.shard.count > 1 ? settings.shard : undefined;
  const jobs = Math.min(settings.jobs ?? 1, keys.length);
  let items: SweepItem[];
  if (!shard && jobs > 1 && settings.spawnShard) {
    items = await runInChildren(run, exp, settings, keys, jobs, settings.spawnShard);
  } else {
    const mine = shard ? keys.filter((_, i) => i % shard.count === shard.index) : keys;
    items = [];
    for (const [n, key] of mine.entries()) {
      manualSeed(itemSeed(settings.seed, key));
      const t0 = performance.now();
      run.guard.phase = 'item';
      let result: R;
      try {
        result = await runItem(key);
      } finally {
        run.guard.phase = 'setup';
      }
      const secs = (performance.now() - t0) / 1000;
      items.push({ key, result: roundTrip(result) });
      ctx.timing(`item ${key}`, secs);
      ctx.log(`[${n + 1}/${mine.length}] ${key} done in ${secs.toFixed(1)} s`);
      // A child process of --jobs tells its parent, which draws one bar for all of them.
      if (process.send && process.env.WASMGRAD_SWEEP_IPC === '1') process.send({ sweepItem: key });
    }
  }
  run.results.sweep = items as unknown as Json;
  if (!shard) {
    run.guard.phase = 'report';
    await exp.sweep.report(ctx, items);
  }
}

/** --jobs n: n child processes run shards 0..n-1 into <out>/.shards/, then their items are joined here. */
async function runInChildren<S extends Settings>(
  run: Run<S>, exp: Experiment<S>, settings: RunSettings, keys: string[], jobs: number, spawn: SweepHooks['spawnShard'],
): Promise<SweepItem[]> {
  const base = join(settings.outDir, '.shards');
  const bar = run.ctx.progress(`${exp.id}: ${keys.length} items in ${jobs} processes`, keys.length);
  const done: string[] = [];
  const t0 = performance.now();
  // The first failing shard stops the others: their results would be thrown away anyway.
  const abort = new AbortController();
  try {
    await Promise.all(Array.from({ length: jobs }, (_, i) => spawn(i, jobs, join(base, `shard-${i}`), (key) => {
      done.push(key);
      bar.tick(1, { last: key });
    }, abort.signal).catch((e) => {
      abort.abort();
      throw e;
    })));
  } finally {
    bar.done();
  }
  const docs = Array.from({ length: jobs }, (_, i) => readShard(join(base, `shard-${i}`)));
  const { items, timings } = joinShards(exp, docs);
  for (const [k, v] of Object.entries(timings)) run.ctx.timing(k, v);
  run.ctx.timing(`${jobs} processes`, (performance.now() - t0) / 1000);
  rmSync(base, { recursive: true, force: true });
  return items;
}

export interface ShardDoc {
  dir: string;
  id: string;
  seed: number;
  engineVersion: string;
  engineBuild: string;
  settings: Record<string, Json>;
  shard?: ShardSpec;
  error?: string;
  results: { sweep?: SweepItem[] };
  timing?: Record<string, number | number[]>;
}

export function readShard(dir: string): ShardDoc {
  let text: string;
  try {
    text = readFileSync(join(dir, 'results.json'), 'utf8');
  } catch {
    throw new InputError(`${dir}: no results.json (not a wasmgrad run folder)`);
  }
  try {
    return { dir, ...JSON.parse(text, jsonReviver) } as ShardDoc;
  } catch (e) {
    throw new InputError(`${join(dir, 'results.json')}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Checks that the shards belong to one sweep (same experiment, seed, settings and engine, each
 * complete, every item once) and returns the items in sweep order.
 */
export function joinShards(exp: Experiment<any>, docs: ShardDoc[]): { items: SweepItem[]; timings: Record<string, number | number[]> } {
  if (docs.length === 0) throw new InputError('merge: no shard folders given');
  const first = docs[0];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const d of docs) {
    if (d.id !== exp.id) throw new InputError(`${d.dir}: a run of '${d.id}', not of '${exp.id}'`);
    if (d.error !== undefined) throw new InputError(`${d.dir}: that shard failed (${d.error})`);
    if (!d.shard) throw new InputError(`${d.dir}: not a shard (its results.json has no "shard"); it is a complete run already`);
    if (d.seed !== first.seed) throw new InputError(`${d.dir}: seed ${d.seed}, but ${first.dir} has seed ${first.seed}: not one sweep`);
    if (!same(d.settings, first.settings)) throw new InputError(`${d.dir}: settings differ from ${first.dir}'s: not one sweep (${settingsDiff(first.settings, d.settings)})`);
    if (d.engineVersion !== first.engineVersion || d.engineBuild !== first.engineBuild) {
      throw new InputError(`${d.dir}: made by wasmgrad ${d.engineVersion} (${d.engineBuild}), ${first.dir} by ${first.engineVersion} (${first.engineBuild})`);
    }
    if (d.shard.count !== first.shard!.count) throw new InputError(`${d.dir}: shard ${d.shard.index}/${d.shard.count}, but ${first.dir} is one of ${first.shard!.count}`);
  }
  const keys = sweepKeys(exp, first.settings);
  const byKey = new Map<string, { item: SweepItem; dir: string }>();
  const timings: Record<string, number | number[]> = {};
  for (const d of docs) {
    for (const item of d.results.sweep ?? []) {
      if (!keys.includes(item.key)) throw new InputError(`${d.dir}: item '${item.key}' is not part of this sweep (items: ${keys.join(', ')})`);
      const prev = byKey.get(item.key);
      if (prev) throw new InputError(`item '${item.key}' appears twice: in ${prev.dir} and in ${d.dir}`);
      byKey.set(item.key, { item, dir: d.dir });
    }
    for (const [k, v] of Object.entries(d.timing ?? {})) timings[k === 'wallSeconds' ? `shard ${d.shard!.index} wall time` : k] = v;
  }
  const missing = keys.filter((k) => !byKey.has(k));
  if (missing.length) {
    const shards = new Set(docs.map((d) => d.shard!.index));
    const absent = Array.from({ length: first.shard!.count }, (_, i) => i).filter((i) => !shards.has(i));
    throw new InputError(`missing item${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${absent.length ? ` (shard${absent.length > 1 ? 's' : ''} ${absent.join(', ')} of ${first.shard!.count} not given)` : ''}`);
  }
  return { items: keys.map((k) => byKey.get(k)!.item), timings };
}

function settingsDiff(a: Record<string, Json>, b: Record<string, Json>): string {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const diff = names.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return diff.map((k) => `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`).join('; ');
}
