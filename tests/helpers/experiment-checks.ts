// Experiment-specific assertions for the generated per-experiment tests (tests/experiments.test.ts).
// A file in tests/checks/ (one per family) calls checkExperiment(id, fn); the generated test
// imports every such file, runs each experiment's quick form and hands the run to its check.
// No list to keep: a new experiment is tested as soon as it is registered, and a check for an
// id that is not registered fails.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface QuickRun {
  id: string;
  dir: string;
  /** results.json, parsed. */
  json: ResultsJson;
  /** report.md. */
  report: string;
}

export interface ResultsJson {
  id: string;
  seed: number;
  settings: Record<string, unknown>;
  keyNumbers: Array<{ label: string; ours: number | string | boolean; seedReported?: number | string; note?: string }>;
  results: Record<string, any>;
  figures: Record<string, { file: string; title: string; caption?: string; data?: any }>;
  timing?: Record<string, unknown>;
  error?: string;
}

const checks = new Map<string, (run: QuickRun) => void | Promise<void>>();

export function checkExperiment(id: string, check: (run: QuickRun) => void | Promise<void>): void {
  if (checks.has(id)) throw new Error(`two checks for experiment '${id}'`);
  checks.set(id, check);
}

export function checkFor(id: string): ((run: QuickRun) => void | Promise<void>) | undefined {
  return checks.get(id);
}

export function checkedIds(): string[] {
  return [...checks.keys()];
}

/** Imports every check file in tests/checks/. */
export async function loadChecks(): Promise<void> {
  const dir = new URL('../checks/', import.meta.url);
  for (const f of readdirSync(fileURLToPath(dir)).filter((n) => n.endsWith('.js')).sort()) await import(new URL(f, dir).href);
}

/** The key number whose label matches, or a failed assertion naming the pattern. */
export function keyNumber(json: ResultsJson, label: RegExp): ResultsJson['keyNumbers'][number] {
  const row = json.keyNumbers.find((k) => label.test(k.label));
  if (!row) throw new Error(`no key number matches ${label}; labels: ${json.keyNumbers.map((k) => k.label).join(' | ')}`);
  return row;
}
