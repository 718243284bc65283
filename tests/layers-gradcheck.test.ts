/**
 * The layers family (issue 13): each op's forward against a float64 reference and its gradient
 * against float64 finite differences (checkOp), plus the accuracy of the float64-lane kernels.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { checkOp, OpCase, jsRandom } from './helpers/check.js';
import { Nd } from './helpers/ref.js';
import { erfRef, geluRef, geluTanhRef, siluRef } from './helpers/ref-layers.js';

const F = wg.nn.functional;
const test = suite('layers: gradient checks');
test.before(async () => { await wg.init(); });

const add = (c: OpCase) => test(`${c.name} ${JSON.stringify(c.shapes)}`, () => checkOp(c));

// ---- erf, GELU, SiLU ----
const activations: [string, (a: wg.Tensor) => wg.Tensor, (v: number) => number, [number, number]][] = [
  ['erf', (a) => a.erf(), erfRef, [-3, 3]],
  ['gelu', (a) => F.gelu(a), geluRef, [-4, 4]],
  ["gelu approximate='tanh'", (a) => F.gelu(a, { approximate: 'tanh' }), geluTanhRef, [-4, 4]],
  ['silu', (a) => F.silu(a), siluRef, [-6, 6]],
];
for (const [name, e, r, range] of activations) {
  for (const shape of [[1], [3], [4], [7], [2, 9], [33]]) {
    add({ name, shapes: [shape], range, engine: ([a]) => e(a), ref: ([a]) => a.map(r) });
  }
}

test('erf, gelu, silu: within one float32 ulp of float64 over [-12, 12], including the tails', () => {
  const n = 24001;
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.fround(-12 + (24 * i) / (n - 1));
  const x = wg.tensor(xs);
  for (const [name, e, r] of activations) {
    const y = e(x).data();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = r(xs[i]);
      const ulp = Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      worst = Math.max(worst, Math.abs(y[i] - want) / ulp);
    }
    assert.ok(worst <= 1, `${name}: worst error ${worst.toFixed(2)} ulp`);
  }
});

test('activations: the tail of a length that is not a multiple of 4 gives the same bits as the body', () => {
  const rnd = jsRandom(5);
  const v = Float32Array.from({ length: 8 }, () => 4 * rnd() - 2);
  const whole = wg.tensor(v);
  for (const [name, e] of activations) {
    const all = e(whole).data();
    for (let m = 1; m <= 7; m++) {
      const part = e(wg.tensor(v.slice(8 - m))).data();
      for (let i = 0; i < m; i++) assert.is(part[i], all[8 - m + i], `${name}: element ${i} of a length-${m} tensor`);
    }
  }
});

test('gelu: approximate must be none or tanh', () => {
  assert.throws(() => F.gelu(wg.ones([2]), { approximate: 'erf' as 'none' }), /gelu: approximate must be 'none' or 'tanh', got "erf"/);
  assert.throws(() => new wg.nn.GELU({ approximate: 'fast' as 'none' }), /GELU: approximate/);
});

export { Nd };
test.run();
