// Runs one experiment and writes its folder: the PNG figures (as the experiment makes them),
// then results.json and report.md. The runner loads the engine, seeds the generator and
// records the settings itself; everything but the timings is a pure function of the settings,
// so two runs with the same seed give the same bytes apart from `timing`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { info, init, isInitialized, manualSeed } from '../bindings/index.js';
import { writeFileAtomic } from './atomic.js';
import { fitExperiment } from './harness/fit.js';
import { InputError, prepareOutDir, removeIfEmpty } from './harness/outdir.js';
import { type Block, type KeyRow, TIMING_HEADING, jsonReplacer, prettyJson, reportMarkdown, table } from './harness/report.js';
import { type ShardSpec, runSweep, type SweepHooks } from './harness/sweep.js';
import { renderPng } from './plot/png.js';
import type { Chart } from './plot/types.js';
import { Console, type OutStream } from './progress.js';
import { type Experiment, type FigureOptions, type Json, type KeyNumberOptions, type RunContext, type Settings, resolveSettings } from './registry.js';

export { TIMING_HEADING, table };

export interface RunSettings {
  outDir: string;
  seed: number;
  quick: boolean;
  epochs?: number;
  dataDir?: string;
  limit?: number;
  options?: Record<string, unknown>;
  /** Run only this shard's sweep items (experiments with a sweep). */
  shard?: ShardSpec;
  /** Sweep items in this many processes at once (needs `spawnShard`, which the CLI provides). */
  jobs?: number;
  spawnShard?: SweepHooks['spawnShard'];
}

export interface RunIO {
  /** Where logs and progress go (default process.stdout). */
  out?: OutStream;
  /** Where WASMGRAD_DEBUG stacks go (default process.stderr). */
  err?: OutStream;
  now?: () => number;
}

export interface RunSummary {
  id: string;
  outDir: string;
  wallSeconds: number;
  /** The thrown error's message when the experiment failed (outputs are then partial). */
  error?: string;
  /** The failure was bad input (InputError): nothing was written. */
  inputError?: boolean;
}

let cachedVersion: string | undefined;

/** The package.json version; dist/cli/ and cli/ are both two levels below the package root. */
export function engineVersion(): string {
  cachedVersion ??= JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  return cachedVersion;
}

/** The settings block of results.json: what the run was asked to do, in a fixed order. */
export function settingsRecord(exp: Experiment<any>, s: RunSettings): Record<string, Json> {
  return {
    seed: s.seed,
    quick: s.quick,
    ...(s.dataDir !== undefined ? { dataDir: s.dataDir } : {}),
    ...(s.limit !== undefined ? { limit: s.limit } : {}),
    ...(s.options && Object.keys(s.options).length ? { options: s.options as Json } : {}),
    ...resolveSettings(exp, s.quick, s.epochs),
  };
}

/** A run in progress: the context an experiment sees, and `finish` to write its documents. */
export interface Run<S extends Settings> {
  ctx: RunContext<S>;
  /**
   * Where the run is: a plain experiment is in 'run' throughout; a sweep experiment does its
   * setup, then items, then its report, and writes outputs only in the report (so that
   * `wasmgrad merge` can redo that part from the shards alone).
   */
  guard: { phase: 'run' | 'setup' | 'item' | 'report' };
  results: Record<string, Json>;
  timings: Record<string, number | number[]>;
  finish(error: string | undefined, extra?: { shard?: Json; note?: string }): void;
}

export interface RunOverrides {
  /** The settings block as recorded by the shards being merged (it includes setup's ctx.setting calls). */
  recorded?: Record<string, Json>;
  /** The wasm build the shards ran on. */
  engineBuild?: string;
}

