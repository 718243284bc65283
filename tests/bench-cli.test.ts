// `wasmgrad bench` (cli/commands/bench.ts): runs from the package alone and reports the peak, the
// tiles, each kernel family on 1 and n threads, relaxed SIMD or why not, and a training step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../cli/main.js';

function sink() {
  let text = '';
  return { write: (s: string) => { text += s; return true; }, get text() { return text; } };
}

test('wasmgrad bench --quick --json reports the host, the tile, every family and the training step', async () => {
  const out = sink(), err = sink();
  const code = await main(['node', 'wasmgrad', 'bench', '--quick', '--json', '--threads', '2'], { out, err });
  assert.is(code, 0, err.text);
  const r = JSON.parse(out.text);
  assert.type(r.cpu, 'string');
  assert.match(r.runtime, /Node/);
  assert.ok(r.peakGflops > 0);
  assert.ok(r.gemmTile.all.length >= 4 && r.gemmTile.all.some((t: { tile: string }) => t.tile === r.gemmTile.chosen));
  assert.match(r.gemmTile.reason, /host/);
  assert.equal([...new Set(r.rows.map((x: { family: string }) => x.family))], ['gemm', 'conv2d', 'pool', 'elementwise']);
  assert.ok(r.rows.every((x: { gflops1: number; gflopsN: number }) => x.gflops1 > 0 && x.gflopsN > 0));
  assert.ok(r.trainingStep.ms1 > 0 && r.trainingStep.msN > 0 && r.trainingStep.threads === 2);
  assert.type(r.relaxedSimd.available, 'boolean');
  if (!r.relaxedSimd.available) assert.match(r.relaxedSimd.why, /relaxed/);
});

test('wasmgrad bench: a bad --threads is a usage error', async () => {
  const out = sink(), err = sink();
  const code = await main(['node', 'wasmgrad', 'bench', '--threads', '0'], { out, err });
  assert.is(code, 2);
  assert.match(err.text, /--threads.*expected a positive integer/);
});

test.run();
