// Training speed of the web app's MNIST tab against Node, same model and loop: the CNN of
// mnist-cnn, batches of 64, Adam (lr 1e-3), images/s over the training steps alone (forward,
// loss, backward, step, and the two read-backs the app makes per batch), one and two threads.
// Runs alternate Node and page so that load changes on a shared machine hit both alike.
//   npm run build && npm run web:build && node web/scripts/speed.mjs [images] [rounds]
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const images = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 2);

if (process.argv[2] === '--node') {
  // Child: one Node measurement with `threads` threads (a fresh process, as init() runs once).
  const threads = Number(process.argv[3]);
  const n = Number(process.argv[4]);
  const wg = await import(join(repo, 'dist/bindings/index.js'));
  const data = await import(join(repo, 'dist/bindings/data/index.js'));
  const { mnistCnn } = await import(join(repo, 'dist/cli/experiments/mnist/cnn-model.js'));
  await wg.init({ threads });
  wg.manualSeed(42);
  const train = await data.loadMnist({ train: true, limit: n });
  const x = wg.tensor(data.standardize(train.images), { shape: [n, 1, 28, 28] });
  const loader = new data.DataLoader(new data.TensorDataset(x, train.labels), { batchSize: 64, shuffle: true });
  const model = mnistCnn().keep();
  const optimizer = new wg.optim.Adam(model.parameters(), { lr: 1e-3 });
  let ms = 0, seen = 0, correct = 0;
  let t = performance.now();
  for (const [xb, yb] of loader) {
    const out = model.forward(xb);
    const loss = wg.nn.functional.crossEntropy(out, yb);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    const labels = yb.data();
    const pred = out.argmax(1).data();
    for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
    loss.item();
    seen += labels.length;
    const now = performance.now();
    ms += now - t;
    t = now;
  }
  console.log(JSON.stringify({ threads: wg.info().threads, imagesPerSecond: seen / (ms / 1000) }));
  process.exit(0);
}

const { chromium } = await import('playwright-core');
const dir = process.env.WEB_DIST ?? join(repo, 'dist', 'web');
if (!existsSync(join(dir, 'index.html'))) throw new Error('dist/web is not built: npm run web:build');
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.css': 'text/css' };
const srv = createServer(async (req, res) => {
  let p = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (p.endsWith('/')) p += 'index.html';
  const f = join(dir, p);
  if (!f.startsWith(dir) || !existsSync(f) || !lstatSync(f).isFile()) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': types[extname(f)] ?? 'application/octet-stream', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
  res.end(await readFile(f));
});
await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${srv.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });

async function page(threads) {
  const p = await browser.newPage();
  await p.goto(`${base}/?tab=mnist&threads=${threads}`);
  await p.waitForSelector('#mnist-start:not([disabled])', { timeout: 120_000 });
  await p.fill('#mnist-train-n', String(images));
  await p.click('#mnist-start');
  await p.waitForSelector('#mnist-status[data-done]', { timeout: 600_000 });
  const v = Number(await p.getAttribute('#mnist-status', 'data-images-per-second'));
  await p.close();
  return v;
}

function node(threads) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--node', String(threads), String(images)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()).imagesPerSecond;
}

const results = { node: { 1: [], 2: [] }, page: { 1: [], 2: [] } };
for (let r = 0; r < rounds; r++) {
  for (const threads of [1, 2]) {
    results.node[threads].push(node(threads));
    results.page[threads].push(await page(threads));
    console.log(`round ${r + 1}, ${threads} thread(s): Node ${results.node[threads].at(-1).toFixed(0)}, page ${results.page[threads].at(-1).toFixed(0)} images/s`);
  }
}
await browser.close();
srv.close();
const range = (v) => `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
console.log(`\nCNN of mnist-cnn, batch 64, Adam, ${images} images per run, ${rounds} rounds; ${cpus()[0].model}, ${cpus().length} cores`);
console.log('| threads | Node (images/s) | page, Web Worker (images/s) |\n|---|---|---|');
for (const t of [1, 2]) console.log(`| ${t} | ${range(results.node[t])} | ${range(results.page[t])} |`);
