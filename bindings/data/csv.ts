// Numeric CSV reader: one header row, then numbers. RFC 4180 quoting (fields in double quotes may hold
// commas, newlines and "" for a quote), LF or CRLF line ends, an optional trailing newline and UTF-8 BOM.

import { type ByteSource, readMaybeGzip, sourceName } from './bytes.js';

/**
 * A parsed CSV file: its column names and numeric rows, with its name for error messages.
 * @example const t = parseCsv('x,y\n1,2\n'); column(t, 'y')
 */
export interface CsvTable {
  /** Where the table came from, repeated in later error messages. */
  name: string;
  columns: string[];
  /** rows[i][j]: row i (0-based, header excluded), column j. */
  rows: number[][];
  /** 1-based line on which each row starts, so later errors can point into the file. */
  lines: number[];
}

interface Record_ {
  fields: string[];
  line: number;
}

function splitRecords(text: string, name: string): Record_[] {
  const out: Record_[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let quoteLine = 0;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    // Blank lines (including the one after a trailing newline) are not records.
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) out.push({ fields, line: start });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field.trim() !== '') {
        throw new Error(`${name}: line ${line}: unexpected quote inside unquoted field '${field}'`);
      }
      quoted = true;
      fieldStarted = true;
      quoteLine = line;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      field += c;
    }
  }
  if (quoted) throw new Error(`${name}: line ${quoteLine}: unterminated quoted field`);
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  return out;
}

function parseNumber(s: string): number {
  const t = s.trim();
  if (t === '') return NaN;
  const lower = t.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  // Number() alone would accept '' and hex; this keeps to plain decimal notation.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return NaN;
  return Number(t);
}

function isNumber(s: string, v: number): boolean {
  return !Number.isNaN(v) || s.trim().toLowerCase() === 'nan';
}

/** Parses CSV text with a header row into numeric rows. Every error names the file, line and column. */
export function parseCsv(text: string, name = '<csv>'): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = splitRecords(text, name);
  if (records.length === 0) throw new Error(`${name}: empty CSV, expected a header row`);
  const columns = records[0].fields.map((f) => f.trim());
  const seen = new Map<string, number>();
  columns.forEach((c, j) => {
    if (c === '') throw new Error(`${name}: line ${records[0].line}: header column ${j + 1} is empty`);
    if (seen.has(c)) {
      throw new Error(`${name}: line ${records[0].line}: duplicate column '${c}' (columns ${seen.get(c)! + 1} and ${j + 1})`);
    }
    seen.set(c, j);
  });
  const rows: number[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== columns.length) {
      throw new Error(`${name}: line ${line}: expected ${columns.length} fields (as in the header), found ${fields.length}`);
    }
    const row = new Array<number>(fields.length);
    for (let j = 0; j < fields.length; j++) {
      const v = parseNumber(fields[j]);
      if (!isNumber(fields[j], v)) {
        const what = fields[j].trim() === '' ? 'empty cell' : `non-numeric value '${fields[j]}'`;
        throw new Error(`${name}: line ${line}, column ${j + 1} '${columns[j]}': ${what}`);
      }
      row[j] = v;
    }
    rows.push(row);
    lines.push(line);
  }
  return { name, columns, rows, lines };
}

/** Reads and parses a CSV file from a path (Node), URL (fetch) or bytes; gzip is decompressed. */
export async function readCsvFile(source: ByteSource, name = sourceName(source, '<csv bytes>')): Promise<CsvTable> {
  const bytes = await readMaybeGzip(source, name);
  return parseCsv(new TextDecoder('utf-8').decode(bytes), name);
}

/** A table with only the named columns, in the order given. */
export function selectColumns(csv: CsvTable, names: string[]): CsvTable {
  const idx = names.map((n) => {
    const j = csv.columns.indexOf(n);
    if (j < 0) throw new Error(`missing column '${n}' in ${csv.name}; columns are: ${csv.columns.join(', ')}`);
    return j;
  });
  return {
    name: csv.name,
    columns: names.slice(),
    rows: csv.rows.map((r) => idx.map((j) => r[j])),
    lines: csv.lines.slice(),
  };
}

/** One column as a Float64Array (no precision lost from the text). */
export function column(csv: CsvTable, name: string): Float64Array {
  return Float64Array.from(selectColumns(csv, [name]).rows, (r) => r[0]);
}

/** The table as a row-major float32 matrix, ready to become a tensor. */
export function csvToFloat32(csv: CsvTable): { data: Float32Array; shape: [number, number] } {
  const n = csv.rows.length;
  const k = csv.columns.length;
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) data.set(csv.rows[i], i * k);
  return { data, shape: [n, k] };
}
