/** The typed kernel boundary: the generated declarations match the compiled module. */
import { suite } from 'uvu';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

// Kernels get every buffer from the caller: a kernel that allocates (`new` of a class, an array, a
// string) would bump the stub runtime's heap pointer into memory that bindings/memory.ts hands out,
// and corrupt tensors after some calls (a Winograd draft did so with a small layout object).
test('no kernel allocates on the module\'s own heap: the built modules contain no allocator', () => {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const file of ['wasmgrad.wat', 'wasmgrad-mt.wat']) {
    const text = readFileSync(join(dist, file), 'utf8');
    assert.ok(text.includes('(func $assembly/kernels/gemm/gemm'), `${file} is the named text of the module`);
    const allocator = text.match(/\$~lib\/rt\/[\w/]*(__new|__alloc|__renew)\b/);
    assert.is(allocator, null, `${file} calls ${allocator?.[0]}`);
  }
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
