/**
 * Property-based tests (fast-check) of the public API: random shapes, broadcasts, dims and
 * arguments, valid and invalid. Valid input: the result equals a float64 JavaScript reference
 * within tolerance (and gradients equal finite differences); invalid input: a TypeError or
 * RangeError whose message names the op; never a wasm trap or NaN from finite input. The seed is
 * fixed (FC_SEED=n and FC_RUNS=k hunt further by hand). The last test checks that every public
 * name — derived from the exports, so new ops are seen — has a property or is listed below with
 * the reason it has none.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as wg from '../bindings/index.js';
import { props, SEED } from './properties/harness.js';
import './properties/elementwise.js';
import './properties/reduce.js';
import './properties/shape.js';
import './properties/nn.js';
import './properties/api.js';
import './properties/select.js';
import './properties/stats.js';
import './properties/shaping.js';
import './properties/indexing.js';
import './properties/contract.js';
import './properties/sampling.js';
import './properties/resample.js';
import './properties/linalg.js';
import './properties/utils.js';

const test = suite('properties');
// uvu imports every test file before it runs any: the clock starts when this suite does.
let started = 0;
test.before(async () => { await wg.init(); started = Date.now(); });

for (const p of props) {
  test(`${p.name} [seed ${SEED}]`, () => { p.run(); });
}

/** Public names that are not ops or take no arguments worth generating, and why. */
const NOT_OPS: Record<string, string> = {
  init: 'loads the kernels (every test calls it)', isInitialized: 'a query', info: 'a query without arguments',
  getNumThreads: 'a query', memoryInfo: 'a query', isTensor: 'a type test (x instanceof Tensor)',
  noGrad: 'a mode around a callback', tidy: 'a memory scope around a callback', isGradEnabled: 'a query',
  getRngState: 'returns the state setRngState checks', Tensor: 'the class (its methods are listed one by one)',
  'Tensor.toString': 'text', 'Tensor.toArray': 'a read-back (data() is compared everywhere)', 'Tensor.data': 'the read-back every property uses',
  'Tensor.item': 'a read-back', 'Tensor.keep': 'memory (tests/memory*.test.ts)', 'Tensor.dispose': 'memory (tests/memory*.test.ts)',
  'Tensor.detach': 'a view without a graph', 'Tensor.requiresGrad_': 'a flag', 'Tensor.backward': 'autodiff itself (every gradient property calls it)',
  'data.readBytes': 'an async file/URL reader (tests/data.test.ts)', 'data.gunzip': 'async decompression (tests/data.test.ts)',
  'data.parseIdx': 'async parseIdxRaw (whose property runs on random bytes)', 'data.readIdxFile': 'an async file reader (tests/data.test.ts)',
  'data.readCsvFile': 'an async file reader (tests/data.test.ts)', 'data.loadMnist': 'reads MNIST files (tests/data.test.ts)',
  'data.mnistDataset': 'reads MNIST files (tests/loader.test.ts)', 'train.saveCheckpoint': 'writes a file (tests/checkpoint.test.ts)',
  'train.loadCheckpoint': 'reads a file (tests/checkpoint.test.ts)',
  'Tensor.numel': 'a query (size)', 'Tensor.dim': 'a query (ndim)', 'Tensor.tolist': 'toArray()',
  'Tensor.float': 'returns this (PyTorch habit; tests/pytorch-args.test.ts)', 'Tensor.contiguous': 'returns this (PyTorch habit)', 'Tensor.cpu': 'returns this (PyTorch habit)',
  'Tensor.to': 'returns this or refuses (tests/pytorch-args.test.ts)', 'Tensor.cuda': 'always refuses (tests/pytorch-args.test.ts)', 'Tensor.numpy': 'always refuses',
  'Tensor.long': 'always refuses', 'Tensor.int': 'always refuses', 'Tensor.double': 'always refuses', 'Tensor.half': 'always refuses', 'Tensor.bool': 'always refuses',
  'Tensor._view': 'internal', 'Tensor._read': 'internal', 'Tensor._toArray': 'internal',
};

/**
 * Ops that exist (or are about to land) without a property of their own yet, and why. Each is
 * checked elsewhere (gradcheck, PyTorch fixtures); a property here is still owed.
 */
const PENDING: Record<string, string> = {
  'Tensor.select': 'slice + squeeze; tests/pytorch-args.test.ts (values, gradient, errors)', 'Tensor.narrow': 'a slice; tests/pytorch-args.test.ts',
  'Tensor.t': 'a transpose; tests/pytorch-args.test.ts',
  valueAndGrad: 'a transform; tests/engine.test.ts', grad: 'a transform; tests/engine.test.ts', backward: 'autodiff itself',
};

/**
 * Ops that landed without a property of their own (checked against PyTorch fixtures and finite
 * differences elsewhere), by public name without the Tensor./F. prefix: a property is owed.
 */
const UPCOMING = new Set<string>([]);

type Namespace = Record<string, unknown>;

/** Every public function and class by its public names (one entry per function object, with all its names). */
function publicNames(): string[][] {
  const byFn = new Map<unknown, string[]>();
  const add = (name: string, v: unknown) => {
    const names = byFn.get(v);
    if (names) names.push(name);
    else byFn.set(v, [name]);
  };
  const visit = (ns: Namespace, prefix: string, keep: (name: string) => boolean = () => true) => {
    for (const [name, v] of Object.entries(ns)) if (typeof v === 'function' && keep(name)) add(prefix + name, v);
  };
  visit(wg as unknown as Namespace, '');
  visit(wg.nn.functional as unknown as Namespace, 'F.');
  visit(wg.nn as unknown as Namespace, 'nn.', (n) => /^[A-Z]/.test(n));
  visit(wg.nn.init as unknown as Namespace, 'nn.init.');
  visit(wg.optim as unknown as Namespace, 'optim.');
  visit(wg.linalg as unknown as Namespace, 'linalg.');
  visit(wg.nn.utils as unknown as Namespace, 'nn.utils.');
  visit(wg.data as unknown as Namespace, 'data.');
  visit(wg.train as unknown as Namespace, 'train.');
  for (const m of Object.getOwnPropertyNames(wg.Tensor.prototype)) {
    const d = Object.getOwnPropertyDescriptor(wg.Tensor.prototype, m)!;
    if (m !== 'constructor' && typeof d.value === 'function') add(`Tensor.${m}`, d.value);
  }
  return [...byFn.values()];
}

test('every public name has a property, or is listed with the reason it has none', () => {
  const covered = new Set(props.flatMap((p) => p.covers));
  const groups = publicNames();
  const ok = (n: string) => covered.has(n) || n in NOT_OPS || n in PENDING || UPCOMING.has(n.replace(/^(Tensor|F)\./, ''));
  const missing = groups.filter((names) => !names.some(ok)).map((names) => names.join(' = '));
  assert.equal(missing, [], `public names without a property test: ${missing.join(', ')}\n`
    + 'Add a property in tests/properties/*.ts (prop(name, ...)), or list the name in NOT_OPS or PENDING in tests/properties.test.ts with the reason.');
  const all = new Set(groups.flat());
  const stale = [...Object.keys(NOT_OPS), ...Object.keys(PENDING), ...covered].filter((n) => !all.has(n));
  assert.equal(stale, [], `listed or covered names that are not public (renamed?): ${stale.join(', ')}`);
});

test('the whole property suite stays within its time budget', () => {
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 60, `properties took ${seconds.toFixed(1)} s; the budget is 60 s`);
});

test.run();
