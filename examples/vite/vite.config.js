// Nothing about wasm here: wasmgrad finds its kernels by itself (the .wasm next to its module,
// or the copy inlined in its JavaScript). The two headers only make the page cross-origin
// isolated, which is what lets init({ threads }) share wasm memory with Web Workers.
import { defineConfig } from 'vite';

const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
