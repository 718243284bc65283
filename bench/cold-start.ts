// The cold-start row of `npm run bench`: `import 'wasmgrad'` + `init()` in fresh Node processes
// (the package's entry, as an embedder loads it), timed from before the import to after init()
// resolves, and the process's RSS then, beside the RSS of a process that imports nothing.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ColdStart { runs: number; ms: number[]; rssMiB: number[]; bareRssMiB: number }

const root = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;
const PROGRAM = `
const t0 = performance.now();
const { init } = await import('wasmgrad');
await init();
console.log(JSON.stringify({ ms: performance.now() - t0, rss: process.memoryUsage().rss }));
process.exit(0);`;
const BARE = `console.log(JSON.stringify({ rss: process.memoryUsage().rss }));`;

function node(program: string): { ms: number; rss: number } {
  // run from the repository root, where 'wasmgrad' resolves to this package's own entry
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export function coldStart(runs = 5): ColdStart {
  const bare = node(BARE);
  const samples = Array.from({ length: runs }, () => node(PROGRAM));
  return { runs, ms: samples.map((s) => s.ms), rssMiB: samples.map((s) => s.rss / MiB), bareRssMiB: bare.rss / MiB };
}

export function printColdStart(c: ColdStart): void {
  const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  console.log(`\ncold start (${c.runs} fresh processes): import 'wasmgrad' + init() ${range(c.ms, 0)} ms, ` +
    `RSS after init ${range(c.rssMiB, 1)} MiB (a Node process that imports nothing: ${c.bareRssMiB.toFixed(1)} MiB); target ≤ 100 ms, ≤ 50 MiB`);
}
