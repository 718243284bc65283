/**
 * Browser parity: the built package, served by a local static server, runs the fixed program in
 * headless Chromium (Debian's, through playwright-core); its float32 bytes must hash equal to
 * the same program's in Node.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, Browser } from 'playwright-core';
import * as wg from '../bindings/index.js';
import { parityProgram } from './parity-program.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

const test = suite('browser parity');
let server: Server;
let isolatedServer: Server;
let browser: Browser;
let base = '';
let isolatedBase = '';

/**
 * A static server for the repository. `isolated` adds the COOP/COEP headers that make a page
 * cross-origin isolated, which is what lets it share wasm memory with Web Workers.
 */
async function serve(isolated: boolean): Promise<[Server, string]> {
  const srv = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = { 'content-type': types[extname(file)] ?? 'application/octet-stream' };
      if (isolated) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch { res.writeHead(404); res.end(); }
  });
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const addr = srv.address();
  return [srv, `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`];
}

test.before(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  [server, base] = await serve(false);
  [isolatedServer, isolatedBase] = await serve(true);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await wg.init();
});

test.after(async () => {
  await browser?.close();
  server?.close();
  isolatedServer?.close();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('the seeded program gives the same float32 bytes in Chromium as in Node', async () => {
  const nodeOut = parityProgram(wg);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/tests/browser/index.html`);
  const result = await page.evaluate(async () => {
    const lib = await import('/dist/bindings/index.js' as string);
    const prog = await import('/dist/tests/parity-program.js' as string);
    await lib.init();
    const out: Float32Array = prog.parityProgram(lib);
    return { bytes: Array.from(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)), info: lib.info() };
  });
  assert.equal(errors, []);
  assert.is(result.info.wasmSource, 'streaming', 'the browser streamed the .wasm file from beside the module');
  assert.is(result.info.threads, 1, 'a page that is not cross-origin isolated runs one thread');
  assert.match(result.info.threadsNote, /cross-origin isolated/, 'and info() says why');
  const browserBytes = Uint8Array.from(result.bytes);
  const nodeBytes = new Uint8Array(nodeOut.buffer, nodeOut.byteOffset, nodeOut.byteLength);
  assert.is(browserBytes.length, nodeBytes.length);
  assert.ok(nodeOut.every(Number.isFinite), 'the program produced finite numbers');
  assert.is(sha256(browserBytes), sha256(nodeBytes), 'Chromium and Node outputs hash equal');
  const losses = nodeOut.subarray(0, 200);
  assert.ok(losses[199] < losses[0], `the MLP trained (loss ${losses[0]} → ${losses[199]})`);
});

test('a cross-origin isolated page runs the kernels on Web Workers, with the same bytes as Node', async () => {
  const nodeOut = parityProgram(wg);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${isolatedBase}/tests/browser/index.html`);
  const result = await page.evaluate(async () => {
    const lib = await import('/dist/bindings/index.js' as string);
    const threads = await import('/dist/bindings/threads.js' as string);
    const prog = await import('/dist/tests/parity-program.js' as string);
    await lib.init({ threads: 3 });
    threads.setParallelMinFlops(0); // split even this program's small kernels
    const out: Float32Array = prog.parityProgram(lib);
    return {
      bytes: Array.from(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
      info: lib.info(), split: threads.threadsInfo().parallelCalls, isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    };
  });
  assert.equal(errors, []);
  assert.ok(result.isolated, 'the page is cross-origin isolated');
  assert.is(result.info.threads, 3, `three threads run (${result.info.threadsNote})`);
  assert.match(result.info.build, /mt/);
  assert.ok(result.split >= 3, `the conv2d passes were split over the workers (${result.split} calls)`);
  assert.is(sha256(Uint8Array.from(result.bytes)), sha256(new Uint8Array(nodeOut.buffer, nodeOut.byteOffset, nodeOut.byteLength)),
    'Chromium with 3 threads and Node hash equal');
});

test('without the .wasm file next to the module, the browser falls back to the inlined bytes', async () => {
  const page = await browser.newPage();
  await page.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: '' }));
  await page.goto(`${base}/tests/browser/index.html`);
  const source = await page.evaluate(async () => {
    const lib = await import('/dist/bindings/index.js' as string);
    await lib.init();
    return { source: lib.info().wasmSource, sum: lib.tensor([1, 2, 3]).sum().item() };
  });
  assert.equal(source, { source: 'inline', sum: 6 });
});

test.run();
