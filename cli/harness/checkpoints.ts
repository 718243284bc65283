// Where an experiment's last checkpoint is, so that `wasmgrad predict` finds the model the last
// `wasmgrad run mnist-cnn` wrote wherever its --out was. One small JSON file in the user's state
// folder: $WASMGRAD_STATE_DIR, else $XDG_STATE_HOME/wasmgrad, else ~/.local/state/wasmgrad.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic.js';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASMGRAD_STATE_DIR) return env.WASMGRAD_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'wasmgrad');
}

const file = () => join(stateDir(), 'last-checkpoints.json');

function read(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Records `path` as the last checkpoint `id` wrote. Failing to record is not worth failing a run for. */
export function rememberCheckpoint(id: string, path: string): void {
  try {
    mkdirSync(stateDir(), { recursive: true });
    writeFileAtomic(file(), JSON.stringify({ ...read(), [id]: resolve(path) }, null, 2) + '\n');
  } catch {
    // a read-only home: predict then needs --model
  }
}

/** The last checkpoint `id` wrote, if it was recorded. */
export function lastCheckpoint(id: string): string | undefined {
  return read()[id];
}
