/**
 * einsum: Einstein summation over any number of operands, with PyTorch's equation syntax
 * ('bij,bjk->bik', implicit output 'ij,jk', '...' for broadcast leading dims). Each pair of
 * operands (left to right) becomes one batched matrix product: labels shared and still needed
 * are batch dims, labels shared and no longer needed are contracted, the rest are the rows and
 * columns; labels only one operand has and nothing needs are summed first. So the work runs on
 * the GEMM kernel and the gradient is matmul's, permute's and sum's.
 * Not supported (a clear error): a label repeated inside one operand (diagonals such as 'ii->i').
 */
import { Tensor } from '../tensor.js';
import { fmt, sizeOf } from '../shape.js';
import { matmul } from './matmul.js';
import { permute, reshape } from './movement.js';
import { expand } from './shaping.js';

interface Term { labels: string[]; t: Tensor }

const ELL = '.'; // ellipsis dims get labels '.0', '.1', ... counted from the right

function parse(equation: string, operands: Tensor[]): { inputs: string[][]; output: string[] } {
  if (typeof equation !== 'string') throw new TypeError(`einsum: the equation must be a string, got ${typeof equation}`);
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs, more] = eq.split('->');
  if (more !== undefined) throw new RangeError(`einsum: '${equation}' has more than one '->'`);
  const specs = lhs.split(',');
  if (specs.length !== operands.length) {
    throw new RangeError(`einsum: '${equation}' has ${specs.length} operand subscript(s) but ${operands.length} tensor(s) were given`);
  }
  const ellDims = Math.max(0, ...specs.map((s, i) => (s.includes('...') ? operands[i].ndim - (s.length - 3) : 0)));
  const labelsOf = (s: string, where: string, ndim: number | null): string[] => {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(s)) throw new RangeError(`einsum: invalid subscripts '${s}' in ${where} of '${equation}' (letters and at most one '...')`);
    const [pre, post] = s.includes('...') ? s.split('...') : [s, null];
    if (post === null) return [...pre];
    const n = ndim === null ? ellDims : ndim - pre.length - post.length;
    if (n < 0) throw new RangeError(`einsum: ${where} has more subscripts than dims in '${equation}'`);
    return [...pre, ...Array.from({ length: n }, (_, k) => `${ELL}${n - 1 - k}`), ...post];
  };
  const inputs = specs.map((s, i) => {
    const t = operands[i];
    const labels = labelsOf(s, `operand ${i}`, t.ndim);
    if (labels.length !== t.ndim) {
      throw new RangeError(`einsum: operand ${i} has ${t.ndim} dims (shape ${fmt(t.shape)}) but subscripts '${s}' name ${labels.length}`);
    }
    const seen = new Set<string>();
    for (const l of labels) {
      if (seen.has(l)) {
        throw new RangeError(`einsum: subscript '${l}' is repeated in operand ${i} ('${s}' of '${equation}'): taking a diagonal is not supported; take it first (e.g. with a mask and sum)`);
      }
      seen.add(l);
    }
    return labels;
  });
  let output: string[];
  if (rhs === undefined) {
    // implicit output: the ellipsis dims, then the letters that appear once, in alphabetical order
    const count = new Map<string, number>();
    inputs.flat().forEach((l) => count.set(l, (count.get(l) ?? 0) + 1));
    const ell = [...count.keys()].filter((l) => l.startsWith(ELL)).sort().reverse();
    output = [...ell, ...[...count.keys()].filter((l) => !l.startsWith(ELL) && count.get(l) === 1).sort()];
  } else {
    output = labelsOf(rhs, 'the output', null);
    const all = new Set(inputs.flat());
    const seen = new Set<string>();
    for (const l of output) {
      if (!all.has(l)) throw new RangeError(`einsum: output subscript '${l}' of '${equation}' appears in no operand`);
      if (seen.has(l)) throw new RangeError(`einsum: output subscript '${l}' is repeated in '${equation}'`);
      seen.add(l);
    }
  }
  return { inputs, output };
}

/** Sizes per label; equal for letters, broadcast (1 or equal) for ellipsis dims. */
function labelSizes(terms: Term[], equation: string): Map<string, number> {
  const size = new Map<string, number>();
  terms.forEach((term, i) => term.labels.forEach((l, d) => {
    const s = term.t.shape[d], have = size.get(l);
    if (have === undefined || have === 1) size.set(l, s);
    else if (s !== have && !(l.startsWith(ELL) && s === 1)) {
      const name = l.startsWith(ELL) ? 'an ellipsis dim' : `subscript '${l}'`;
      throw new RangeError(`einsum: ${name} has size ${s} in operand ${i} (shape ${fmt(term.t.shape)}) but size ${have} elsewhere in '${equation}'`);
    }
  }));
  return size;
}

/** Sums out the labels of `term` that are not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const axes = term.labels.map((l, d) => (keep.has(l) ? -1 : d)).filter((d) => d >= 0);
  if (axes.length === 0) return term;
  return { labels: term.labels.filter((l) => keep.has(l)), t: term.t.sum(axes) };
}

/** term's tensor with its dims in `order` and broadcast ellipsis dims expanded to full size. */
function arrange(term: Term, order: string[], size: Map<string, number>): Tensor {
  const perm = order.map((l) => term.labels.indexOf(l));
  let t = perm.every((p, i) => p === i) ? term.t : permute(term.t, perm);
  const want = order.map((l) => size.get(l)!);
  if (want.some((s, i) => s !== t.shape[i])) t = expand(t, want);
  return t;
}

/** One pairwise contraction as a batched matrix product. */
function contract(a: Term, b: Term, keep: Set<string>, size: Map<string, number>): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const rows = a.labels.filter((l) => !inB.has(l));
  const cols = b.labels.filter((l) => !inA.has(l));
  const n = (ls: string[]) => sizeOf(ls.map((l) => size.get(l)!));
  const A = reshape(arrange(a, [...batch, ...rows, ...summed], size), [n(batch), n(rows), n(summed)]);
  const B = reshape(arrange(b, [...batch, ...summed, ...cols], size), [n(batch), n(summed), n(cols)]);
  const labels = [...batch, ...rows, ...cols];
  return { labels, t: reshape(matmul(A, B), labels.map((l) => size.get(l)!)) };
}

/**
 * torch.einsum(equation, ...operands), e.g. einsum('bhqd,bhkd->bhqk', q, k) or
 * einsum('bi,ij,bj->b', v, W, h). Operands may also be passed as one array.
 */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const ts = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  if (ts.length === 0) throw new RangeError('einsum: at least one operand is needed');
  ts.forEach((t, i) => { if (!(t instanceof Tensor)) throw new TypeError(`einsum: operand ${i} is not a Tensor`); });
  const { inputs, output } = parse(equation, ts);
  let terms: Term[] = inputs.map((labels, i) => ({ labels, t: ts[i] }));
  const size = labelSizes(terms, equation);
  const needed = (from: number): Set<string> => new Set([...output, ...terms.slice(from).flatMap((t) => t.labels)]);
  // labels no other operand and not the output needs are summed out first
  terms = terms.map((term, i) => sumOut(term, new Set([...output, ...terms.filter((_, j) => j !== i).flatMap((t) => t.labels)])));
  let acc = terms[0];
  for (let i = 1; i < terms.length; i++) {
    const keep = needed(i + 1);
    const b = sumOut(terms[i], new Set([...keep, ...acc.labels]));
    acc = contract(sumOut(acc, new Set([...keep, ...b.labels])), b, keep, size);
  }
  acc = sumOut(acc, new Set(output));
  return arrange(acc, output, size);
}
