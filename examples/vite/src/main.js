import * as wg from 'wasmgrad';
import { train } from './train.js';

await wg.init({ threads: crossOriginIsolated ? 2 : 1 });
const info = wg.info();
document.getElementById('engine').textContent =
  `wasmgrad ${info.version}: ${info.build} loaded (${info.wasmSource}), ${info.threads} thread(s) — ${info.threadsNote}`;
const losses = train(wg);
const bytes = new Uint8Array(losses.buffer);
const out = document.getElementById('losses');
out.textContent = `loss ${losses[0].toFixed(4)} → ${losses[losses.length - 1].toFixed(4)} in ${losses.length} Adam steps\n`;
out.dataset.lossBytes = btoa(String.fromCharCode(...bytes));
out.dataset.done = '1';
