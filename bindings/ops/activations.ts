/**
 * erf, GELU (exact and 'tanh') and SiLU: one kernel pass forward, one backward, each computed in
 * float64 lanes and rounded once. Kernels: assembly/kernels/activations.ts.
 */
import { Tensor } from '../tensor.js';
import { GradNode, needsGrad, attach } from '../autograd.js';
import { K } from '../wasm.js';
import { Act } from '../abi.generated.js';
import { splitItems, threadsFor } from '../threads.js';
import { bindArgs, oneOf, show, unsupported } from '../args.js';

// ~60 float64 operations per element: worth a thread split from a few tens of thousands of
// elements. Runs of 16 keep every element on the same (vector) path whatever the split.
const WORK_PER_ELEMENT = 64;

function run(code: number, x: number, y: number, n: number): void {
  if (threadsFor(WORK_PER_ELEMENT * n) > 1) {
    splitItems('activation', n, WORK_PER_ELEMENT * n, 16, (lo, hi) => [code, x + 4 * lo, y + 4 * lo, hi - lo]);
  } else {
    K().activation(code, x, y, n);
  }
}

function runBackward(code: number, x: number, dy: number, dx: number, n: number): void {
  if (threadsFor(WORK_PER_ELEMENT * n) > 1) {
    splitItems('activationBackward', n, WORK_PER_ELEMENT * n, 16, (lo, hi) => [code, x + 4 * lo, dy + 4 * lo, dx + 4 * lo, hi - lo]);
  } else {
    K().activationBackward(code, x, dy, dx, n);
  }
}

function activation(code: number, op: string, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor, got ${show(x)}`);
  const out = Tensor._like(x, op);
  run(code, x.ptr, out.ptr, x.size);
  if (!needsGrad(x)) return out;
  return attach(out, new GradNode(op, [x], activationRule, null, code));
}

/** dx = dy·f'(x), from the saved input (node.n0: the op code). */
function activationRule(g: Tensor, node: GradNode): (Tensor | null)[] {
  const x = node.inputs[0];
  const dx = Tensor._like(x, `${node.op} backward`);
  runBackward(node.n0, x.ptr, g.ptr, dx.ptr, x.size);
  return [dx];
}

/** The error function, elementwise. */
export const erf = (x: Tensor): Tensor => activation(Act.ERF, 'erf', x);

/**
 * Options of `gelu`.
 *
 * PyTorch: `F.gelu(x, approximate=)`.
 * @example gelu(x, { approximate: 'tanh' })
 */
export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with the exact normal CDF; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * GELU(x) = x·Φ(x), or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) with approximate 'tanh':
 * gelu(x, 'tanh') or gelu(x, { approximate: 'tanh' }) (PyTorch's F.gelu(input, approximate)).
 */
export function gelu(x: Tensor, ...args: ('none' | 'tanh' | GeluOptions | undefined)[]): Tensor {
  const approximate = oneOf('gelu', 'approximate', bindArgs('gelu', args, ['approximate']).approximate, ['none', 'tanh'], 'none');
  return activation(approximate === 'tanh' ? Act.GELU_TANH : Act.GELU, 'gelu', x);
}

/** SiLU (swish): x·σ(x). PyTorch's inplace=true is refused (ops return new tensors), never silently ignored. */
export function silu(x: Tensor, inplace = false): Tensor {
  unsupported('silu', 'inplace', inplace, false, 'ops return new tensors; write y = silu(x)');
  return activation(Act.SILU, 'silu', x);
}
