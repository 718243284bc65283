// Dropout masks from Philox-4×32-10 (assembly/kernels/random.ts): the generator matches the
// Random123 known-answer vectors, and a mask is the same however it is split over threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, manualSeed, ones, nn } from '../bindings/index.js';
import { K } from '../bindings/wasm.js';
import { alloc, free } from '../bindings/memory.js';

test.before(async () => { await init(); });

function philox(c: number[], k: number[]): string[] {
  const p = alloc(16);
  K().philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], p);
  const out = Array.from(new Uint32Array(K().memory.buffer, p, 4)).map((x) => x.toString(16).padStart(8, '0'));
  free(p, 16);
  return out;
}

test('Philox-4×32-10 matches the Random123 known-answer vectors', () => {
  assert.equal(philox([0, 0, 0, 0], [0, 0]), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  const ff = 0xffffffff;
  assert.equal(philox([ff, ff, ff, ff], [ff, ff]), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  assert.equal(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
    ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

test('a mask is the same bytes for any split into parts, and every element i follows word i % 4 of block i / 4', () => {
  const n = 1001, p = 0.3, keep = 1 / 0.7, k0 = 0x12345678, k1 = 0x9abcdef0;
  const a = alloc(4 * n), b = alloc(4 * n);
  K().philoxBernoulliMask(a, 0, n, p, keep, k0, k1);
  for (const [lo, hi] of [[0, 3], [3, 17], [17, 500], [500, 999], [999, 1001]]) K().philoxBernoulliMask(b, lo, hi, p, keep, k0, k1);
  const ma = new Float32Array(K().memory.buffer, a, n).slice(), mb = new Float32Array(K().memory.buffer, b, n).slice();
  assert.equal(Array.from(mb), Array.from(ma));
  // every element (the kernel makes 16 at a time in SIMD lanes between scalar head and tail)
  for (let i = 0; i < n; i++) {
    const word = parseInt(philox([i >>> 2, 0, 0, 0], [k0, k1])[i & 3], 16);
    const unit = Math.fround((word >>> 8) / 16777216);
    assert.is(ma[i], unit < p ? 0 : Math.fround(keep), `element ${i}`);
  }
  const zeros = ma.filter((v) => v === 0).length / n;
  assert.ok(Math.abs(zeros - p) < 0.05, `about 30 % dropped (${zeros})`);
  free(a, 4 * n);
  free(b, 4 * n);
});

test('dropout: the same seed gives the same mask; the stream moves two words per mask', () => {
  const drop = (size: number) => {
    manualSeed(3);
    const y = nn.functional.dropout(ones([size]), 0.5, true).data();
    return [Array.from(y.slice(0, 8)), nn.functional.dropout(ones([4]), 0.5, true).data()];
  };
  const [m1, next1] = drop(100), [m2, next2] = drop(100000);
  assert.equal(m1, m2, 'the first elements do not depend on the mask size');
  assert.equal(Array.from(next1), Array.from(next2), 'nor does the next mask: each mask takes two words of the stream');
});

test.run();
