/**
 * The layers family against PyTorch 1.13 float64 (tests/fixtures/torch/layers.json, written by
 * scripts/fixtures_layers.py): each case's output and the gradients of sum(output · cotangent)
 * with respect to every input and parameter. Errors are measured against the size of each array
 * (max |engine − torch| / max |torch|); the worst per op is printed at the end.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as wg from '../bindings/index.js';
import type { Tensor } from '../bindings/index.js';

const F = wg.nn.functional;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Arr { shape: number[]; data: number[] }
interface Case {
  op: string;
  options: Record<string, unknown>;
  inputs: Record<string, Arr>;
  output: Arr;
  cotangent: Arr;
  grads: Record<string, Arr>;
  weights?: Arr;
  params?: Record<string, Arr>;
  forward?: Record<string, unknown>;
  selfAttention?: boolean;
  indices?: number[] | number[][];
}

const fixture = JSON.parse(readFileSync(join(root, 'tests', 'fixtures', 'torch', 'layers.json'), 'utf8')) as { cases: Case[] };
const test = suite('layers against PyTorch float64');
test.before(async () => { await wg.init(); });

const toTensor = (a: Arr, requiresGrad = false): Tensor => wg.tensor(Float32Array.from(a.data), { shape: a.shape, requiresGrad });

/** Worst error of each op (relative to each array's largest magnitude), for the closing table. */
const worst = new Map<string, { forward: number; grad: number }>();

function compare(label: string, what: 'forward' | 'grad', actual: Tensor | Float32Array, expected: Arr, tol: number): void {
  const a = actual instanceof Float32Array ? actual : actual.data();
  if (!(actual instanceof Float32Array)) assert.equal(actual.shape.slice(), expected.shape, `${label}: shape`);
  assert.is(a.length, expected.data.length, `${label}: length`);
  let scale = 0;
  for (const v of expected.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i];
    if (!Number.isFinite(e)) {
      assert.ok(Object.is(a[i], e) || (Number.isNaN(e) && Number.isNaN(a[i])), `${label}: element ${i} is ${a[i]}, expected ${e}`);
      continue;
    }
    err = Math.max(err, Math.abs(a[i] - e) / (scale || 1));
  }
  const op = label.split(' ')[0];
  const w = worst.get(op) ?? { forward: 0, grad: 0 };
  w[what] = Math.max(w[what], err);
  worst.set(op, w);
  assert.ok(err <= tol, `${label}: error ${err.toExponential(2)} (relative to the largest value ${scale.toExponential(2)}) > ${tol}`);
}

type Runner = (c: Case, xs: Record<string, Tensor>) => { out: Tensor; params?: Record<string, Tensor>; weights?: Tensor | null };

const runners: Record<string, Runner> = {
  erf: (_c, { x }) => ({ out: x.erf() }),
  gelu: (c, { x }) => ({ out: F.gelu(x, c.options as wg.nn.functional.GeluOptions) }),
  silu: (_c, { x }) => ({ out: F.silu(x) }),
  convTranspose2d: (c, { x, weight, bias }) => ({ out: F.convTranspose2d(x, weight, bias, c.options) }),
  layerNorm: (c, { x, weight, bias }) => ({ out: F.layerNorm(x, c.options.normalizedShape as number[], weight, bias) }),
  scaledDotProductAttention: (c, { q, k, v, attnMask }) => ({ out: F.scaledDotProductAttention(q, k, v, { ...c.options, attnMask }) }),
  interpolate: (c, { x }) => ({ out: F.interpolate(x, c.options) }),
  adaptiveAvgPool2d: (c, { x }) => ({ out: F.adaptiveAvgPool2d(x, c.options.outputSize as number[]) }),
  embedding: (c, { weight }) => ({ out: F.embedding(wg.tensor(c.indices!), weight, c.options) }),
  MultiheadAttention: (c, { query, key, value }) => {
    const o = c.options as { embedDim: number; numHeads: number; kdim: number | null; vdim: number | null; batchFirst: boolean };
    const m = new wg.nn.MultiheadAttention(o.embedDim, o.numHeads, { kdim: o.kdim ?? undefined, vdim: o.vdim ?? undefined, batchFirst: o.batchFirst });
    const sd: wg.nn.StateDict = {};
    for (const [name, a] of Object.entries(c.params!)) sd[name] = { data: Float32Array.from(a.data), shape: a.shape };
    m.loadStateDict(sd);
    const f = c.forward as { attnMask?: number[][]; keyPaddingMask?: boolean[][]; averageAttnWeights: boolean };
    const attnMask = f.attnMask ? wg.tensor(f.attnMask) : undefined;
    const [out, weights] = c.selfAttention
      ? m.forward(query, query, query, { ...f, attnMask })
      : m.forward(query, key, value, { ...f, attnMask });
    return { out, weights, params: Object.fromEntries(m.namedParameters()) };
  },
};

// Tolerances relative to each array's largest magnitude: float32 rounding of sums over the sizes here.
const FORWARD_TOL = 2e-6, GRAD_TOL = 2e-5;

fixture.cases.forEach((c, n) => {
  const label = `${c.op} ${JSON.stringify(c.options)} #${n}`;
  test(label, () => {
    const xs: Record<string, Tensor> = {};
    for (const [name, a] of Object.entries(c.inputs)) xs[name] = toTensor(a, true);
    const { out, params, weights } = runners[c.op](c, xs);
    compare(label, 'forward', out, c.output, FORWARD_TOL);
    if (c.weights) compare(`${label} weights`, 'forward', weights!, c.weights, FORWARD_TOL);
    out.mul(toTensor(c.cotangent)).sum().backward();
    for (const [name, g] of Object.entries(c.grads)) {
      const t = xs[name] ?? params?.[name];
      assert.ok(t?.grad, `${label}: ${name} got no gradient`);
      compare(`${label} d${name}`, 'grad', t!.grad!, g, GRAD_TOL);
    }
  });
});

test.after(() => {
  const rows = [...worst].map(([op, w]) => `  ${op.padEnd(26)} forward ${w.forward.toExponential(1)}   gradients ${w.grad.toExponential(1)}`);
  console.log(`\n  max error vs PyTorch float64 (relative to each array's largest value):\n${rows.join('\n')}`);
});

test.run();
