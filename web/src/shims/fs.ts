// node:fs for the browser bundle: an in-memory file system, so the CLI's experiment runner
// (cli/output.ts, the harness) runs unchanged in a Web Worker. Files written there (figures,
// results.json, report.md) are read back by the worker and offered as downloads.
// Only the calls the runner and the harness make are here; anything else throws and says so.
import { dirname, normalize } from './path.js';

type Entry = Uint8Array;
const files = new Map<string, Entry>();
const dirs = new Set<string>(['/']);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text files the worker provides before a run (e.g. the engine's package.json for its version). */
const provided = new Map<string, string>();

function key(p: string | URL): string {
  if (p instanceof URL) return p.protocol === 'file:' ? normalize(p.pathname) : p.href;
  return normalize(p);
}

function enoent(op: string, p: string | URL): Error {
  const e = new Error(`ENOENT: no such file or directory, ${op} '${String(p)}' (the browser's in-memory file system)`) as Error & { code: string };
  e.code = 'ENOENT';
  return e;
}

/** Serves `text` for any read of a path or URL ending with `suffix` (e.g. '/package.json'). */
export function provideFile(suffix: string, text: string): void {
  provided.set(suffix, text);
}

/** Every file under `dir`, path → bytes (the outputs of one run). */
export function filesUnder(dir: string): Map<string, Uint8Array> {
  const d = normalize(dir).replace(/\/$/, '') + '/';
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of files) if (k.startsWith(d)) out.set(k.slice(d.length), v);
  return out;
}

export function existsSync(p: string | URL): boolean {
  const k = key(p);
  return files.has(k) || dirs.has(k);
}

export function mkdirSync(p: string, opts?: { recursive?: boolean }): string | undefined {
  const k = key(p);
  if (dirs.has(k)) {
    if (opts?.recursive) return undefined;
    throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${p}'`), { code: 'EEXIST' });
  }
  if (!dirs.has(dirname(k))) {
    if (!opts?.recursive) throw enoent('mkdir', p);
    mkdirSync(dirname(k), opts);
  }
  dirs.add(k);
  return k;
}

export function writeFileSync(p: string | URL, data: string | Uint8Array): void {
  const k = key(p);
  if (!dirs.has(dirname(k))) throw enoent('open', p);
  files.set(k, typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data));
}

/** Bytes of a data: URL (Vite inlines small assets referenced by `new URL(..., import.meta.url)` so). */
function dataUrlBytes(url: string): Uint8Array | undefined {
  const m = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  if (!m[1]) return encoder.encode(decodeURIComponent(m[2]));
  const bin = atob(m[2]);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function readFileSync(p: string | URL, enc?: string | { encoding?: string }): string | Uint8Array {
  const k = key(p);
  let bytes = files.get(k) ?? (k.startsWith('data:') ? dataUrlBytes(k) : undefined);
  if (!bytes) {
    for (const [suffix, text] of provided) if (k.endsWith(suffix)) bytes = encoder.encode(text);
  }
  if (!bytes) throw enoent('open', p);
  const encoding = typeof enc === 'string' ? enc : enc?.encoding;
  return encoding ? decoder.decode(bytes) : bytes;
}

export function renameSync(from: string, to: string): void {
  const a = key(from);
  const bytes = files.get(a);
  if (!bytes) throw enoent('rename', from);
  files.delete(a);
  files.set(key(to), bytes);
}

export function unlinkSync(p: string): void {
  if (!files.delete(key(p))) throw enoent('unlink', p);
}

export function rmSync(p: string, opts?: { force?: boolean; recursive?: boolean }): void {
  const k = key(p);
  if (files.delete(k)) return;
  if (dirs.has(k) && opts?.recursive) {
    for (const f of [...files.keys()]) if (f.startsWith(k + '/')) files.delete(f);
    for (const d of [...dirs]) if (d === k || d.startsWith(k + '/')) dirs.delete(d);
    return;
  }
  if (!opts?.force) throw enoent('rm', p);
}

export function rmdirSync(p: string): void {
  const k = key(p);
  if (readdirSync(k).length) throw Object.assign(new Error(`ENOTEMPTY: directory not empty, rmdir '${p}'`), { code: 'ENOTEMPTY' });
  dirs.delete(k);
}

export function readdirSync(p: string): string[] {
  const k = key(p);
  if (!dirs.has(k)) throw enoent('scandir', p);
  const prefix = k === '/' ? '/' : k + '/';
  const names = new Set<string>();
  for (const f of [...files.keys(), ...dirs]) {
    if (f.startsWith(prefix) && f !== k) names.add(f.slice(prefix.length).split('/')[0]);
  }
  return [...names].sort();
}

interface Stats { isFile(): boolean; isDirectory(): boolean; size: number }

export function statSync(p: string | URL, opts?: { throwIfNoEntry?: boolean }): Stats | undefined {
  const k = key(p);
  const f = files.get(k);
  if (f) return { isFile: () => true, isDirectory: () => false, size: f.length };
  if (dirs.has(k)) return { isFile: () => false, isDirectory: () => true, size: 0 };
  if (opts?.throwIfNoEntry === false) return undefined;
  throw enoent('stat', p);
}

export function accessSync(p: string): void {
  if (!existsSync(p)) throw enoent('access', p);
}

function unsupported(name: string): never {
  throw new Error(`fs.${name} is not available in the browser`);
}
export const openSync = () => unsupported('openSync');
export const closeSync = () => unsupported('closeSync');

export const promises = {
  readFile: async (p: string | URL, enc?: string) => readFileSync(p, enc),
  stat: async (p: string | URL) => statSync(p),
  writeFile: async (p: string, data: string | Uint8Array) => writeFileSync(p, data),
};
export const constants = { W_OK: 2, R_OK: 4, F_OK: 0 };

export default {
  existsSync, mkdirSync, writeFileSync, readFileSync, renameSync, unlinkSync, rmSync, rmdirSync, readdirSync, statSync,
  accessSync, openSync, closeSync, promises, constants,
};
