/**
 * The web app (web/, Vite) in headless Chromium (Debian's, through playwright-core): it is built
 * with `vite build` as `npm run web:build` does, served with the COOP/COEP headers, and driven
 * like a user: a quick experiment whose results.json matches Node's byte for byte (all but the
 * timing block), a short MNIST training, the drawing pad, the optimiser playground, the benchmark. Then the
 * Vite embedding example (examples/vite/) is built and its losses compared with Node's.
 * Screenshots go to dist/test-output/browser-app/.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as wg from '../bindings/index.js';
import '../cli/experiments/index.js';
import { runExperiment } from '../cli/output.js';
import { findExperiment } from '../cli/registry.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = join(root, 'dist', 'test-output', 'browser-app');
const types: Record<string, string> = {
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html',
  '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml',
};

const test = suite('web app (Vite) in Chromium');
let browser: Browser;
const servers: Server[] = [];

/** A static server for a built folder; `isolated` sends the COOP/COEP headers (threads). */
async function serve(dir: string, isolated: boolean): Promise<string> {
  const srv = createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || !lstatSync(file).isFile()) { res.writeHead(404); res.end(); return; }
    const headers: Record<string, string> = { 'content-type': types[extname(file)] ?? 'application/octet-stream' };
    if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : await readFile(file));
  });
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  servers.push(srv);
  const addr = srv.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

/** `vite build` with a config file, quietly (the same as the npm scripts, through Vite's API). */
async function viteBuild(root: string, configFile: string, outDir?: string): Promise<void> {
  const vite = await import('vite');
  await vite.build({ root, configFile, logLevel: 'error', ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}) });
}

let app = '';
let plainApp = '';

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors };
}

/** Whether a canvas shows something: more than one colour among its pixels. */
function canvasColours(page: Page, id: string): Promise<number> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length && seen.size < 50; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }, id);
}

test.before(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH`);
  mkdirSync(shots, { recursive: true });
  await viteBuild(join(root, 'web'), join(root, 'web', 'vite.config.mjs'));
  app = await serve(join(root, 'dist', 'web'), true);
  plainApp = await serve(join(root, 'dist', 'web'), false);
  browser = await chromium.launch({
    executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await wg.init();
});

test.after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

test('the app lists every registered experiment and says why threads are on or off', async () => {
  const { page, errors } = await open(`${app}/?threads=2`);
  await page.waitForSelector('#experiment-list[data-count]');
  // The registry as the CLI sees it, in a fresh process (other test files register test-only experiments here).
  const code = `await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cli/experiments/index.js')).href)});
    const { experiments } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cli/registry.js')).href)});
    console.log(JSON.stringify(experiments().map((e) => e.id)));`;
  const cliIds = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })) as string[];
  const pageIds = await page.$$eval('#experiment-list button', (bs) => bs.map((b) => (b as HTMLElement).dataset.id));
  assert.equal(pageIds, cliIds, 'every registered experiment, in the CLI\'s order');
  assert.ok(cliIds.length >= 20);
  const status = await page.textContent('#threads-status');
  assert.match(status!, /Threads: on, 2 threads/);
  assert.match(status!, /cross-origin isolated/);
  const plain = await open(`${plainApp}/`);
  await plain.page.waitForSelector('#threads-status[data-threads]');
  assert.match((await plain.page.textContent('#threads-status'))!, /off, 1 thread — the page is not cross-origin isolated/);
  assert.equal([...errors, ...plain.errors], []);
  await plain.page.close();
  await page.close();
});

test('a quick experiment runs in the page; its results.json equals Node\'s but for the timing block', async () => {
  const id = 'himmelblau';
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-web-'));
  const sink = { write: () => true };
  await runExperiment(findExperiment(id)!, { outDir: dir, seed: 42, quick: true }, { out: sink, err: sink });
  const nodeJson = readFileSync(join(dir, 'results.json'), 'utf8');
  rmSync(dir, { recursive: true, force: true });

  const { page, errors } = await open(`${app}/?threads=1`);
  await page.waitForSelector(`#experiment-list button[data-id="${id}"]`);
  await page.click(`#experiment-list button[data-id="${id}"]`);
  await page.click('#run-quick');
  await page.waitForSelector('#exp-downloads[data-state="done"]', { timeout: 60_000 });
  const files = await page.$$eval('#exp-downloads a', (as) => as.map((a) => (a as HTMLAnchorElement).dataset.name));
  assert.ok(files.includes('results.json') && files.includes('report.md'), `downloads: ${files}`);
  assert.ok(files.some((f) => f!.endsWith('.png')), 'figures are downloadable');
  const pageJson = await page.evaluate(() => fetch(document.querySelector<HTMLAnchorElement>('#exp-downloads a[data-name="results.json"]')!.href).then((r) => r.text()));
  const beforeTiming = (s: string) => s.slice(0, s.indexOf('"timing"'));
  assert.ok(beforeTiming(nodeJson).length > 1000);
  assert.is(beforeTiming(pageJson), beforeTiming(nodeJson), 'results.json up to the timing block, byte for byte');
  assert.ok((await page.$$('#exp-figures img')).length >= 1, 'the figures are shown');
  await page.screenshot({ path: join(shots, 'experiment.png'), fullPage: true });
  assert.equal(errors, []);
  await page.close();
});

