// --jobs n: the sweep's shards as child processes of this CLI (the same command with --shard
// i/n and one kernel thread each), so widths train on all cores; the parent merges them. The
// children report finished items over Node's IPC channel and write their logs beside their
// results, kept when a shard fails.
import { fork } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import type { Experiment } from '../registry.js';
import type { SweepHooks } from './sweep.js';

const launcher = fileURLToPath(new URL('../../../bin/wasmgrad.js', import.meta.url));

interface ParsedFlags {
  seed: number;
  quick?: boolean;
  epochs?: number;
  dataDir?: string;
  limit?: number;
  relaxedSimd?: boolean;
}

/** The command-line arguments that make a child run the same experiment as this process. */
export function childArgs(exp: Experiment<any>, flags: ParsedFlags, own: Record<string, unknown>): string[] {
  const args = ['run', exp.id, '--seed', String(flags.seed)];
  const declared = new Set(exp.flags ?? []);
  if (flags.quick) args.push('--quick');
  if (flags.epochs !== undefined && declared.has('epochs')) args.push('--epochs', String(flags.epochs));
  if (flags.dataDir !== undefined && declared.has('data-dir')) args.push('--data-dir', flags.dataDir);
  if (flags.limit !== undefined && declared.has('limit')) args.push('--limit', String(flags.limit));
  if (flags.relaxedSimd) args.push('--relaxed-simd');
  for (const o of exp.options ?? []) {
    const opt = new Option(o.flags);
    const v = own[opt.attributeName()];
    if (v === undefined || v === false) continue;
    args.push(opt.long!);
    if (v !== true) args.push(String(v));
  }
  return args;
}

export function spawnShardProcess(exp: Experiment<any>, flags: ParsedFlags, own: Record<string, unknown>): SweepHooks['spawnShard'] {
  return (index, count, outDir, onItem, signal) => new Promise((resolve, reject) => {
    mkdirSync(outDir, { recursive: true });
    const logFile = join(outDir, 'log.txt');
    const fd = openSync(logFile, 'w');
    const args = [...childArgs(exp, flags, own), '--shard', `${index}/${count}`, '--threads', '1', '--out', outDir];
    const child = fork(launcher, args, {
      stdio: ['ignore', fd, fd, 'ipc'],
      signal,
      env: { ...process.env, WASMGRAD_SWEEP_IPC: '1', JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '' },
    });
    child.on('message', (m: { sweepItem?: string }) => {
      if (typeof m?.sweepItem === 'string') onItem(m.sweepItem);
    });
    child.on('error', (e) => {
      if (e.name !== 'AbortError') reject(new Error(`shard ${index}/${count}: could not start (${e.message})`));
    });
    child.on('exit', (code, how) => {
      closeSync(fd);
      if (code === 0) return resolve();
      if (signal?.aborted) return reject(new Error(`shard ${index}/${count} stopped`));
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').filter((l) => /error/i.test(l)).pop() ?? '';
      reject(new Error(`shard ${index}/${count} failed (${how ?? `exit code ${code}`})${tail ? `: ${tail}` : ''}; its log: ${logFile}`));
    });
  });
}
