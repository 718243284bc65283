// The Benchmark tab's worker: `wasmgrad bench` (cli/commands/bench.ts) run in this browser, the
// same code and cases as in Node, so Chrome, Firefox and Node can be set side by side on one
// machine. A worker, so that the page stays responsive and its timers do not disturb the timings.
import './shims/process.js'; // first: the bench's modules read process.env
import { runBench } from '../../dist/cli/commands/bench.js';

export interface BenchRequest { quick: boolean; threads: number }

const post = (msg: unknown) => (self as unknown as Worker).postMessage(msg);

self.onmessage = async (e: MessageEvent<BenchRequest>) => {
  const { quick, threads } = e.data;
  try {
    const result = await runBench({
      quick, threads,
      // a page cannot see the CPU's name; the user agent names the browser and its version
      host: { cpu: `CPU not visible to a web page, ${navigator.hardwareConcurrency ?? '?'} logical cores`, runtime: navigator.userAgent, cores: threads },
      relaxedWasm: async () => {
        const res = await fetch(new URL('../../dist/bindings/wasmgrad-relaxed.wasm', import.meta.url));
        if (!res.ok) throw new Error(`HTTP ${res.status} for the relaxed build`);
        return res.arrayBuffer();
      },
    }, (text) => post({ type: 'text', text }));
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
