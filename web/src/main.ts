// The page: tabs, the engine status line (threads or why not), the MNIST source, and the three
// tools (experiments.ts, mnist.ts, playground.ts) and the benchmark (bench.ts).
import { setupBench } from './bench.js';
import { setupExperiments } from './experiments.js';
import { setupMnist } from './mnist.js';
import { setupPlayground } from './playground.js';
import type { MnistSource } from './mnist-source.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

/** Threads for the engine's workers: the ?threads= parameter, the menu, or up to 4 when isolated. */
export function threadCount(): number {
  const chosen = params.get('threads') ?? $<HTMLSelectElement>('threads-choice').value;
  if (chosen !== 'auto') return Math.max(1, Number(chosen) || 1);
  return crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
}

let source: MnistSource = { kind: 'served', url: new URL('mnist/', document.baseURI).href };
export const mnistSource = () => source;
const listeners: Array<() => void> = [];
/** Called when the user changes something every worker depends on (threads, MNIST folder). */
export function onEngineSettingsChange(fn: () => void): void {
  listeners.push(fn);
}

export function showEngineInfo(info: { threads: number; threadsNote: string; build: string; wasmSource: string }): void {
  const el = $('threads-status');
  const cores = navigator.hardwareConcurrency || 1;
  const state = info.threads > 1 ? `on, ${info.threads} threads`
    : crossOriginIsolated ? `1 thread, as chosen (up to ${cores} available)` : 'off, 1 thread';
  const why = crossOriginIsolated
    ? 'the page is cross-origin isolated (the server sends COOP/COEP headers), so wasm memory can be shared with Web Workers'
    : 'the page is not cross-origin isolated (the server sends no COOP/COEP headers), so SharedArrayBuffer is unavailable';
  el.textContent = `Threads: ${state} — ${why}. Engine: ${info.build}, loaded ${info.wasmSource === 'inline' ? 'from the copy inlined in the JavaScript' : `by ${info.wasmSource}`}.${info.threadsNote ? ` (${info.threadsNote})` : ''}`;
  el.classList.toggle('warn', info.threads === 1);
  el.dataset.threads = String(info.threads);
}

for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) {
  b.onclick = () => {
    for (const o of document.querySelectorAll<HTMLButtonElement>('nav button')) o.classList.toggle('active', o === b);
    for (const s of document.querySelectorAll<HTMLElement>('.tab')) s.hidden = s.id !== `tab-${b.dataset.tab}`;
  };
}
const start = params.get('tab');
if (start) document.querySelector<HTMLButtonElement>(`nav button[data-tab="${start}"]`)?.click();

$<HTMLInputElement>('mnist-folder').onchange = (e) => {
  const files = [...((e.target as HTMLInputElement).files ?? [])].filter((f) => /(idx\d-ubyte|ubyte\.gz)$/.test(f.name));
  if (!files.length) {
    $('mnist-source').textContent = 'that folder has no MNIST IDX files (train-images-idx3-ubyte, ...); still using the app\'s copy';
    return;
  }
  source = { kind: 'files', files };
  $('mnist-source').textContent = `the chosen folder (${files.length} files)`;
  listeners.forEach((fn) => fn());
};
$<HTMLSelectElement>('threads-choice').onchange = () => listeners.forEach((fn) => fn());

// API reference: built by `npm run docs` into web/public/api/.
fetch(new URL('api/index.html', document.baseURI), { method: 'HEAD' }).then((r) => {
  if (!r.ok || !(r.headers.get('content-type') ?? '').includes('html')) throw new Error();
}).catch(() => {
  const a = $<HTMLAnchorElement>('api-link');
  a.textContent = 'API reference (not built: npm run docs)';
  a.removeAttribute('href');
});

setupExperiments();
setupMnist();
setupPlayground();
setupBench();
