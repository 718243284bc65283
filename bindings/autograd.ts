/**
 * Reverse-mode autodiff on a tape of nodes. Each op that sees an input requiring gradients
 * attaches a node to its output: the inputs, and a backward rule that maps the output's gradient
 * to the inputs' gradients (written next to the op's forward, in ops/). backward() orders the
 * graph iteratively (no recursion: long tapes would overflow the JS stack), runs the rules in
 * reverse, and accumulates into the leaves' `.grad`, summing over fan-out.
 */
import { Tensor } from './tensor.js';
import { Handle, endStep, scoped, release, newMark, leafGotGradient } from './memory.js';
import { fmt } from './shape.js';
import { K } from './wasm.js';

/** A gradient rule: the gradients w.r.t. node.inputs (null where an input needs none). */
export type GradRule = (gradOutput: Tensor, node: GradNode) => (Tensor | null)[];

/**
 * One recorded op. The rule is a plain function, usually shared by every node of an op; what it
 * needs besides the inputs and `out` (the tensor the node is attached to) is saved in the slots
 * `saved`, n0, n1 and n2, so recording an op makes no closure. record() takes a closure rule too
 * (it ignores the node argument).
 */
export class GradNode {
  /** Set once backward has run through this node (its saved tensors are dropped then). */
  consumed = false;
  out: Tensor | null = null;
  constructor(
    readonly op: string,
    public inputs: Tensor[],
    public rule: GradRule,
    public saved: unknown = null,
    public n0 = 0,
    public n1 = 0,
    public n2 = 0,
  ) {}

  /** Gradients w.r.t. each input (null where an input needs none). */
  backward(gradOutput: Tensor): (Tensor | null)[] {
    return this.rule(gradOutput, this);
  }
}

const NO_INPUTS: Tensor[] = [];
function consumedRule(): (Tensor | null)[] {
  return [];
}

let gradEnabled = true;

/**
 * False inside `noGrad()`: ops then record no gradient.
 *
 * PyTorch: `torch.is_grad_enabled`.
 * @example noGrad(() => isGradEnabled())   // false
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Attaches a gradient rule to `out` if gradients are on and any input needs one. */
export function record(out: Tensor, op: string, inputs: Tensor[], backward: (gradOutput: Tensor) => (Tensor | null)[]): Tensor {
  if (!gradEnabled) return out;
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].requiresGrad) {
      return attach(out, new GradNode(op, inputs, backward));
    }
  }
  return out;
}

/** Whether an op with this input would record a node (gradients on and x requires one). */
export function needsGrad(x: Tensor): boolean {
  return gradEnabled && x.requiresGrad;
}

/** Whether an op with these inputs would record a node. */
export function needsGrad2(x: Tensor, y: Tensor): boolean {
  return gradEnabled && (x.requiresGrad || y.requiresGrad);
}

/** Attaches a node made by the op itself (after needsGrad said so); returns out. */
export function attach(out: Tensor, node: GradNode): Tensor {
  out.requiresGrad = true;
  out._node = node;
  node.out = out;
  return out;
}

/** Marks every tensor reachable inside a value (a tensor, array or plain object of them). */
function markTensors(value: unknown, mark: number): void {
  if (value instanceof Tensor) {
    value._h.mark = mark;
    if (value.grad) value.grad._h.mark = mark;
  } else if (Array.isArray(value)) {
    for (const v of value) markTensors(v, mark);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) markTensors(v, mark);
  }
}

/** keepOf for scoped(): keeps the tensors a callback returns. */
function keepReturned(result: unknown): number {
  const mark = newMark();
  markTensors(result, mark);
  return mark;
}

/**
 * Runs fn without recording gradients, then reclaims the temporaries made inside fn that it
 * does not return (so evaluation loops stay flat in memory).
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return scoped(fn, keepReturned, 'it was made inside a noGrad() callback that did not return it');
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn and reclaims the temporaries made inside it that it does not return (gradients stay on). */
export function tidy<T>(fn: () => T): T {
  return scoped(fn, keepReturned, 'it was made inside a tidy() callback that did not return it');
}

/** Runs fn with gradients recording switched on or off, reclaiming nothing. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

// The visit marks of topoOrder: a tensor is visited in this pass iff its _visit equals visitGen.
let visitGen = 0;
const stackT: Tensor[] = [];
const stackI: number[] = [];

/** Topological order of the tensors requiring gradients that lead to root (iterative DFS). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const gen = ++visitGen;
  const base = stackT.length; // not 0 if a gradient rule ever runs backward() itself
  stackT.push(root);
  stackI.push(0);
  root._visit = gen;
  while (stackT.length > base) {
    const top = stackT.length - 1;
    const t = stackT[top];
    const node = t._node;
    const i = stackI[top];
    if (node !== null && i < node.inputs.length) {
      stackI[top] = i + 1;
      const x = node.inputs[i];
      if (x.requiresGrad && x._visit !== gen) {
        x._visit = gen;
        stackT.push(x);
        stackI.push(0);
      }
    } else {
      stackT.pop();
      stackI.pop();
      order.push(t);
    }
  }
  return order;
}

/** Adds g into the leaf's .grad (allocating it on first use, with the leaf's lifetime). */
function accumulateLeafGrad(leaf: Tensor, g: Tensor, keep: Handle[]): void {
  if (leaf.grad && !leaf.grad.isDisposed) {
    const gp = leaf.grad.ptr;
    K().binary(0, gp, g.ptr, gp, 1, 1, 1, leaf.size, 0, 0, 0, 1, 0, 0, 0, 1);
    return;
  }
  const own = Tensor._empty(leaf.shape, 'grad');
  leafGotGradient(leaf, leaf._h, own, own._h);
  K().copyBytes(g.ptr, own.ptr, leaf.size * 4);
  keep.push(own._h);
  leaf.grad = own;
}

