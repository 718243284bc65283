// The output folder is checked before any compute (an hour of training must not end in
// EACCES), and a run that fails on its input leaves no trace in it.
import { mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Bad input data (a --csv file, an image): the CLI exits 1 and nothing is written to --out. */
export class InputError extends Error {}

/** A folder that cannot be written: a usage error (exit 2) naming the flag. */
export class OutDirError extends Error {}

export interface PreparedDir {
  /** The outermost folder this call created (undefined when the folder already existed). */
  created: string | undefined;
}

/** Creates `dir` if needed and proves it writable by writing and removing a probe file. */
export function prepareOutDir(dir: string, flag = '--out'): PreparedDir {
  const abs = resolve(dir);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    throw new OutDirError(`${flag} ${dir}: cannot create the folder (${reason(e)})`);
  }
  if (st && !st.isDirectory()) throw new OutDirError(`${flag} ${dir}: exists and is not a folder`);
  let created: string | undefined;
  if (!st) {
    // The outermost missing ancestor is what to remove again if the run fails on its input.
    let top = abs;
    while (!exists(dirname(top)) && dirname(top) !== top) top = dirname(top);
    try {
      mkdirSync(abs, { recursive: true });
    } catch (e) {
      throw new OutDirError(`${flag} ${dir}: cannot create the folder (${reason(e)})`);
    }
    created = top;
  }
  const probe = `${abs}/.wasmgrad-write-test-${process.pid}`;
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    if (created) removeIfEmpty(abs, created);
    throw new OutDirError(`${flag} ${dir}: the folder is not writable (${reason(e)})`);
  }
  return { created };
}

/** Removes `dir` and its parents up to `top` while they are empty (what prepareOutDir created). */
export function removeIfEmpty(dir: string, top: string): void {
  let d = resolve(dir);
  const stop = resolve(top);
  for (;;) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === stop || dirname(d) === d) return;
    d = dirname(d);
  }
}

function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true; // something is there (a file where a folder should be): mkdir will say what
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')}` : String(err.message ?? e);
}
