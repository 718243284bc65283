// The experiments tab: every registered experiment with its settings, run in a Web Worker by
// the CLI's runner; live progress, the figures as they are drawn, and the outputs to download.
import { mnistSource, onEngineSettingsChange, showEngineInfo, threadCount } from './main.js';

interface ExperimentInfo {
  id: string; family: string; title: string; seed: string; description: string;
  settings: Record<string, unknown>; quick: Record<string, unknown>; flags: string[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker: Worker | null = null;
let list: ExperimentInfo[] = [];
let chosen: ExperimentInfo | null = null;
let running = false;
const urls: string[] = [];

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function startWorker(): void {
  worker?.terminate();
  running = false;
  worker = new Worker(new URL('./experiment-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => onMessage(e.data);
  worker.onerror = (e) => { $('exp-progress').textContent = `worker error: ${e.message}`; };
  worker.postMessage({ type: 'init', threads: threadCount(), mnist: mnistSource() });
}

function renderList(): void {
  const el = $('experiment-list');
  el.innerHTML = '';
  let family = '';
  for (const x of list) {
    if (x.family !== family) {
      family = x.family;
      const h = document.createElement('h3');
      h.textContent = family;
      el.append(h);
    }
    const b = document.createElement('button');
    b.dataset.id = x.id;
    b.innerHTML = `<code></code><small></small>`;
    b.querySelector('code')!.textContent = x.id;
    b.querySelector('small')!.textContent = x.title;
    b.onclick = () => choose(x);
    el.append(b);
  }
  el.dataset.count = String(list.length);
}

function choose(x: ExperimentInfo): void {
  chosen = x;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#experiment-list button')) b.classList.toggle('active', b.dataset.id === x.id);
  $('exp-title').textContent = `${x.id}: ${x.title}`;
  $('exp-seed').textContent = `Homework: ${x.seed}`;
  $('exp-description').textContent = x.description;
  const rows = Object.entries(x.settings).map(([k, v]) =>
    `<tr><td>${k}</td><td>${escape(show(v))}</td><td>${k in x.quick ? escape(show(x.quick[k])) : ''}</td></tr>`).join('');
  $('exp-settings').innerHTML = `<table class="settings"><tr><th>setting</th><th>full run</th><th>quick run</th></tr>${rows}</table>`;
  ($('run-quick') as HTMLButtonElement).disabled = running;
  ($('run-full') as HTMLButtonElement).disabled = running;
}

const escape = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

function run(quick: boolean): void {
  if (!chosen || !worker || running) return;
  running = true;
  ($('run-quick') as HTMLButtonElement).disabled = true;
  ($('run-full') as HTMLButtonElement).disabled = true;
  $('exp-log').textContent = '';
  $('exp-progress').textContent = `running ${chosen.id}${quick ? ' (quick)' : ''}…`;
  $('exp-figures').innerHTML = '';
  $('exp-downloads').innerHTML = '';
  $('exp-downloads').dataset.state = 'running';
  urls.splice(0).forEach((u) => URL.revokeObjectURL(u));
  const seed = Number(($('exp-seed-input') as HTMLInputElement).value) || 0;
  worker.postMessage({ type: 'run', id: chosen.id, quick, seed });
}

/** Terminal output from the runner: lines go to the log, a bar redrawn with \r to the progress line. */
let partial = '';
function onLog(text: string): void {
  partial += text;
  const lines = partial.split('\n');
  partial = lines.pop()!;
  const clean = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  for (const l of lines) {
    const last = clean(l.split('\r').pop()!);
    if (last) $('exp-log').textContent += last + '\n';
  }
  const bar = clean(partial.split('\r').pop()!);
  if (bar) $('exp-progress').textContent = bar;
}

function onMessage(m: any): void {
  if (m.type === 'ready') {
    showEngineInfo(m.info);
    list = m.experiments;
    renderList();
    $('mnist-source').textContent = m.mnist;
    if (chosen) choose(list.find((x) => x.id === chosen!.id) ?? list[0]);
  } else if (m.type === 'log') {
    onLog(m.text);
  } else if (m.type === 'figure') {
    const img = document.createElement('img');
    const url = URL.createObjectURL(new Blob([m.png], { type: 'image/png' }));
    urls.push(url);
    img.src = url;
    $('exp-figures').append(img);
  } else if (m.type === 'done') {
    running = false;
    partial = '';
    const s = m.summary;
    $('exp-progress').textContent = s.error ? `failed: ${s.error}` : `done in ${s.wallSeconds.toFixed(1)} s`;
    const dl = $('exp-downloads');
    dl.innerHTML = 'Download: ';
    for (const f of m.files as Array<{ name: string; bytes: Uint8Array }>) {
      const a = document.createElement('a');
      const type = f.name.endsWith('.png') ? 'image/png' : f.name.endsWith('.json') ? 'application/json' : 'text/plain';
      const url = URL.createObjectURL(new Blob([f.bytes as BlobPart], { type }));
      urls.push(url);
      a.href = url;
      a.download = `${s.id}-${f.name}`;
      a.textContent = f.name;
      a.dataset.name = f.name;
      dl.append(a);
    }
    dl.dataset.state = s.error ? 'failed' : 'done';
    if (chosen) choose(chosen);
  } else if (m.type === 'error') {
    running = false;
    $('exp-progress').textContent = `error: ${m.message}`;
    $('exp-downloads').dataset.state = 'failed';
    if (chosen) choose(chosen);
  }
}

export function setupExperiments(): void {
  $('run-quick').onclick = () => run(true);
  $('run-full').onclick = () => run(false);
  onEngineSettingsChange(startWorker);
  startWorker();
}