/**
 * Backpropagates from `root` (a one-element tensor, or any shape with `gradient` given),
 * accumulating into the leaves' `.grad`. Ends a step: see memory.ts for what is reclaimed.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require gradients (no input had requiresGrad: true, or it was computed inside noGrad())');
  }
  if (root._node?.consumed) {
    throw new Error(`backward: the graph behind this tensor (made by ${root._op}) was already used by an earlier backward(); recompute the forward pass`);
  }
  if (gradient === undefined && root.size !== 1) {
    throw new RangeError(`backward: gradient can be implicit only for a one-element tensor; this one has shape ${fmt(root.shape)}; pass a gradient`);
  }
  if (gradient !== undefined && gradient.size !== root.size) {
    throw new RangeError(`backward: gradient shape ${fmt(gradient.shape)} does not match the tensor's shape ${fmt(root.shape)}`);
  }
  const order = topoOrder(root);
  const prev = gradEnabled;
  gradEnabled = false;
  const keep: Handle[] = [];
  try {
    scoped(() => runBackward(root, gradient, order, keep), () => {
      const mark = newMark();
      for (let i = 0; i < keep.length; i++) keep[i].mark = mark;
      return mark;
    }, 'it was an intermediate gradient of backward()');
  } catch (err) {
    for (let k = 0; k < order.length; k++) order[k]._pendingGrad = null; // left in flight
    throw err;
  } finally {
    gradEnabled = prev;
  }
  // Free the saved tensors of the graph just used.
  for (let k = 0; k < order.length; k++) {
    const node = order[k]._node;
    if (node !== null) {
      node.inputs = NO_INPUTS;
      node.rule = consumedRule;
      node.out = null;
      node.saved = null;
      node.consumed = true;
    }
  }
  endStep();
}

/** The backward pass proper; the gradients in flight wait in each tensor's _pendingGrad slot. */
function runBackward(root: Tensor, gradient: Tensor | undefined, order: Tensor[], keep: Handle[]): undefined {
  const seed = Tensor._empty(root.shape, 'backward');
  if (gradient) K().copyBytes(gradient.ptr, seed.ptr, root.size * 4);
  else K().fill(seed.ptr, 1, 1);
  root._pendingGrad = seed;
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = t._pendingGrad;
    if (g === null) continue;
    t._pendingGrad = null;
    const node = t._node;
    if (node === null) {
      accumulateLeafGrad(t, g, keep);
      continue;
    }
    if (node.consumed) {
      throw new Error(`backward: part of this graph (made by ${node.op}) was already used by an earlier backward(); recompute the forward pass`);
    }
    const inputGrads = node.backward(g);
    node.consumed = true;
    const inputs = node.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const gx = inputGrads[i];
      const x = inputs[i];
      if (!gx || !x.requiresGrad) continue;
      const have = x._pendingGrad;
      // Never add in place: a rule may hand the same tensor to several inputs.
      x._pendingGrad = have === null ? gx : have.add(gx);
    }
  }
  return undefined;
}

/** Makes leaves for a functional transform: copies of the args that require gradients. */
function leavesOf(args: Tensor[], op: string): Tensor[] {
  return args.map((a, i) => {
    if (!(a instanceof Tensor)) throw new TypeError(`${op}: argument ${i} must be a Tensor, got ${typeof a}`);
    const leaf = a.detach();
    leaf.requiresGrad = true;
    return leaf;
  });
}

/**
 * valueAndGrad(f)(...args) → [f(...args), gradients]: f must return a one-element tensor;
 * gradients is the gradient w.r.t. the single argument, or an array for several.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => [Tensor, Tensor | Tensor[]] {
  return (...args: A) => {
    const leaves = leavesOf(args, 'valueAndGrad') as A;
    const value = withGradMode(true, () => f(...leaves));
    if (!(value instanceof Tensor)) throw new TypeError('valueAndGrad: the function must return a Tensor');
    if (value.size !== 1) throw new RangeError(`valueAndGrad: the function must return a one-element tensor, got shape ${fmt(value.shape)}`);
    if (!value.requiresGrad) {
      leaves.forEach((l) => { l.grad = Tensor._empty(l.shape, 'grad'); K().fill(l.grad.ptr, l.size, 0); });
    } else {
      backward(value);
    }
    const grads = leaves.map((l) => {
      if (!l.grad) { l.grad = Tensor._empty(l.shape, 'grad'); K().fill(l.grad.ptr, l.size, 0); }
      return l.grad;
    });
    const out = value.detach();
    return [out, grads.length === 1 ? grads[0] : grads];
  };
}

/** grad(f)(...args) → the gradient of the scalar f w.r.t. its argument (an array for several). */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Tensor | Tensor[] {
  const vg = valueAndGrad(f);
  return (...args: A) => vg(...args)[1];
}

export { release };