test('MNIST: a short training draws the curves and reports accuracy; the drawing pad gives ten probabilities', async () => {
  const { page, errors } = await open(`${app}/?tab=mnist&threads=2`);
  await page.waitForSelector('#mnist-start:not([disabled])', { timeout: 60_000 });
  await page.fill('#mnist-train-n', '1000');
  await page.fill('#mnist-epochs', '1');
  await page.click('#mnist-start');
  await page.waitForSelector('#mnist-status[data-done]', { timeout: 90_000 });
  assert.ok(await canvasColours(page, 'mnist-curves') > 3, 'the curves canvas is not blank');
  assert.ok(await canvasColours(page, 'mnist-confusion') > 3, 'the confusion matrix is drawn');
  const status = await page.textContent('#mnist-status');
  assert.match(status!, /test accuracy \d+\.\d+ %/);
  const accuracy = Number(await page.getAttribute('#mnist-status', 'data-accuracy'));
  assert.ok(accuracy > 0.5, `1,000 images of training reach ${accuracy} test accuracy (chance: 0.1)`);

  // Draw a "7" on the pad.
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = (await page.locator('#pad').boundingBox())!;
  const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (const [x, y] of [[0.5, 0.2], [0.75, 0.2], [0.6, 0.5], [0.45, 0.85]]) await page.mouse.move(...at(x, y), { steps: 8 });
  await page.mouse.up();
  await page.waitForSelector('#pad-result[data-probabilities]', { timeout: 30_000 });
  const p = JSON.parse((await page.getAttribute('#pad-result', 'data-probabilities'))!) as number[];
  assert.is(p.length, 10);
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-5, `probabilities sum to ${p.reduce((s, v) => s + v, 0)}`);
  await page.waitForFunction(() => Number((document.getElementById('feature-maps') as HTMLCanvasElement).dataset.drawn) > 0);
  assert.ok(await canvasColours(page, 'feature-maps') > 3, 'the feature maps are drawn');
  assert.ok(await canvasColours(page, 'filters') > 3, 'the first layer\'s filters are drawn');
  await page.screenshot({ path: join(shots, 'mnist.png'), fullPage: true });
  assert.equal(errors, []);
  await page.close();
});

test('the optimiser playground animates the trajectories and restarts from a clicked point', async () => {
  const { page, errors } = await open(`${app}/?tab=playground`);
  await page.waitForSelector('#pg-status[data-step="500"]', { timeout: 30_000 });
  // Run again and watch every animation frame: the step count grows and the picture changes.
  const seen = await page.evaluate(() => new Promise<{ steps: number[]; changed: boolean }>((resolve) => {
    const status = document.getElementById('pg-status')!;
    const canvas = document.getElementById('pg-canvas') as HTMLCanvasElement;
    const steps: number[] = [];
    let first = '';
    document.getElementById('pg-run')!.click();
    const poll = () => {
      const k = Number(status.dataset.step);
      if (steps[steps.length - 1] !== k) {
        steps.push(k);
        first ||= canvas.toDataURL();
      }
      if (k < 500) requestAnimationFrame(poll);
      else resolve({ steps, changed: canvas.toDataURL() !== first });
    };
    poll();
  }));
  assert.ok(seen.steps.length >= 3, `several frames (steps ${seen.steps.join(', ')})`);
  assert.ok(seen.steps.every((k, i) => i === 0 || k > seen.steps[i - 1]), 'the step count only grows');
  assert.ok(seen.changed, 'the last frame differs from the first');
  await page.locator('#pg-canvas').scrollIntoViewIfNeeded();
  const box = (await page.locator('#pg-canvas').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.waitForFunction(() => !/from \(0\.000, -1\.000\)/.test(document.getElementById('pg-status')!.textContent!));
  assert.match((await page.textContent('#pg-status'))!, /from \(-\d/, 'the new start is in the upper left');
  await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true });
  assert.equal(errors, []);
  await page.close();
});

