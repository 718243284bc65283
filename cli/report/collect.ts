// Finds and reads the run folders a hand-in report gathers: each folder given is a run folder
// (it holds results.json) or a parent of run folders (such as results/ after `run all`).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jsonReviver } from '../harness/report.js';
import { experiments } from '../registry.js';

/** Bad input to `wasmgrad report`: a folder with no runs, unreadable JSON, a missing figure. */
export class ReportError extends Error {}

export interface KeyNumber { label: string; ours: number | string | boolean; seedReported?: number | string; note?: string }

/** The parts of a run folder's results.json the report shows. */
export interface RunResults {
  id: string;
  title?: string;
  homework?: string;
  engineVersion?: string;
  engineBuild?: string;
  seed?: number;
  settings?: Record<string, unknown>;
  error?: string;
  shard?: unknown;
  keyNumbers?: KeyNumber[];
  figures?: Record<string, { file: string; title?: string; caption?: string }>;
  timing?: Record<string, number | number[]>;
}

export interface RunFolder {
  dir: string;
  results: RunResults;
  /** report.md's text, when the folder has one. */
  markdown?: string;
  /** The registry's description of the experiment, when this build knows the id. */
  description?: string;
}

const isRunDir = (dir: string) => existsSync(join(dir, 'results.json'));

/** The run folders under `dirs`, in the order given; a parent's runs in `wasmgrad list` order. */
export function findRunDirs(dirs: string[]): string[] {
  const order = new Map(experiments().map((e, i) => [e.id, i]));
  const found: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReportError(`report: ${dir} is not a folder`);
    if (isRunDir(dir)) {
      found.push(dir);
      continue;
    }
    const runs = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && isRunDir(join(dir, d.name)))
      .map((d) => d.name)
      .sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0));
    if (runs.length === 0) throw new ReportError(`report: ${dir} holds no results.json, nor do its subfolders; give run output folders (wasmgrad run <id> --out DIR)`);
    found.push(...runs.map((r) => join(dir, r)));
  }
  return found;
}

export function readRunFolder(dir: string): RunFolder {
  const file = join(dir, 'results.json');
  let results: RunResults;
  try {
    results = JSON.parse(readFileSync(file, 'utf8'), jsonReviver) as RunResults;
  } catch (e) {
    throw new ReportError(`report: ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof results !== 'object' || results === null || typeof results.id !== 'string') {
    throw new ReportError(`report: ${file} has no experiment id; is it a wasmgrad results.json?`);
  }
  const md = join(dir, 'report.md');
  const exp = experiments().find((e) => e.id === results.id);
  return {
    dir,
    results,
    markdown: existsSync(md) ? readFileSync(md, 'utf8') : undefined,
    description: exp?.description,
  };
}

/** A figure file of a run folder as a data URI; only plain file names inside the folder. */
export function figureDataUri(dir: string, file: string, from: string): string {
  if (file !== basename(file) || !/\.png$/i.test(file)) throw new ReportError(`report: ${from} refers to '${file}', which is not a PNG file name in ${dir}`);
  const path = join(dir, file);
  if (!existsSync(path)) throw new ReportError(`report: ${from} refers to ${file}, which is not in ${dir}`);
  return `data:image/png;base64,${readFileSync(path).toString('base64')}`;
}