export function createRun<S extends Settings>(exp: Experiment<S>, settings: RunSettings, io: RunIO = {}, overrides: RunOverrides = {}): Run<S> {
  const con = new Console(io.out ?? process.stdout, io.now);
  const t0 = performance.now();
  const recorded: Record<string, Json> = overrides.recorded ?? settingsRecord(exp, settings);
  const results: Record<string, Json> = {};
  const figures: Record<string, Json> = {};
  const keyRows: KeyRow[] = [];
  const timings: Record<string, number | number[]> = {};
  const blocks: Block[] = [];
  const timingSections: string[] = [];
  const guard: Run<S>['guard'] = { phase: exp.sweep ? 'setup' : 'run' };
  const notInItem = (what: string) => {
    if (guard.phase === 'item') throw new Error(`${exp.id}: ${what} inside a sweep item; return the numbers from the item and draw them in sweep.report`);
    if (guard.phase === 'setup') throw new Error(`${exp.id}: ${what} before ctx.sweep; a sweep experiment writes its outputs in sweep.report`);
  };
  const out = (name: string) => join(settings.outDir, name);

  const ctx: RunContext<S> = {
    id: exp.id,
    outDir: settings.outDir,
    seed: settings.seed,
    quick: settings.quick,
    settings: resolveSettings(exp, settings.quick, settings.epochs),
    dataDir: settings.dataDir,
    limit: settings.limit,
    options: { ...(settings.options ?? {}) },
    setting(name, value) {
      if (guard.phase === 'item') throw new Error(`${exp.id}: ctx.setting inside a sweep item; settings must be the same for every item`);
      recorded[name] = value;
    },
    log: (line) => con.log(line),
    progress: (label, total) => con.progress(label, total),
    figure(name: string, chart: Chart, opts: FigureOptions = {}) {
      notInItem('ctx.figure');
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`figure name '${name}' must be a plain file name`);
      if (figures[name]) throw new Error(`figure '${name}' is drawn twice`);
      const file = `${name}.png`;
      writeFileAtomic(out(file), renderPng(chart));
      figures[name] = { file, title: chart.title, ...(opts.caption ? { caption: opts.caption } : {}), ...(opts.data !== false && chart.data !== undefined ? { data: chart.data as Json } : {}) };
      blocks.push({ kind: 'figure', file, title: chart.title, caption: opts.caption });
    },
    result(key, value) {
      notInItem('ctx.result');
      results[key] = value;
    },
    keyNumber(label, ours, opts: KeyNumberOptions = {}) {
      notInItem('ctx.keyNumber');
      keyRows.push({ label, ours, seedReported: opts.seed, note: opts.note, digits: opts.digits ?? 4 });
    },
    timing(label, seconds) {
      timings[label] = seconds;
    },
    timingSection(markdown) {
      timingSections.push(markdown);
    },
    section(markdown) {
      notInItem('ctx.section');
      blocks.push({ kind: 'markdown', text: markdown });
    },
    file(name, bytes) {
      notInItem('ctx.file');
      if (!/^[A-Za-z0-9_.-]+$/.test(name) || ['results.json', 'report.md'].includes(name)) throw new Error(`output file name '${name}' is not allowed`);
      writeFileAtomic(out(name), bytes);
      return out(name);
    },
    fit: (spec) => fitExperiment(run, spec),
    sweep: (runItem) => runSweep(run, exp, settings, runItem),
  };

  const run: Run<S> = {
    ctx,
    guard,
    results,
    timings,
    finish(error, extra = {}) {
      const wallSeconds = (performance.now() - t0) / 1000;
      const timing = { wallSeconds, ...timings };
      const doc = {
        id: exp.id,
        title: exp.title,
        homework: exp.seed,
        engineVersion: engineVersion(),
        // the wasm build: the relaxed-SIMD one gives different last bits; threads never change results
        engineBuild: overrides.engineBuild ?? (isInitialized() ? info().build : 'not loaded'),
        seed: settings.seed,
        settings: recorded,
        ...(extra.shard !== undefined ? { shard: extra.shard } : {}),
        ...(error !== undefined ? { error } : {}),
        keyNumbers: keyRows.map((r) => ({ label: r.label, ours: r.ours, ...(r.seedReported !== undefined ? { seedReported: r.seedReported } : {}), ...(r.note ? { note: r.note } : {}) })),
        results,
        figures,
        timing,
      };
      writeFileAtomic(out('results.json'), prettyJson(JSON.parse(JSON.stringify(doc, jsonReplacer))) + '\n');
      writeFileAtomic(out('report.md'), reportMarkdown({
        title: exp.title, description: exp.description, id: exp.id, homework: exp.seed, version: engineVersion(),
        settings: recorded, keys: keyRows, blocks, timing, timingSections, error, note: extra.note,
      }));
    },
  };
  return run;
}

/**
 * Checks the output folder, loads the engine if needed, seeds the generator with `--seed` and
 * runs the experiment. Bad input (InputError) writes nothing; any other failure still writes
 * results.json and report.md, saying what failed.
 */
export async function runExperiment<S extends Settings>(exp: Experiment<S>, settings: RunSettings, io: RunIO = {}): Promise<RunSummary> {
  const t0 = performance.now();
  const { created } = prepareOutDir(settings.outDir);
  if (!isInitialized()) await init();
  manualSeed(settings.seed);
  const run = createRun(exp, settings, io);
  let error: string | undefined;
  try {
    await exp.run(run.ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    if (process.env.WASMGRAD_DEBUG && e instanceof Error && e.stack) (io.err ?? process.stderr).write(e.stack + '\n');
    if (e instanceof InputError) {
      if (created) removeIfEmpty(settings.outDir, created);
      return { id: exp.id, outDir: settings.outDir, wallSeconds: (performance.now() - t0) / 1000, error, inputError: true };
    }
  }
  const shard = settings.shard && settings.shard.count > 1 ? settings.shard : undefined;
  run.finish(error, shard ? {
    shard: { index: shard.index, count: shard.count },
    note: `Shard ${shard.index} of ${shard.count} (indices from 0): its sweep items only. Join the shards with \`wasmgrad merge <dirs...> --out DIR\`.`,
  } : {});
  return { id: exp.id, outDir: settings.outDir, wallSeconds: (performance.now() - t0) / 1000, ...(error !== undefined ? { error } : {}) };
}
