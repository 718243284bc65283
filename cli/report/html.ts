// The hand-in page: one self-contained HTML file (figures inlined as data URIs, styles inline,
// no scripts) gathering run folders. Per run: a header naming the experiment and homework, the
// key numbers beside the seed's and the settings, both from results.json, then the body of the
// run's report.md (description, figures and prose in the order the experiment wrote them,
// timings) rendered with marked. The same folders always give the same bytes.
import { Marked, type Token, type Tokens } from 'marked';
import { formatValue } from '../harness/report.js';
import { type KeyNumber, type RunFolder, figureDataUri } from './collect.js';

export interface ReportOptions {
  title: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function cell(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return formatValue(v, 6);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function tableHtml(header: string[], rows: string[][], cls: string): string {
  const head = header.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function keyNumbersTable(keys: KeyNumber[]): string {
  const hasNote = keys.some((k) => k.note);
  return tableHtml(
    ['quantity', 'ours', 'seed reported', ...(hasNote ? ['note'] : [])],
    keys.map((k) => [k.label, formatValue(k.ours), k.seedReported === undefined ? '—' : formatValue(k.seedReported), ...(hasNote ? [k.note ?? ''] : [])]),
    'keys',
  );
}

function settingsTable(run: RunFolder): string {
  const r = run.results;
  const rows: string[][] = Object.entries(r.settings ?? {}).map(([k, v]) => [k, cell(v)]);
  if (r.engineVersion !== undefined) rows.push(['wasmgrad', `${r.engineVersion}${r.engineBuild ? `, ${r.engineBuild}` : ''}`]);
  if (typeof r.timing?.wallSeconds === 'number') rows.push(['wall time', `${r.timing.wallSeconds.toFixed(1)} s`]);
  return tableHtml(['setting', 'value'], rows, 'settings');
}

/**
 * report.md without the parts the page draws from results.json (title, settings, key numbers);
 * its headings move one level down, under the run's own heading.
 */
function bodyHtml(run: RunFolder): string {
  const from = `${run.dir}/report.md`;
  const marked = new Marked({
    gfm: true,
    renderer: {
      image({ href, text }: Tokens.Image) {
        return `<img src="${figureDataUri(run.dir, decodeURI(href), from)}" alt="${esc(text)}">`;
      },
      heading({ tokens, depth }: Tokens.Heading) {
        const d = Math.min(6, depth + 1);
        return `<h${d}>${this.parser.parseInline(tokens)}</h${d}>\n`;
      },
    },
  });
  const tokens = marked.lexer(run.markdown ?? '');
  const kept: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'heading' && t.depth === 1 && kept.every((k) => k.type === 'space')) continue;
    // the 'Experiment `id` · homework · version' line: the section's header says it already
    if (t.type === 'paragraph' && t.raw.startsWith(`Experiment \`${run.results.id}\``)) continue;
    if (t.type === 'heading' && t.depth === 2 && (t.text === 'Settings' || t.text === 'Key numbers')) {
      // the heading, blank space, then its table
      while (i + 1 < tokens.length && tokens[i + 1].type === 'space') i++;
      if (i + 1 < tokens.length && tokens[i + 1].type === 'table') i++;
      continue;
    }
    kept.push(t);
  }
  return marked.parser(Object.assign(kept, { links: tokens.links }));
}

/** Figures of a run with no report.md: from results.json, in the order they were drawn. */
function figuresOnlyHtml(run: RunFolder): string {
  const parts: string[] = [];
  if (run.description) parts.push(`<p>${esc(run.description)}</p>`);
  for (const f of Object.values(run.results.figures ?? {})) {
    parts.push(`<figure><img src="${figureDataUri(run.dir, f.file, `${run.dir}/results.json`)}" alt="${esc(f.title ?? f.file)}">`
      + `${f.caption ? `<figcaption>${esc(f.caption)}</figcaption>` : ''}</figure>`);
  }
  return parts.join('\n');
}

function anchor(run: RunFolder, i: number): string {
  return `run-${i + 1}-${run.results.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function runSection(run: RunFolder, i: number): string {
  const r = run.results;
  const title = r.title ?? r.id;
  const meta = [`<code>${esc(r.id)}</code>`, r.homework ? `homework ${esc(r.homework)}` : '', r.seed !== undefined ? `seed ${r.seed}` : '',
    r.settings?.quick === true ? '<strong>quick run</strong>' : ''].filter(Boolean).join(' · ');
  return [
    `<section class="run" id="${anchor(run, i)}">`,
    `<h2>${i + 1}. ${esc(title)}</h2>`,
    `<p class="meta">${meta} · folder <code>${esc(run.dir)}</code></p>`,
    r.error !== undefined ? `<p class="failed">This run failed: ${esc(r.error)}</p>` : '',
    r.keyNumbers?.length ? `<h3>Key numbers</h3>\n${keyNumbersTable(r.keyNumbers)}` : '',
    `<h3>Settings</h3>\n${settingsTable(run)}`,
    run.markdown !== undefined ? bodyHtml(run) : figuresOnlyHtml(run),
    '</section>',
  ].filter(Boolean).join('\n');
}

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
table.keys td:nth-child(2), table.keys td:nth-child(3) { font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
figure { margin: 1rem 0; } figcaption, em { color: #444; }
code { background: #f4f4f4; padding: 0 0.2rem; border-radius: 3px; }
pre { background: #f4f4f4; padding: 0.6rem; overflow-x: auto; }
blockquote { border-left: 4px solid #ccc; margin: 0.5rem 0; padding: 0.1rem 0.8rem; color: #333; }
.meta { color: #555; margin-top: 0; }
.failed { background: #fde8e8; border: 1px solid #e0a0a0; padding: 0.4rem 0.6rem; }
nav ol { columns: 2; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  section.run { break-before: page; }
  img, table, figure { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

/** The whole page for these run folders (already read). */
export function reportHtml(runs: RunFolder[], opts: ReportOptions): string {
  const versions = [...new Set(runs.map((r) => r.results.engineVersion).filter((v): v is string => v !== undefined))];
  const quick = runs.filter((r) => r.results.settings?.quick === true).length;
  const failed = runs.filter((r) => r.results.error !== undefined).length;
  const summary = tableHtml(
    ['#', 'experiment', 'homework', 'key numbers', 'wall time'],
    runs.map((r, i) => [String(i + 1), `${r.results.title ?? r.results.id} (${r.results.id})${r.results.error !== undefined ? ' — FAILED' : ''}`,
      r.results.homework ?? '', String(r.results.keyNumbers?.length ?? 0),
      typeof r.results.timing?.wallSeconds === 'number' ? `${r.results.timing.wallSeconds.toFixed(1)} s` : '']),
    'summary',
  );
  const toc = runs.map((r, i) => `<li><a href="#${anchor(r, i)}">${esc(r.results.title ?? r.results.id)}</a></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="wasmgrad report">
<title>${esc(opts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(opts.title)}</h1>
<p class="meta">${runs.length} experiment run${runs.length === 1 ? '' : 's'}${quick ? `, ${quick} of them quick (reduced) runs` : ''}${failed ? `, <strong>${failed} failed</strong>` : ''} · wasmgrad ${esc(versions.join(', ') || 'unknown')}.
Each section shows the run's key numbers beside the numbers the homework reports, its settings, then its figures and notes.</p>
</header>
<nav><ol>
${toc}
</ol></nav>
${summary}
${runs.map(runSection).join('\n')}
</body>
</html>
`;
}
