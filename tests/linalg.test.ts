/**
 * linalg beyond the PyTorch fixtures: the factorisations reproduce their input and their factors
 * are orthonormal on larger and rank-deficient matrices, results repeat bit for bit, and bad input
 * is refused naming the op and the shape.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { jsRandom } from './helpers/check.js';

const L = wg.linalg;
const test = suite('linalg');
test.before(async () => { await wg.init(); });

function randomMatrix(m: number, n: number, seed: number): number[][] {
  const r = jsRandom(seed);
  return Array.from({ length: m }, () => Array.from({ length: n }, () => r() * 2 - 1));
}

/** max |X − Y| over two row-major arrays. */
const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let w = 0;
  for (let i = 0; i < x.length; i++) w = Math.max(w, Math.abs(x[i] - y[i]));
  return w;
};
const eye = (n: number) => wg.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))));

test('eigh of a 50×50 covariance: V diag(λ) Vᵀ = A, VᵀV = I, λ ascending, same bits twice', () => {
  const x = wg.tensor(randomMatrix(200, 50, 7));
  const c = x.transpose(0, 1).matmul(x).div(200);
  const { eigenvalues: l, eigenvectors: v } = L.eigh(c);
  const lv = l.data();
  for (let i = 1; i < 50; i++) assert.ok(lv[i] >= lv[i - 1], 'ascending');
  const back = v.mul(l.unsqueeze(0)).matmul(v.transpose(0, 1));
  assert.ok(maxDiff(back.data(), c.data()) < 2e-6, `reconstruction ${maxDiff(back.data(), c.data())}`);
  assert.ok(maxDiff(v.transpose(0, 1).matmul(v).data(), eye(50).data()) < 2e-6, 'orthonormal');
  const again = L.eigh(c);
  assert.equal(Array.from(again.eigenvectors.data()), Array.from(v.data()), 'deterministic');
  // the sign convention: each column's largest-magnitude entry is positive
  const vv = v.data();
  for (let j = 0; j < 50; j++) {
    let best = 0;
    for (let i = 0; i < 50; i++) if (Math.abs(vv[i * 50 + j]) > Math.abs(best)) best = vv[i * 50 + j];
    assert.ok(best > 0, `column ${j} sign`);
  }
});

test('eigh with repeated eigenvalues (the identity and a rank-1 matrix) stays orthonormal', () => {
  const u = wg.tensor([[1], [2], [2]]).div(3);
  const a = eye(3).add(u.matmul(u.transpose(0, 1)).mul(5));
  const { eigenvalues: l, eigenvectors: v } = L.eigh(a);
  assert.ok(maxDiff(l.data(), [1, 1, 6]) < 1e-6, `eigenvalues ${l.data()}`);
  assert.ok(maxDiff(v.transpose(0, 1).matmul(v).data(), eye(3).data()) < 1e-6);
});

test('svd of a rank-deficient 40×30 matrix: U, Vh orthonormal, zero singular values, U S Vh = A', () => {
  const b = wg.tensor(randomMatrix(40, 5, 3)).matmul(wg.tensor(randomMatrix(5, 30, 4)));
  const { U, S, Vh } = L.svd(b);
  assert.equal(U.shape, [40, 30]); assert.equal(S.shape, [30]); assert.equal(Vh.shape, [30, 30]);
  const s = S.data();
  assert.ok(s[4] > 0.1 && s[5] < 1e-5, `rank 5: ${s.slice(3, 7)}`);
  assert.ok(maxDiff(U.transpose(0, 1).matmul(U).data(), eye(30).data()) < 2e-6, 'UᵀU = I');
  assert.ok(maxDiff(Vh.matmul(Vh.transpose(0, 1)).data(), eye(30).data()) < 2e-6, 'Vh Vhᵀ = I');
  assert.ok(maxDiff(U.mul(S.unsqueeze(0)).matmul(Vh).data(), b.data()) < 1e-5, 'reconstruction');
  // lstsq on it is the minimum-norm solution: pinv(A) b, and its rank is 5
  const y = wg.tensor(randomMatrix(40, 1, 9));
  const r = L.lstsq(b, y);
  assert.is(r.rank.item(), 5);
  assert.ok(maxDiff(r.solution.data(), L.pinv(b).matmul(y).data()) < 1e-5);
  assert.equal(r.residuals.shape, [0], 'no residuals for a rank-deficient A (as PyTorch)');
});

test('lstsq of a full-rank tall system: residuals are the squared norms of b − A x', () => {
  const a = wg.tensor(randomMatrix(8, 3, 11)), b = wg.tensor(randomMatrix(8, 2, 12));
  const { solution, residuals } = L.lstsq(a, b);
  const r = b.sub(a.matmul(solution)).square().sum(0);
  assert.ok(maxDiff(residuals.data(), r.data()) < 1e-5);
});

test('solve and inv agree, and A·inv(A) = I on a 30×30 system', () => {
  const a = wg.tensor(randomMatrix(30, 30, 5)).add(eye(30).mul(3));
  const b = wg.tensor(randomMatrix(30, 4, 6));
  assert.ok(maxDiff(L.solve(a, b).data(), L.inv(a).matmul(b).data()) < 1e-5);
  assert.ok(maxDiff(a.matmul(L.inv(a)).data(), eye(30).data()) < 1e-5);
});

const throws = (fn: () => unknown, ...parts: string[]) => {
  try { fn(); } catch (err) {
    const msg = (err as Error).message;
    for (const p of parts) assert.ok(msg.includes(p), `"${msg}" should mention "${p}"`);
    return;
  }
  assert.unreachable(`expected an error mentioning ${parts.join(', ')}`);
};

test('bad input names the op and the shape', () => {
  throws(() => L.eigh(wg.zeros([3, 4])), 'linalg.eigh:', 'square', '[3, 4]');
  throws(() => L.eigh(wg.zeros([4])), 'linalg.eigh:', 'matrix', '[4]');
  throws(() => L.eigh([[1]] as unknown as wg.Tensor), 'linalg.eigh: A must be a Tensor');
  throws(() => L.eigh(eye(2), 'X' as 'L'), 'linalg.eigh:', 'UPLO');
  throws(() => L.solve(wg.tensor([[1, 2], [2, 4]]), wg.tensor([1, 1])), 'linalg.solve:', '[2, 2]', 'singular');
  throws(() => L.solve(eye(3), wg.zeros([2, 1])), 'linalg.solve:', 'B of shape [2, 1]', 'A of shape [3, 3]');
  throws(() => L.solve(wg.zeros([2, 3, 3]).add(eye(3)), wg.zeros([3, 3, 1])), 'linalg.solve:', 'batch dims');
  throws(() => L.inv(wg.zeros([2, 2])), 'linalg.inv:', '[2, 2]', 'singular');
  throws(() => L.inv(wg.zeros([2, 3])), 'linalg.inv:', 'square', '[2, 3]');
  throws(() => L.svd(eye(2), true), 'linalg.svd:', 'fullMatrices');
  throws(() => L.eigh(wg.tensor([[1, NaN], [NaN, 1]])), 'linalg.eigh:', 'non-finite');
  throws(() => L.lstsq(eye(2), eye(2), { driver: 'gelsy' as 'gelsd' }), 'linalg.lstsq:', 'gelsy');
});

test.run();
