/** The typed kernel boundary: the generated declarations match the compiled module. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { KERNEL_ARITY, Bin, Un, type KernelName } from '../bindings/abi.generated.js';

const test = suite('abi');
test.before(async () => { await init({ threads: 1 }); });

test('every declared kernel is exported with the declared argument count', () => {
  const k = K() as unknown as Record<string, unknown>;
  const names = Object.keys(KERNEL_ARITY) as KernelName[];
  assert.ok(names.length > 40, `${names.length} kernels declared`);
  for (const name of names) {
    assert.type(k[name], 'function', name);
    assert.is((k[name] as (...a: number[]) => unknown).length, KERNEL_ARITY[name], `${name}'s parameter count`);
  }
  const exported = Object.keys(k).filter((n) => typeof k[n] === 'function' && n !== '_initialize').sort();
  assert.equal(exported, [...names].sort(), 'no kernel is exported without a declaration');
});

test('op codes come from assembly/abi.ts; GEMM tile sizes from the module (chosen at run time)', () => {
  assert.is(Bin.ADD, 0);
  assert.is(Un.NEG, 0);
  const id = K().gemmTile();
  assert.ok(K().gemmTileRows(id) > 0 && K().gemmTileCols(id) % 4 === 0);
});

// Compile-time checks: if the Kernels interface regained an index signature or lost its
// parameter lists, these directives would be unused and `tsc` would fail the build.
export function typeChecks(): void {
  // @ts-expect-error a misspelt kernel is not a property of Kernels
  K().gemmm(0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1);
  // @ts-expect-error a kernel called with too few arguments
  K().fill(0, 1);
  // @ts-expect-error the optimiser kernels are typed like the rest
  K().sgdStep(0, 0, 0, 1, 0.1);
}

test.run();