test('the Benchmark tab runs wasmgrad bench in the page: the table, the browser named, the JSON', async () => {
  const { page, errors } = await open(`${app}/?tab=bench&threads=2`);
  await page.click('#bench-quick');
  await page.waitForSelector('#bench-status[data-state="done"], #bench-status[data-state="failed"]', { timeout: 120_000 });
  assert.is(await page.getAttribute('#bench-status', 'data-state'), 'done', (await page.textContent('#bench-status'))!);
  const text = (await page.textContent('#bench-output'))!;
  assert.match(text, /^wasmgrad bench on CPU not visible to a web page.*\(2 threads\), Mozilla\/5\.0/);
  assert.match(text, /Wasm SIMD peak \(12 independent f32x4 mul\+add chains, one thread\): \d+(\.\d)? GFLOP\/s/);
  assert.match(text, /tile in use: \d+x\d+ — /);
  for (const row of ['gemm 128³', 'conv [8,8,13,13]*[16,8,3,3] fwd+bwd', 'maxpool', 'relu + tanh']) assert.ok(text.includes(row), `row ${row}`);
  assert.match(text, /training step, CNN 34,826 params, batch 16, Adam: [\d.]+ ms on 1 thread, [\d.]+ ms on 2/);
  // The JSON to download is the result object of the CLI's --json.
  const href = (await page.getAttribute('#bench-json', 'href'))!;
  const json = await page.evaluate(async (u) => (await fetch(u)).json(), href) as { rows: Array<{ gflops1: number }>; quick: boolean; cores: number };
  assert.ok(json.quick && json.cores === 2 && json.rows.length >= 5 && json.rows.every((r) => r.gflops1 > 0), JSON.stringify(json).slice(0, 300));
  await page.screenshot({ path: join(shots, 'bench.png'), fullPage: true });
  assert.equal(errors, []);
  await page.close();
});

test('examples/vite builds with Vite and its page reports the same loss bytes as Node', async () => {
  const example = join(root, 'examples', 'vite');
  // What `npm install` makes for the example's "wasmgrad": "file:../.." dependency.
  const link = join(example, 'node_modules', 'wasmgrad');
  if (!existsSync(link)) {
    mkdirSync(join(example, 'node_modules'), { recursive: true });
    symlinkSync(join('..', '..', '..'), link, 'dir');
  }
  const out = mkdtempSync(join(tmpdir(), 'wasmgrad-vite-example-'));
  await viteBuild(example, join(example, 'vite.config.js'), out);
  const { train } = await import(pathToFileURL(join(example, 'src', 'train.js')).href) as { train(lib: typeof wg): Float32Array };
  const nodeLosses = train(wg);
  assert.ok(nodeLosses[99] < nodeLosses[0] / 2, `the example trains (${nodeLosses[0]} → ${nodeLosses[99]})`);
  const base = await serve(out, true);
  const { page, errors } = await open(`${base}/`);
  await page.waitForSelector('#losses[data-done]', { timeout: 30_000 });
  const b64 = (await page.getAttribute('#losses', 'data-loss-bytes'))!;
  assert.is(b64, Buffer.from(nodeLosses.buffer, nodeLosses.byteOffset, nodeLosses.byteLength).toString('base64'));
  assert.match((await page.textContent('#engine'))!, /2 thread/);
  assert.equal(errors, []);
  await page.close();
  rmSync(out, { recursive: true, force: true });
});

test.run();
