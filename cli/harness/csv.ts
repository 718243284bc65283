// `--csv FILE` for experiments whose seed data is private: the flag, and a reader that checks
// the columns an experiment needs. Every problem is an InputError naming the file, the line
// and the column, so the CLI exits 1 and writes nothing to --out.
import { readFileSync } from 'node:fs';
import { type CsvTable, parseCsv } from '../../bindings/data/csv.js';
import type { ExtraOption, RunContext, Settings } from '../registry.js';
import { InputError } from './outdir.js';

/** The `--csv <file>` option. The file is read (and checked) by readCsvOption when the run starts. */
export function csvOption(description: string): ExtraOption {
  return { flags: '--csv <file>', description, parse: 'string' };
}

export interface CsvColumns {
  /** Columns that must be present (others are ignored); the table keeps these, in this order. */
  columns: string[];
  /** Columns whose every value must be 0 or 1 (labels). */
  binary?: string[];
  /** At least this many data rows (default 1). */
  minRows?: number;
}

/** The `--csv` table with the named columns, or undefined when the flag was not given. */
export function readCsvOption<S extends Settings>(ctx: RunContext<S>, spec: CsvColumns): CsvTable | undefined {
  const file = ctx.options.csv as string | undefined;
  return file === undefined ? undefined : readCsvColumns(file, spec);
}

export function readCsvColumns(file: string, spec: CsvColumns): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${file}: cannot read the CSV file (${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'it is a folder' : err.message})`);
  }
  let table: CsvTable;
  try {
    table = parseCsv(text, file);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  const headerLine = text.split(/\r\n|\n|\r/).findIndex((l) => l.replace(/^\uFEFF/, '').trim() !== '') + 1;
  const idx = spec.columns.map((c) => {
    const j = table.columns.indexOf(c);
    if (j < 0) throw new InputError(`${file}: line ${headerLine}: missing column '${c}' (the header has: ${table.columns.join(', ')}; needed: ${spec.columns.join(', ')})`);
    return j;
  });
  const min = spec.minRows ?? 1;
  if (table.rows.length < min) throw new InputError(`${file}: ${table.rows.length} data row${table.rows.length === 1 ? '' : 's'} after the header; at least ${min} needed`);
  for (const c of spec.binary ?? []) {
    const j = table.columns.indexOf(c);
    if (j < 0) throw new Error(`readCsvColumns: binary column '${c}' is not among the required columns`);
    table.rows.forEach((r, i) => {
      if (r[j] !== 0 && r[j] !== 1) throw new InputError(`${file}: line ${table.lines[i]}, column ${j + 1} '${c}': label ${r[j]}, expected 0 or 1`);
    });
  }
  return { name: table.name, columns: spec.columns.slice(), rows: table.rows.map((r) => idx.map((j) => r[j])), lines: table.lines };
}
