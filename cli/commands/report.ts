// `wasmgrad report [dirs...]`: the homework hand-in. Gathers run folders into one self-contained
// HTML page (cli/report/html.ts), written whole (temp file + rename); `--pdf` prints that page
// to PDF with headless Chromium, also written whole.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { writeFileAtomic } from '../atomic.js';
import { ReportError, findRunDirs, readRunFolder } from '../report/collect.js';
import { reportHtml } from '../report/html.js';

export { ReportError };

export interface ReportFlags {
  out?: string;
  pdf?: string | boolean;
  title?: string;
}

export const DEFAULT_TITLE = 'Deep-learning homework: experiments reproduced with wasmgrad';

/** Debian's Chromium unless CHROMIUM_PATH names another; a ReportError that says how to get one. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new ReportError(`report --pdf: no Chromium at ${path}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary. The HTML report needs no browser: drop --pdf.`);
  }
  return path;
}

/** The folder that will hold `file` must exist (or be creatable) and be writable, before any work. */
function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ReportError(`report: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} on ${dir}`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new ReportError(`report: ${file} is a folder; --out and --pdf name files`);
}

/** Prints `html` to `pdf` through headless Chromium, into a temp file renamed on success. */
export function printPdf(htmlFile: string, pdf: string, chromium = chromiumPath()): void {
  const tmp = `${pdf}.tmp`;
  rmSync(tmp, { force: true });
  const r = spawnSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-pdf-header-footer',
    `--print-to-pdf=${resolve(tmp)}`, pathToFileURL(resolve(htmlFile)).href,
  ], { encoding: 'utf8', timeout: 180_000 });
  if (r.error || r.status !== 0 || !existsSync(tmp) || statSync(tmp).size === 0) {
    rmSync(tmp, { force: true });
    const why = r.error ? r.error.message : `exit code ${r.status}${r.signal ? `, signal ${r.signal}` : ''}`;
    const last = (r.stderr ?? '').trim().split('\n').filter((l) => l.trim()).slice(-2).join(' / ');
    throw new ReportError(`report --pdf: Chromium (${chromium}) did not write the PDF (${why})${last ? `: ${last}` : ''}`);
  }
  renameSync(tmp, pdf);
}

/** Builds the report; returns the files written. */
export function writeReport(dirs: string[], flags: ReportFlags): string[] {
  const out = flags.out ?? 'report.html';
  const pdf = flags.pdf === true ? out.replace(/\.html?$/i, '') + '.pdf' : flags.pdf || undefined;
  const chromium = pdf !== undefined ? chromiumPath() : undefined;
  checkWritable(out);
  if (pdf !== undefined) checkWritable(pdf);
  const runs = findRunDirs(dirs.length ? dirs : ['results']).map(readRunFolder);
  writeFileAtomic(out, reportHtml(runs, { title: flags.title ?? DEFAULT_TITLE }));
  if (pdf === undefined) return [out];
  printPdf(out, pdf, chromium);
  return [out, pdf];
}

export function addReportCommand(program: Command, configure: (c: Command) => Command, log: (line: string) => void, fail: (message: string) => void): void {
  configure(program.command('report'))
    .description('gather run folders into one self-contained HTML page (figures inlined, key numbers beside the seed\'s, settings): the homework hand-in')
    .argument('[dirs...]', 'run output folders, or folders of them such as results/ (default: results)')
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--pdf [file]', 'also print the page to PDF with headless Chromium (default file: the HTML name with .pdf)')
    .option('--title <text>', 'the page title', DEFAULT_TITLE)
    .action((dirs: string[], flags: ReportFlags) => {
      try {
        const files = writeReport(dirs, flags);
        log(`wrote ${files.join(' and ')}`);
      } catch (e) {
        if (!(e instanceof ReportError)) throw e;
        fail(e.message);
      }
    });
}
