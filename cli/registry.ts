// What an experiment is, and the ordered list that `wasmgrad list` and `run all` use.
// How to write one is in cli/experiments/README.md; in short, a file in a family folder
// (cli/experiments/<family>/<id>.ts) that reads top to bottom like the homework:
//
//   register({
//     id: 'mnist-cnn', family: 'mnist', title: 'A CNN on MNIST', seed: '000 "Deep learning", task 3',
//     description: 'What the run does and why, for --help and the top of report.md.',
//     flags: ['epochs', 'data-dir', 'limit'],          // only these common flags are offered
//     settings: { epochs: 15, batchSize: 64, lr: 1e-3 },
//     quick: { epochs: 1 },                            // overrides under --quick
//     async run(ctx) {                                 // init() and manualSeed(--seed) already done
//       const { epochs, batchSize, lr } = ctx.settings; // typed; --epochs already applied
//       const data = await mnistLoaders(ctx, { batchSize });
//       const model = ...;
//       const fit = await ctx.fit({ model, optimizer, loss, train: data.train, test: data.test, epochs,
//                                   figures: { images: data.testImages } });
//       ctx.keyNumber('test accuracy', fit.final.testAccuracy, { seed: '≥ 0.99' });
//     },
//   });
//
// The runner (cli/output.ts) owns results.json and report.md: it records the settings, seed,
// engine version and timings itself, so an experiment only computes and calls ctx.figure,
// ctx.keyNumber, ctx.result. tests/experiments.test.ts generates one test per registered
// experiment (its quick form twice: files, finite numbers, identical bytes).
import type { Chart } from './plot/types.js';
import type { Fields, Progress } from './progress.js';
import type { FitResult, FitSpec } from './harness/fit.js';

export type { Fields, Progress };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | ArrayLike<number>;

/** A settings object: plain JSON values, recorded in results.json as they are. */
export type Settings = { [key: string]: Json };

/**
 * Common flags an experiment may declare. `--out`, `--seed`, `--quick`, `--threads` and
 * `--relaxed-simd` are always offered; these only where declared, so no flag is silently ignored.
 */
export type CommonFlag =
  /** `--epochs N`: replaces `settings.epochs` (which must then be a number). */
  | 'epochs'
  /** `--data-dir DIR`: MNIST idx files (or another data set's files) instead of the bundled ones. */
  | 'data-dir'
  /** `--limit N`: at most N training and N test images (mnistLoaders applies it). */
  | 'limit'
  /** `--shard i/n`, `--shards n` (index from JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID), `--jobs n`: needs `sweep`. */
  | 'shard';

/** A flag only one experiment accepts, e.g. `{ flags: '--csv <file>', description: '...' }`. */
export interface ExtraOption {
  /** Commander flag syntax; the value lands in `ctx.options` under the camelCased long name. */
  flags: string;
  description: string;
  /** How the text is checked and converted; a bad value is a usage error (exit 2). */
  parse?: 'int' | 'positive-int' | 'number' | 'positive-number' | 'string' | 'file' | ((value: string) => unknown);
  default?: unknown;
}

/**
 * A sweep: independent items (e.g. widths) that `--shard i/n` spreads over processes or
 * machines and `wasmgrad merge` joins. `run` does the shared setup and calls `ctx.sweep(...)`,
 * which runs this shard's items and, when every item is present, calls `report`.
 */
export interface Sweep<S extends Settings = Settings, R extends Json = Json> {
  /** Item keys in order (e.g. ['w3', 'w4', ...]); shard i of n runs keys i, i+n, i+2n, ... */
  keys(settings: S): string[];
  /** Figures and key numbers from every item's result (also what `wasmgrad merge` calls). */
  report(ctx: RunContext<S>, results: Array<{ key: string; result: R }>): void | Promise<void>;
}

export interface Experiment<S extends Settings = Settings> {
  /** Lowercase kebab-case; the CLI name (`wasmgrad run <id>`) and the default output folder. */
  id: string;
  /** The folder under cli/experiments/ (`functions`, `mnist`, ...), shown by `wasmgrad list`. */
  family: string;
  /** One line, shown by `wasmgrad list` and as the report's heading. */
  title: string;
  /** Which homework write-up (seed) this reproduces. */
  seed: string;
  /** A paragraph for `run <id> --help` and the top of report.md. */
  description: string;
  /** The common flags this experiment honours (default none). */
  flags?: CommonFlag[];
  /** The full run's settings, typed; recorded in results.json and the report by the runner. */
  settings: S;
  /** What changes under --quick (seconds, for tests and `run all --quick`). */
  quick?: Partial<S>;
  /** Flags of this experiment alone. */
  options?: ExtraOption[];
  /** Output files besides the figures, results.json and report.md (e.g. a checkpoint); tests check them. */
  files?: string[];
  /** Set when a quick run may legitimately record NaN/Infinity (e.g. a diverging learning rate). */
  nonFinite?: boolean;
  sweep?: Sweep<S, any>;
  run(ctx: RunContext<S>): Promise<void>;
}

