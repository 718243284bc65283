// The Web Worker: loads the engine, trains, and posts progress and the result to the page.
// Module workers cannot use the page's import map, so the engine is imported by path: from this
// repository's build here; in your project, from wherever you serve node_modules/wasmgrad/dist/bindings/.
import * as wg from '../../dist/bindings/index.js';
import { train } from './train.js';

self.onmessage = async (event) => {
  const { threads } = event.data;
  try {
    const t0 = performance.now();
    await wg.init({ threads });   // no wasm path: the module is found beside index.js
    const info = wg.info();
    self.postMessage({ type: 'info', info: { build: info.build, threads: info.threads, threadsNote: info.threadsNote, wasmSource: info.wasmSource } });
    const result = train(wg);
    self.postMessage({ type: 'done', ...result, ms: performance.now() - t0 });
  } catch (e) {
    self.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
