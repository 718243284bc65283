/**
 * Reverse-mode autodiff on a tape of nodes. Each op that sees an input requiring gradients
 * attaches a node to its output: the inputs, and a backward rule that maps the output's gradient
 * to the inputs' gradients (written next to the op's forward, in ops/). backward() orders the
 * graph iteratively (no recursion: long tapes would overflow the JS stack), runs the rules in
 * reverse, and accumulates into the leaves' `.grad`, summing over fan-out.
 */
import { Tensor } from './tensor.js';
import { Handle, endStep, scoped, release } from './memory.js';
import { fmt } from './shape.js';
import { K } from './wasm.js';

export interface GradNode {
  op: string;
  inputs: Tensor[];
  /** Gradients w.r.t. each input (null where an input needs none). */
  backward(gradOutput: Tensor): (Tensor | null)[];
  /** Set once backward has run through this node (its saved tensors may be reclaimed). */
  consumed?: boolean;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Attaches a gradient rule to `out` if gradients are on and any input needs one. */
export function record(out: Tensor, op: string, inputs: Tensor[], backward: GradNode['backward']): Tensor {
  if (!gradEnabled) return out;
  for (const x of inputs) {
    if (x.requiresGrad) {
      out.requiresGrad = true;
      out._node = { op, inputs, backward };
      return out;
    }
  }
  return out;
}

/** Every tensor reachable inside a value (a tensor, array or plain object of them). */
function tensorsIn(value: unknown, into = new Set<Handle>()): Set<Handle> {
  if (value instanceof Tensor) {
    into.add(value._h);
    if (value.grad) into.add(value.grad._h);
  } else if (Array.isArray(value)) {
    for (const v of value) tensorsIn(v, into);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) tensorsIn(v, into);
  }
  return into;
}

/**
 * Runs fn without recording gradients, then reclaims the temporaries made inside fn that it
 * does not return (so evaluation loops stay flat in memory).
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return scoped(fn, tensorsIn, 'it was made inside a noGrad() callback that did not return it');
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn and reclaims the temporaries made inside it that it does not return (gradients stay on). */
export function tidy<T>(fn: () => T): T {
  return scoped(fn, tensorsIn, 'it was made inside a tidy() callback that did not return it');
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

/** Topological order of the non-leaf tensors that lead to root (iterative DFS). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t._node;
    if (node && i < node.inputs.length) {
      top[1]++;
      const x = node.inputs[i];
      if (x.requiresGrad && !visited.has(x)) {
        visited.add(x);
        stack.push([x, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Adds g into the leaf's .grad (allocating it on first use, with the leaf's lifetime). */
function accumulateLeafGrad(leaf: Tensor, g: Tensor, keep: Set<Handle>): void {
  if (leaf.grad && !leaf.grad.isDisposed) {
    const gp = leaf.grad.ptr;
    K().binary(0, gp, g.ptr, gp, 1, 1, 1, leaf.size, 0, 0, 0, 1, 0, 0, 0, 1);
    return;
  }
  // A temporary leaf's gradient is a temporary too: it lives as long as the leaf would.
  const own = Tensor._empty(leaf.shape, 'grad', leaf._h.temp);
  K().copyBytes(g.ptr, own.ptr, leaf.size * 4);
  keep.add(own._h);
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
  try {
    const keep = new Set<Handle>();
    scoped(() => {
      const grads = new Map<Tensor, Tensor>();
      const seed = Tensor._empty(root.shape, 'backward');
      if (gradient) K().copyBytes(gradient.ptr, seed.ptr, root.size * 4);
      else K().fill(seed.ptr, 1, 1);
      grads.set(root, seed);
      for (let k = order.length - 1; k >= 0; k--) {
        const t = order[k];
        const g = grads.get(t);
        if (!g) continue;
        const node = t._node;
        if (!node) {
          accumulateLeafGrad(t, g, keep);
          continue;
        }
        if (node.consumed) {
          throw new Error(`backward: part of this graph (made by ${node.op}) was already used by an earlier backward(); recompute the forward pass`);
        }
        const inputGrads = node.backward(g);
        node.consumed = true;
        node.inputs.forEach((x, i) => {
          const gx = inputGrads[i];
          if (!gx || !x.requiresGrad) return;
          const have = grads.get(x);
          // Never add in place: a rule may hand the same tensor to several inputs.
          grads.set(x, have ? have.add(gx) : gx);
        });
      }
      return undefined;
    }, () => keep, 'it was an intermediate gradient of backward()');
  } finally {
    gradEnabled = prev;
  }
  // Free the closures (and with them the saved activations) of the graph just used.
  for (const t of order) {
    const node = t._node;
    if (node) {
      node.inputs = [];
      node.backward = consumedBackward;
      node.consumed = true;
    }
  }
  endStep();
}

function consumedBackward(): (Tensor | null)[] {
  return [];
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
