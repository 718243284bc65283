#!/usr/bin/env node
// A static file server for trying the examples (no dependencies): `node examples/serve.mjs`, then
// open http://localhost:8080/examples/script/ or /examples/worker/. It serves the repository root
// and sends what a wasmgrad page needs from any server:
//   - `.wasm` as `application/wasm`: init() streams the module with
//     WebAssembly.instantiateStreaming, which refuses any other MIME type (init() then falls back to
//     the base64 copy inlined in the package: it works, but downloads a third more and compiles later);
//   - `.js`/`.mjs` as `text/javascript`: browsers refuse ES modules served otherwise;
//   - with `--isolated` (the default; `--no-isolation` leaves them out), the two headers that make
//     the page cross-origin isolated, which threads need (SharedArrayBuffer):
//       Cross-Origin-Opener-Policy: same-origin
//       Cross-Origin-Embedder-Policy: require-corp
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.gz': 'application/gzip',
};

export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Serves `root` on `port` (0: any free port); resolves to the server and its base URL. */
export async function startServer({ root, port = 8080, host = '127.0.0.1', isolated = true }) {
  const server = createServer(async (req, res) => {
    let file = join(root, normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return void res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...(isolated ? ISOLATION_HEADERS : {}) });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(port, host, ok));
  const addr = server.address();
  return { server, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 8080;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { url } = await startServer({ root, port, isolated: !args.includes('--no-isolation') });
  console.log(`serving ${root} at ${url}/ (${args.includes('--no-isolation') ? 'not ' : ''}cross-origin isolated)`);
  console.log(`  ${url}/examples/script/   plain <script type="module">`);
  console.log(`  ${url}/examples/worker/   training in a Web Worker`);
}
