/** ModuleList, Identity and Unflatten: PyTorch's containers and shape helpers. */
import { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { unflatten } from '../ops/unflatten.js';
import { Module, type AnyModule } from './module.js';
import { bindArgs, intArg, show } from '../args.js';

/**
 * Holds sub-modules in a list so their parameters are registered (names '0', '1', ...); it has no
 * forward of its own: iterate over it in the owner's forward.
 */
export class ModuleList extends Module<never> implements Iterable<AnyModule> {
  private items: AnyModule[] = [];

  constructor(modules: Iterable<AnyModule> = []) {
    super();
    this.extend(modules);
  }

  /** Not callable: a ModuleList only holds modules (as in PyTorch); iterate over it in your forward. */
  forward(): never {
    throw new Error('ModuleList has no forward(): iterate over it (for (const m of list)) and call each module');
  }

  /** The number of modules. */
  override get length(): number {
    return this.items.length;
  }

  /** The i-th module (negative i counts from the end). */
  at(i: number): AnyModule {
    const j = i < 0 ? i + this.items.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.items.length) throw new RangeError(`ModuleList: index ${i} is out of range for ${this.items.length} modules`);
    return this.items[j];
  }

  /**
   * Adds a module at the end (registered as a submodule); returns this.
   *
   * PyTorch: `append`.
   * @example blocks.append(new nn.Linear(64, 64));
   */
  append(m: AnyModule): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  /**
   * Adds several modules at the end; returns this.
   *
   * PyTorch: `extend`.
   * @example blocks.extend([new nn.ReLU(), new nn.Linear(64, 10)]);
   */
  extend(modules: Iterable<AnyModule>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts m before index i; later modules move up one name. */
  insert(i: number, m: AnyModule): this {
    const j = Math.min(Math.max(i < 0 ? i + this.items.length : i, 0), this.items.length);
    this.registerModule(String(this.items.length), m); // validates m and adds the last name
    this.items.splice(j, 0, m);
    this.items.forEach((item, k) => this.registerModule(String(k), item));
    return this;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.items[Symbol.iterator]();
  }
}

/** Returns its input (a placeholder, e.g. for a ResNet shortcut); any constructor arguments are ignored. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  forward(x: Tensor): Tensor { return x; }
}

/** Splits dim `dim` into `unflattenedSize` (the inverse of Flatten): PyTorch's Unflatten(dim, unflattenedSize). */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: number[];
  constructor(dim: number | { dim: number; unflattenedSize: number[] }, unflattenedSize?: number[]);
  constructor(...args: unknown[]) {
    super();
    const a = bindArgs('Unflatten', args, ['dim', 'unflattenedSize']);
    this.dim = intArg('Unflatten', 'dim', a.dim);
    const size = a.unflattenedSize;
    if (!Array.isArray(size) || size.length === 0 || !size.every((d) => Number.isInteger(d) && d >= -1)) {
      throw new RangeError(`Unflatten: unflattenedSize must be a non-empty list of integers, got ${show(size)}`);
    }
    this.unflattenedSize = size.slice();
  }
  forward(x: Tensor): Tensor { return unflatten(x, this.dim, this.unflattenedSize); }
  override extraRepr(): string { return `dim=${this.dim}, unflattenedSize=${fmt(this.unflattenedSize)}`; }
}
