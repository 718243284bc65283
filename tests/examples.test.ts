// The embedding examples (examples/), served by examples/serve.mjs and run in headless Chromium
// (Debian's, through playwright-core): the plain <script type="module"> page loads the engine
// through an import map with no path configuration and streams the .wasm (its MIME type right);
// the Web Worker example trains on two threads when the page is cross-origin isolated (COOP/COEP)
// and on one otherwise, and its float32 losses equal Node's, bit for bit. A server that sends
// .wasm with a wrong MIME type gets the inlined copy instead, which is what the docs warn about.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Browser, chromium } from 'playwright-core';
import * as wg from '../bindings/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
type Served = { server: import('node:http').Server; url: string };
type ServeModule = { startServer(o: { root: string; port?: number; isolated?: boolean }): Promise<Served>; MIME: Record<string, string> };
type TrainModule = { train(engine: typeof wg, steps?: number): { losses: number[]; hex: string[] } };

const test = suite('examples');
let browser: Browser;
let serve: ServeModule;
const servers: Served[] = [];

test.before(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH`);
  serve = await import(pathToFileURL(join(root, 'examples', 'serve.mjs')).href) as ServeModule;
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  await wg.init();
});

test.after(async () => {
  await browser?.close();
  for (const s of servers) s.server.close();
});

async function start(isolated: boolean): Promise<string> {
  const s = await serve.startServer({ root, port: 0, isolated });
  servers.push(s);
  return s.url;
}

async function open(url: string, ready: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 120_000 }).catch((e) => { throw new Error(`${url}: ${e.message}; page errors: ${errors.join('; ')}`); });
  return { page, errors };
}

test('plain <script type="module">: an import map, no wasm path, streamed with application/wasm', async () => {
  const { page, errors } = await open(`${await start(false)}/examples/script/`, 'window.done === true');
  const text = await page.textContent('#out');
  await page.close();
  assert.equal(errors, []);
  assert.match(text!, /wasm loaded by streaming/);
  assert.match(text!, /d\(sum x²\)\/dx = \[\[2,4\],\[6,8\]\]/);
  const losses = [...text!.matchAll(/loss (\S+)/g)].map((m) => Number(m[1]));
  assert.ok(losses.length >= 2 && losses.at(-1)! < losses[0] / 10, `the loss falls: ${losses.join(', ')}`);
});

test('Web Worker: two threads when cross-origin isolated, one otherwise; the same loss bits as Node', async () => {
  const { train } = await import(pathToFileURL(join(root, 'examples', 'worker', 'train.js')).href) as TrainModule;
  const node = train(wg);
  for (const isolated of [true, false]) {
    const { page, errors } = await open(`${await start(isolated)}/examples/worker/`, 'window.result !== undefined');
    const result = await page.evaluate(() => (window as unknown as { result: { type: string; hex: string[]; message?: string } }).result);
    const log = await page.textContent('#log');
    await page.close();
    assert.equal(errors, []);
    assert.is(result.type, 'done', result.message);
    assert.match(log!, isolated ? /wasmgrad-mt\.wasm .*, 2 thread\(s\)/ : /wasmgrad\.wasm .*, 1 thread\(s\)/);
    assert.match(log!, /wasm loaded by streaming/);
    assert.equal(result.hex, node.hex, `worker (${isolated ? 'isolated, 2 threads' : '1 thread'}) and Node give the same float32 losses`);
  }
});

test('a server that sends .wasm with the wrong MIME type gets the inlined copy (what the docs warn about)', async () => {
  const saved = serve.MIME['.wasm'];
  serve.MIME['.wasm'] = 'application/octet-stream';
  try {
    const { page } = await open(`${await start(false)}/examples/script/`, 'window.done === true');
    const text = await page.textContent('#out');
    await page.close();
    assert.match(text!, /wasm loaded by inline/);
  } finally {
    serve.MIME['.wasm'] = saved;
  }
});

test.run();
