// GEMM register tiles (assembly/kernels/gemm_tiles.ts, bindings/gemm-tile.ts): every tile gives
// the same bits, in GEMM (all four transpose cases, edge sizes), conv2d and a CNN's training
// steps, on one thread and split over threads; the choice is reported and can be forced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, info, tidy, setNumThreads } from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { setGemmTile, gemmTileChoice, tileNames, runTimedProbe } from '../bindings/gemm-tile.js';
import { setParallelMinFlops } from '../bindings/threads.js';
import { kernelsProgram, trainingProgram, same } from './helpers/programs.js';

test.before(async () => {
  await init();
});

test('the generated tile kernels are up to date with scripts/gen-gemm-tiles.mjs', async () => {
  const gen = await import(new URL('../../scripts/gen-gemm-tiles.mjs', import.meta.url).href);
  assert.is(readFileSync(gen.target, 'utf8'), gen.source(), 'run `npm run build` to regenerate gemm_tiles.ts');
});

test('every GEMM tile gives the same bytes: GEMM, conv2d, pooling, and three Adam steps of a CNN', async () => {
  const names = tileNames(K());
  assert.ok(names.length >= 4 && names.includes('4x8') && names.includes('5x8'), names.join(', '));
  for (const threads of [1, 2]) {
    await setNumThreads(threads);
    setParallelMinFlops(threads > 1 ? 0 : 1 << 21);
    let ref: Uint8Array[] | null = null, refTraining: Uint8Array[] | null = null;
    for (const name of names) {
      setGemmTile(name);
      assert.is(info().gemmTile, name);
      const got = tidy(kernelsProgram), training = tidy(trainingProgram);
      if (!ref || !refTraining) {
        ref = got;
        refTraining = training;
        continue;
      }
      assert.ok(same(got, ref), `kernels with tile ${name} on ${threads} thread(s) match tile ${names[0]} bit for bit`);
      assert.ok(same(training, refTraining), `CNN training with tile ${name} on ${threads} thread(s) matches bit for bit`);
    }
  }
  setParallelMinFlops(1 << 21);
  setGemmTile('auto');
});

test('the tile choice is reported; a timed probe picks among the family candidates', () => {
  const choice = runTimedProbe(5);
  assert.ok(tileNames(K()).includes(choice.tile), choice.tile);
  assert.match(choice.reason, /host/);
  if (choice.probe.length) {
    assert.ok(choice.probe.every((p) => p.gflops > 0), JSON.stringify(choice.probe));
    assert.ok(choice.probe.some((p) => p.tile === choice.tile));
  }
  assert.is(info().gemmTile, gemmTileChoice().tile);
  assert.is(info().gemmTileReason, gemmTileChoice().reason);
});

test('forcing an unknown tile is refused with the list of tiles', () => {
  assert.throws(() => setGemmTile('3x3'), /'3x3' is not a GEMM tile: use one of 5x8, 4x8/);
  setGemmTile('2x16');
  assert.is(info().gemmTile, '2x16');
  assert.match(info().gemmTileReason, /forced/);
  setGemmTile('auto');
});

test.run();
