// Runs one experiment and writes its folder: the PNG figures (as the experiment makes them),
// then results.json and report.md. Everything but the timings is a pure function of the
// settings, so two runs with the same seed give the same bytes apart from `timing`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { info, isInitialized } from '../bindings/index.js';
import { writeFileAtomic } from './atomic.js';
import { renderPng } from './plot/png.js';
import type { Chart } from './plot/types.js';
import { Console, type OutStream } from './progress.js';
import type { Experiment, FigureOptions, Json, KeyNumberOptions, RunContext } from './registry.js';

export interface RunSettings {
  outDir: string;
  seed: number;
  epochs?: number;
  quick: boolean;
  dataDir?: string;
  options?: Record<string, unknown>;
}

export interface RunIO {
  /** Where logs and progress go (default process.stdout). */
  out?: OutStream;
  /** Where WASMGRAD_DEBUG stacks go (default process.stderr). */
  err?: OutStream;
  now?: () => number;
}

export interface RunSummary {
  id: string;
  outDir: string;
  wallSeconds: number;
  /** The thrown error's message when the experiment failed (outputs are then partial). */
  error?: string;
}

let cachedVersion: string | undefined;

/** The package.json version; dist/cli/ and cli/ are both two levels below the package root. */
export function engineVersion(): string {
  cachedVersion ??= JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  return cachedVersion;
}

type Block = { kind: 'markdown'; text: string } | { kind: 'figure'; file: string; title: string; caption?: string };

interface KeyRow {
  label: string;
  ours: number | string | boolean;
  seedReported?: number | string;
  note?: string;
  digits: number;
}

export async function runExperiment(exp: Experiment, settings: RunSettings, io: RunIO = {}): Promise<RunSummary> {
  const con = new Console(io.out ?? process.stdout, io.now);
  const t0 = performance.now();
  const recorded: Record<string, Json> = {};
  const results: Record<string, Json> = {};
  const figures: Record<string, Json> = {};
  const keyRows: KeyRow[] = [];
  const timings: Record<string, number> = {};
  const blocks: Block[] = [];
  const options = { ...(settings.options ?? {}) };

  const ctx: RunContext = {
    id: exp.id,
    outDir: settings.outDir,
    seed: settings.seed,
    epochs: settings.epochs,
    quick: settings.quick,
    dataDir: settings.dataDir,
    options,
    epochsOr(full, quick = full) {
      const e = settings.epochs ?? (settings.quick ? quick : full);
      recorded.epochs = e;
      return e;
    },
    setting(name, value) {
      recorded[name] = value;
    },
    log: (line) => con.log(line),
    progress: (label, total) => con.progress(label, total),
    figure(name: string, chart: Chart, opts: FigureOptions = {}) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`figure name '${name}' must be a plain file name`);
      const file = `${name}.png`;
      writeFileAtomic(join(settings.outDir, file), renderPng(chart));
      figures[name] = { file, title: chart.title, ...(opts.caption ? { caption: opts.caption } : {}), ...(opts.data !== false && chart.data !== undefined ? { data: chart.data as Json } : {}) };
      blocks.push({ kind: 'figure', file, title: chart.title, caption: opts.caption });
    },
    result(key, value) {
      results[key] = value;
    },
    keyNumber(label, ours, opts: KeyNumberOptions = {}) {
      keyRows.push({ label, ours, seedReported: opts.seed, note: opts.note, digits: opts.digits ?? 4 });
    },
    timing(label, seconds) {
      timings[label] = seconds;
    },
    section(markdown) {
      blocks.push({ kind: 'markdown', text: markdown });
    },
  };

  let error: string | undefined;
  try {
    await exp.run(ctx);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    if (process.env.WASMGRAD_DEBUG && e instanceof Error && e.stack) (io.err ?? process.stderr).write(e.stack + '\n');
  }
  const wallSeconds = (performance.now() - t0) / 1000;

  const settingsJson: Record<string, Json> = {
    seed: settings.seed,
    quick: settings.quick,
    ...(settings.epochs !== undefined ? { epochs: settings.epochs } : {}),
    ...(settings.dataDir !== undefined ? { dataDir: settings.dataDir } : {}),
    ...(Object.keys(options).length ? { options: options as Json } : {}),
    ...recorded,
  };
  const doc = {
    id: exp.id,
    title: exp.title,
    homework: exp.seed,
    engineVersion: engineVersion(),
    // the wasm build: the relaxed-SIMD one gives different last bits; threads never change results
    engineBuild: isInitialized() ? info().build : 'not loaded',
    seed: settings.seed,
    settings: settingsJson,
    ...(error !== undefined ? { error } : {}),
    keyNumbers: keyRows.map((r) => ({ label: r.label, ours: r.ours, ...(r.seedReported !== undefined ? { seedReported: r.seedReported } : {}), ...(r.note ? { note: r.note } : {}) })),
    results,
    figures,
    timing: { wallSeconds, ...timings },
  };
  writeFileAtomic(join(settings.outDir, 'results.json'), prettyJson(JSON.parse(JSON.stringify(doc, jsonReplacer))) + '\n');
  writeFileAtomic(join(settings.outDir, 'report.md'), report(exp, settingsJson, keyRows, blocks, doc.timing, error));
  return { id: exp.id, outDir: settings.outDir, wallSeconds, ...(error !== undefined ? { error } : {}) };
}

/** Typed arrays become plain arrays; NaN and ±Infinity stay visible (JSON would make them null). */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => jsonReplacer('', x));
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** Indented JSON, except that arrays of plain values stay on one line (curves have 10⁴ points). */
function prettyJson(v: unknown, indent = ''): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
    return `[\n${v.map((x) => inner + prettyJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJson(x, inner)}`).join(',\n')}\n${indent}}`;
}

/** The heading that starts the report's timing part, the only part that varies between runs. */
export const TIMING_HEADING = '## Timing';

function report(
  exp: Experiment,
  settings: Record<string, Json>,
  keys: KeyRow[],
  blocks: Block[],
  timing: Record<string, number>,
  error: string | undefined,
): string {
  const out: string[] = [`# ${exp.title}`, '', exp.description, '', `Experiment \`${exp.id}\` · homework ${exp.seed} · wasmgrad ${engineVersion()}`, ''];
  if (error !== undefined) out.push(`> **This run failed:** ${error}`, '');
  out.push('## Settings', '', table(['setting', 'value'], Object.entries(settings).map(([k, v]) => [k, formatJson(v)])), '');
  if (keys.length) {
    out.push('## Key numbers', '');
    const hasNote = keys.some((k) => k.note);
    const header = ['quantity', 'ours', 'seed reported', ...(hasNote ? ['note'] : [])];
    out.push(table(header, keys.map((k) => [k.label, formatValue(k.ours, k.digits), k.seedReported === undefined ? '—' : formatValue(k.seedReported, k.digits), ...(hasNote ? [k.note ?? ''] : [])])), '');
  }
  for (const b of blocks) {
    if (b.kind === 'markdown') out.push(b.text.trimEnd(), '');
    else out.push(`![${b.title}](${b.file})`, ...(b.caption ? ['', `*${b.caption}*`] : []), '');
  }
  out.push(TIMING_HEADING, '', table(['what', 'seconds'], Object.entries(timing).map(([k, v]) => [k === 'wallSeconds' ? 'wall time' : k, v.toFixed(2)])), '');
  return out.join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

function formatValue(v: number | string | boolean, digits: number): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
}

function formatJson(v: Json): string {
  if (typeof v === 'number') return formatValue(v, 6);
  if (typeof v === 'string') return v;
  return JSON.stringify(v, jsonReplacer);
}