export interface FigureOptions {
  /** Shown under the figure in report.md. */
  caption?: string;
  /** Keep the chart's numbers out of results.json (e.g. 10⁵-step trajectories). Default true. */
  data?: boolean;
}

export interface KeyNumberOptions {
  /** What the homework author reported, for the "seed reported" column. */
  seed?: number | string;
  note?: string;
  /** Significant digits in report.md (results.json keeps the full value). Default 4. */
  digits?: number;
}

export interface RunContext<S extends Settings = Settings> {
  readonly id: string;
  readonly outDir: string;
  /** The `--seed`: the generator is already seeded with it when run() starts. */
  readonly seed: number;
  /** `--quick`: a reduced run that finishes in seconds (tests, `run all --quick`). */
  readonly quick: boolean;
  /** The experiment's settings: full values, then quick overrides, then --epochs. */
  readonly settings: Readonly<S>;
  /** `--data-dir` (declared flag 'data-dir'), or undefined for the bundled data. */
  readonly dataDir: string | undefined;
  /** `--limit` (declared flag 'limit'). */
  readonly limit: number | undefined;
  /** Values of the experiment's own `options`, keyed by camelCased long flag. */
  readonly options: Readonly<Record<string, unknown>>;

  /** Record a value that is not in `settings` (derived ones): results.json `settings` and the report. */
  setting(name: string, value: Json): void;
  log(line: string): void;
  progress(label: string, total: number): Progress;
  /** Write `<name>.png` now and embed it in report.md at this point of the report. */
  figure(name: string, chart: Chart, options?: FigureOptions): void;
  /** Any number or structure behind the figures, under results.json `results[key]`. */
  result(key: string, value: Json): void;
  /** A row of the report's key-number table ("ours" beside "seed reported"); also in results.json. */
  keyNumber(label: string, ours: number | string | boolean, options?: KeyNumberOptions): void;
  /** A duration: kept apart from everything else, because it is the one thing that differs between runs. */
  timing(label: string, seconds: number | number[]): void;
  /**
   * Markdown placed after the report's timing table (e.g. a timing table beside the seed's): the
   * part of report.md that may differ between runs. Its numbers belong in `timing` too.
   */
  timingSection(markdown: string): void;
  /** Free markdown, placed in report.md in call order among the figures. */
  section(markdown: string): void;
  /** Write another output file (atomically) into the output folder; declare it in `files`. */
  file(name: string, bytes: Uint8Array | string): string;
  /** train.fit with progress, per-epoch history in results.json, divergence detection and standard figures. */
  fit(spec: FitSpec): Promise<FitResult>;
  /**
   * Runs the sweep items of this shard (all of them without --shard), each after reseeding the
   * generator from (seed, key), so an item's result does not depend on which process ran it.
   * With every item present it then calls the experiment's `sweep.report`.
   */
  sweep<R extends Json>(runItem: (key: string) => Promise<R> | R): Promise<void>;
}

const registry: Experiment<any>[] = [];

export function register<S extends Settings>(exp: Experiment<S>): Experiment<S> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(exp.id) || exp.id === 'all') {
    throw new Error(`experiment id '${exp.id}' must be kebab-case and not 'all'`);
  }
  if (registry.some((e) => e.id === exp.id)) throw new Error(`experiment '${exp.id}' is registered twice`);
  if (exp.flags?.includes('epochs') && typeof exp.settings.epochs !== 'number') {
    throw new Error(`experiment '${exp.id}' declares --epochs but has no numeric settings.epochs`);
  }
  if ((exp.flags ?? []).includes('shard') !== (exp.sweep !== undefined)) {
    throw new Error(`experiment '${exp.id}': the 'shard' flag and a sweep go together`);
  }
  for (const k of Object.keys(exp.quick ?? {})) {
    if (!(k in exp.settings)) throw new Error(`experiment '${exp.id}': quick setting '${k}' is not in settings`);
  }
  registry.push(exp);
  return exp;
}

/** Registered experiments in registration order (the order of cli/experiments/index.ts). */
export function experiments(): readonly Experiment<any>[] {
  return registry;
}

export function findExperiment(id: string): Experiment<any> | undefined {
  return registry.find((e) => e.id === id);
}

/** Full settings, then the quick overrides, then --epochs. */
export function resolveSettings<S extends Settings>(exp: Experiment<S>, quick: boolean, epochs?: number): S {
  const s = { ...exp.settings, ...(quick ? exp.quick : {}) } as S;
  if (epochs !== undefined && exp.flags?.includes('epochs')) (s as Settings).epochs = epochs;
  return s;
}
