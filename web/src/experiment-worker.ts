// Runs the CLI's registered experiments in a Web Worker, through the CLI's own runner
// (cli/output.ts): the same settings, seed handling, figures, results.json and report.md. The
// runner writes into the in-memory file system (shims/fs.ts); the worker sends the files back.
import './shims/process.js'; // first: the runner reads process.env and process.pid
import pkg from '../../package.json';
import { info, init } from '../../dist/bindings/index.js';
import '../../dist/cli/experiments/index.js';
import { runExperiment } from '../../dist/cli/output.js';
import { experiments, findExperiment } from '../../dist/cli/registry.js';
import { type MnistSource, useMnistSource } from './mnist-source.js';
import { useOffscreenCanvas } from './offscreen.js';
import { filesUnder, provideFile, rmSync } from './shims/fs.js';

export type ExperimentRequest =
  | { type: 'init'; threads: number; mnist: MnistSource }
  | { type: 'run'; id: string; quick: boolean; seed: number; epochs?: number; limit?: number };

provideFile('/package.json', JSON.stringify({ name: pkg.name, version: pkg.version }));
const post = (msg: unknown, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(msg, transfer);
useOffscreenCanvas((png) => post({ type: 'figure', png }));

// The runner's console: a "terminal", so progress bars redraw in place (the page shows the last one).
const out = { isTTY: true, columns: 110, write: (text: string) => post({ type: 'log', text }) };

self.onmessage = async (e: MessageEvent<ExperimentRequest>) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') {
      await init({ threads: msg.threads });
      const source = useMnistSource(msg.mnist);
      post({
        type: 'ready', info: info(), mnist: source,
        experiments: experiments().map((x) => ({
          id: x.id, family: x.family, title: x.title, seed: x.seed, description: x.description,
          settings: x.settings, quick: x.quick ?? {}, flags: x.flags ?? [],
        })),
      });
    } else if (msg.type === 'run') {
      const exp = findExperiment(msg.id);
      if (!exp) throw new Error(`no experiment '${msg.id}'`);
      const outDir = `/results/${exp.id}`;
      rmSync(outDir, { recursive: true, force: true });
      const summary = await runExperiment(exp, {
        outDir, seed: msg.seed, quick: msg.quick,
        ...(msg.epochs !== undefined ? { epochs: msg.epochs } : {}),
        ...(msg.limit !== undefined ? { limit: msg.limit } : {}),
      }, { out, err: out });
      const files = [...filesUnder(outDir)].map(([name, bytes]) => ({ name, bytes }));
      post({ type: 'done', summary, files }, files.map((f) => f.bytes.buffer as ArrayBuffer));
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
