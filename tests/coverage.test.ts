/**
 * Every public op has its checks. The ops are derived from the package's exports (top level,
 * nn.functional, linalg, nn.utils, nn.init), not from a hand list; only what is not an op
 * (factories, modes, seeds) is listed below, each with its reason. A differentiable op needs a
 * PyTorch fixture case (ops-torch.test.ts) and a finite-difference check (checkOp); an op
 * without a gradient needs the fixture; a random op or in-place utility needs a 'stat' check.
 * The test files that register checks are imported here, so their registrations have run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { checksOf } from './helpers/coverage.js';
import './gradcheck.test.js';
import './ops-torch.test.js';
import './ops-gradcheck.test.js';
import './sampling.test.js';
import './layers-gradcheck.test.js';

/** Exports that are not ops, and why. */
const NOT_OPS: Record<string, string> = {
  init: 'loads the kernels', isInitialized: 'a query', info: 'a query', version: 'a string',
  setNumThreads: 'configuration', getNumThreads: 'a query', memoryInfo: 'a query',
  tensor: 'a factory', zeros: 'a factory', ones: 'a factory', full: 'a factory', zerosLike: 'a factory',
  onesLike: 'a factory', arange: 'a factory', linspace: 'a factory', isTensor: 'a type test',
  empty: 'a factory', emptyLike: 'a factory', fullLike: 'a factory',
  noGrad: 'a mode', tidy: 'a memory scope', grad: 'a transform over ops', valueAndGrad: 'a transform over ops',
  backward: 'autodiff itself', isGradEnabled: 'a query',
  manualSeed: 'seeds the generator', getRngState: 'generator state', setRngState: 'generator state',
  'nn.init.calculateGain': 'a number from a table', 'nn.init.calculateFanInAndFanOut': 'shape arithmetic',
};

/** Ops without a gradient (PyTorch gives none, or zero almost everywhere). */
const NO_GRADIENT: Record<string, string> = {
  gt: 'comparison', ge: 'comparison', lt: 'comparison', le: 'comparison', eq: 'comparison', ne: 'comparison',
  sign: 'zero almost everywhere', argmax: 'indices', argmin: 'indices', argsort: 'indices', oneHot: 'from labels',
};

/** Random ops and in-place utilities: checked by their distribution or effect ('stat'). */
const STAT_CHECKED = new Set(['rand', 'randn', 'randint', 'randperm', 'F.dropout', 'F.dropout2d']);

type Namespace = Record<string, unknown>;

/** [public name, function] for every function exported, each function once (first name wins). */
function publicOps(): [string, string[]][] {
  const seen = new Map<unknown, string[]>();
  const visit = (ns: Namespace, prefix: string) => {
    for (const [name, v] of Object.entries(ns)) {
      if (typeof v !== 'function' || /^[A-Z]/.test(name)) continue; // classes are layers, not ops
      const full = prefix + name;
      const names = seen.get(v);
      if (names) names.push(full);
      else seen.set(v, [full]);
    }
  };
  visit(wg as unknown as Namespace, '');
  visit(wg.nn.functional as unknown as Namespace, 'F.');
  const extra = wg as unknown as Record<string, Namespace | undefined>;
  if (extra.linalg) visit(extra.linalg, 'linalg.');
  const nn = wg.nn as unknown as Record<string, Namespace | undefined>;
  if (nn.utils) visit(nn.utils, 'nn.utils.');
  if (nn.init) visit(nn.init, 'nn.init.');
  return [...seen.values()].map((names) => [names[0], names]);
}

const test = suite('coverage');

test('every public op has a PyTorch fixture and a finite-difference check (or a stat check)', () => {
  const problems: string[] = [];
  for (const [name, names] of publicOps()) {
    if (names.some((n) => n in NOT_OPS)) continue;
    // a check may name the op without its namespace prefix (gradcheck's 'linear' for F.linear)
    const kinds = new Set(names.flatMap((n) => [...checksOf(n), ...checksOf(n.replace(/^(F|linalg|nn\.utils|nn\.init)\./, ''))]));
    if (names.some((n) => STAT_CHECKED.has(n) || n.startsWith('nn.init.')) || kinds.has('stat')) {
      if (!kinds.has('stat')) problems.push(`${name}: no distribution/effect check`);
      continue;
    }
    if (!kinds.has('torch')) problems.push(`${name}: no PyTorch fixture case`);
    if (!names.some((n) => n in NO_GRADIENT) && !kinds.has('fd')) problems.push(`${name}: no finite-difference gradient check`);
  }
  assert.equal(problems, [], `ops lacking checks:\n  ${problems.join('\n  ')}`);
});

test('the exclusion lists name real exports', () => {
  const all = new Set(publicOps().flatMap(([, names]) => names));
  for (const n of [...Object.keys(NOT_OPS), ...Object.keys(NO_GRADIENT), ...STAT_CHECKED]) {
    if (n === 'version') continue;
    assert.ok(all.has(n), `${n} is listed but not exported`);
  }
});

test.run();
