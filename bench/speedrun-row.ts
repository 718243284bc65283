// The speedrun row of `npm run bench`: bench/speedrun.ts in a child process (so its clock starts
// at process start), on all cores, beside PyTorch's run of the same recipe when
// bench/torch_speedrun.json holds one (written by `bench/torch_reference.py --speedrun --json-out`).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { SpeedrunResult } from './speedrun.js';

export interface SpeedrunRow { wasmgrad: SpeedrunResult | { error: string }; torch: unknown }

export async function speedrunRow(): Promise<SpeedrunRow> {
  const script = new URL('./speedrun.js', import.meta.url);
  const threads = String(availableParallelism());
  const wasmgrad = await new Promise<SpeedrunResult | { error: string }>((resolve) => {
    execFile(process.execPath, [script.pathname, '--json', '--threads', threads], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) resolve({ error: (stderr || err.message).trim().split('\n').pop() ?? 'failed' });
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
  let torch: unknown = null;
  try {
    torch = JSON.parse(await readFile(new URL('../../bench/torch_speedrun.json', import.meta.url), 'utf8'));
  } catch { /* not measured on this checkout */ }
  return { wasmgrad, torch };
}

export function printSpeedrun(row: SpeedrunRow): void {
  console.log('\nspeedrun: MNIST CNN to 99.0 % test accuracy, wall time from process start (data loading included)');
  const w = row.wasmgrad;
  if ('error' in w) {
    console.log(`  wasmgrad: failed: ${w.error}`);
  } else {
    const epochs = w.epochs.map((e) => `epoch ${e.epoch} ${(100 * e.testAccuracy).toFixed(2)} % at ${e.wallSeconds.toFixed(1)} s`).join(', ');
    console.log(`  wasmgrad (${w.threads} threads, tile ${w.gemmTile}): ${w.reachedTarget ? 'reached' : 'did NOT reach'} 99.0 % in ${w.wallSeconds.toFixed(1)} s — ${epochs}`);
  }
  const t = row.torch as { wallSeconds?: number; threads?: number; epochs?: { epoch: number; testAccuracy: number; wallSeconds: number }[]; cpu?: string; date?: string } | null;
  if (t?.epochs) {
    const epochs = t.epochs.map((e) => `epoch ${e.epoch} ${(100 * e.testAccuracy).toFixed(2)} % at ${e.wallSeconds.toFixed(1)} s`).join(', ');
    console.log(`  PyTorch 1.13 (${t.threads} threads, ${t.cpu ?? '?'}, ${t.date ?? '?'}): ${t.wallSeconds?.toFixed(1)} s — ${epochs}`);
  } else {
    console.log('  PyTorch: not measured here (bench/torch_reference.py --speedrun --threads 2 --json-out bench/torch_speedrun.json)');
  }
}
