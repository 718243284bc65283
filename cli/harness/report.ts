// The two documents of a run folder: results.json (every number, machine-readable) and
// report.md (settings, key numbers beside the seed's, figures and prose in call order, timings
// last, because they are the only part that differs between two runs with one seed).
import type { Json } from '../registry.js';

export type Block = { kind: 'markdown'; text: string } | { kind: 'figure'; file: string; title: string; caption?: string };

export interface KeyRow {
  label: string;
  ours: number | string | boolean;
  seedReported?: number | string;
  note?: string;
  digits: number;
}

/** The heading that starts the report's timing part, the only part that varies between runs. */
export const TIMING_HEADING = '## Timing';

export interface ReportParts {
  title: string;
  description: string;
  id: string;
  homework: string;
  version: string;
  settings: Record<string, Json>;
  keys: KeyRow[];
  blocks: Block[];
  timing: Record<string, number | number[]>;
  /** Markdown after the timing table (ctx.timingSection). */
  timingSections?: string[];
  error?: string;
  /** A line under the heading, e.g. that this folder is one shard of a sweep. */
  note?: string;
}

export function reportMarkdown(p: ReportParts): string {
  const out: string[] = [`# ${p.title}`, '', p.description, '', `Experiment \`${p.id}\` · homework ${p.homework} · wasmgrad ${p.version}`, ''];
  if (p.note) out.push(`> ${p.note}`, '');
  if (p.error !== undefined) out.push(`> **This run failed:** ${p.error}`, '');
  out.push('## Settings', '', table(['setting', 'value'], Object.entries(p.settings).map(([k, v]) => [k, formatJson(v)])), '');
  if (p.keys.length) {
    out.push('## Key numbers', '');
    const hasNote = p.keys.some((k) => k.note);
    const header = ['quantity', 'ours', 'seed reported', ...(hasNote ? ['note'] : [])];
    out.push(table(header, p.keys.map((k) => [
      k.label, formatValue(k.ours, k.digits), k.seedReported === undefined ? '—' : formatValue(k.seedReported, k.digits), ...(hasNote ? [k.note ?? ''] : []),
    ])), '');
  }
  for (const b of p.blocks) {
    if (b.kind === 'markdown') out.push(b.text.trimEnd(), '');
    else out.push(`![${b.title}](${b.file})`, ...(b.caption ? ['', `*${b.caption}*`] : []), '');
  }
  const timingRows = Object.entries(p.timing).map(([k, v]) => [
    k === 'wallSeconds' ? 'wall time' : k,
    Array.isArray(v) ? (v.length <= 6 ? v.map((x) => x.toFixed(2)).join(', ') : `${v.length} values, mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)}`) : v.toFixed(2),
  ]);
  out.push(TIMING_HEADING, '', table(['what', 'seconds'], timingRows), '');
  for (const t of p.timingSections ?? []) out.push(t.trimEnd(), '');
  return out.join('\n');
}

export function table(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function formatValue(v: number | string | boolean, digits = 4): string {
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

/** Typed arrays become plain arrays; NaN and ±Infinity stay visible (JSON would make them null). */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => jsonReplacer('', x));
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

/** The inverse of jsonReplacer's number strings, for reading results back (merge, sweeps). */
export function jsonReviver(_key: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

/** A value as results.json will hold it: typed arrays as arrays, non-finite numbers as strings. */
export function plainJson<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v, jsonReplacer));
}

/** Indented JSON, except that arrays of plain values stay on one line (curves have 10⁴ points). */
export function prettyJson(v: unknown, indent = ''): string {
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
