// The Benchmark tab: `wasmgrad bench` in a Web Worker (bench-worker.ts), its table as it is
// printed, and the JSON to download, so a browser's numbers can be set beside Node's.
import { threadCount } from './main.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker: Worker | null = null;

function run(quick: boolean): void {
  worker?.terminate();
  const out = $('bench-output'), status = $('bench-status'), dl = $<HTMLAnchorElement>('bench-json');
  const buttons = [$<HTMLButtonElement>('bench-run'), $<HTMLButtonElement>('bench-quick')];
  out.textContent = '';
  dl.hidden = true;
  buttons.forEach((b) => { b.disabled = true; });
  const threads = threadCount();
  status.textContent = `running${quick ? ' the quick form' : ''} on ${threads} thread${threads > 1 ? 's' : ''}…`;
  status.dataset.state = 'running';
  const started = performance.now();
  worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module' });
  const finish = (text: string, state: string) => {
    status.textContent = text;
    status.dataset.state = state;
    buttons.forEach((b) => { b.disabled = false; });
    worker?.terminate();
    worker = null;
  };
  worker.onmessage = (e) => {
    const m = e.data as { type: 'text'; text: string } | { type: 'done'; result: unknown } | { type: 'error'; message: string };
    if (m.type === 'text') out.textContent += m.text;
    else if (m.type === 'done') {
      URL.revokeObjectURL(dl.href);
      dl.href = URL.createObjectURL(new Blob([JSON.stringify(m.result, null, 2) + '\n'], { type: 'application/json' }));
      dl.download = `wasmgrad-bench${quick ? '-quick' : ''}.json`;
      dl.hidden = false;
      finish(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`, 'done');
    } else finish(`failed: ${m.message}`, 'failed');
  };
  worker.onerror = (e) => finish(`worker error: ${e.message}`, 'failed');
  worker.postMessage({ quick, threads });
}

export function setupBench(): void {
  $<HTMLButtonElement>('bench-run').onclick = () => run(false);
  $<HTMLButtonElement>('bench-quick').onclick = () => run(true);
}
