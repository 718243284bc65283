/**
 * Argument checking shared by the whole public API, so that PyTorch habits either work as in
 * PyTorch or fail with a TypeError/RangeError that names the op and the argument:
 * - options objects reject unknown keys and list the valid ones (`checkOptions`);
 * - Python's calling convention for optional arguments — positionally in order, or by name in a
 *   trailing options object, not both (`bindArgs`);
 * - PyTorch size arguments: `zeros(2, 3)`, `zeros([2, 3])`, `zeros(x.shape)` (`sizeArgs`);
 * - one-line checks of single values (`intArg`, `numberArg`, `boolArg`, `oneOf`).
 */

export type Options = Record<string, unknown>;

/** A `{...}` literal (or Object.create(null)): what an options argument looks like. */
export function isPlainObject(v: unknown): v is Options {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The keys of an options interface as the runtime list checkOptions needs, checked by the
 * compiler: keysOf<FitOptions>()('epochs', ...) fails to compile while a key of the interface is
 * missing from the list (so adding an option to an interface cannot silently reject it).
 */
export function keysOf<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> })
  ): readonly string[] => keys;
}

/** How a value reads in an error message. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'function') {
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    return name && name !== 'Function' ? `a ${name}` : 'a function';
  }
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map(show).join(', ')}]` : `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Checks an options argument: undefined (→ {}) or a plain object whose keys are all in `valid`.
 * An unknown key is a TypeError naming the op, the key and every valid key; a PyTorch spelling
 * (`weight_decay`) is pointed at its camelCase name.
 */
export function checkOptions<T extends object = Options>(op: string, options: T | undefined | null, valid: readonly string[], param = 'options'): T {
  if (options === undefined || options === null) return {} as T;
  if (!isPlainObject(options)) throw new TypeError(`${op}: ${param} must be an object such as { ${valid[0] ?? ''}: ... }, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const hint = valid.includes(camel(key)) ? ` (wasmgrad spells PyTorch's ${key} as ${camel(key)})` : '';
    const list = valid.length ? `valid options are ${valid.join(', ')}` : 'it takes no options';
    throw new TypeError(`${op}: unknown option '${key}'${hint}; ${list}`);
  }
  return options;
}

/**
 * Python-style binding of optional arguments: `args` fill `names` in order; a trailing plain
 * object gives any of them by name (and `keywordOnly` ones, which cannot be positional).
 * Returns the values by name (absent ones undefined). An argument given twice, or too many
 * positional arguments, is a TypeError showing the signature.
 */
export function bindArgs(op: string, args: readonly unknown[], names: readonly string[], keywordOnly: readonly string[] = []): Options {
  let positional = args;
  let named: Options = {};
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last)) {
    positional = args.slice(0, -1);
    named = checkOptions(op, last, [...names, ...keywordOnly]);
  }
  // Trailing undefined positionals are absent arguments (a JS caller forwarding its own optionals).
  let n = positional.length;
  while (n > 0 && positional[n - 1] === undefined) n--;
  if (n > names.length) {
    throw new TypeError(`${op}: too many positional arguments (${n} where at most ${names.length} fit); the signature is ${op}(${[...names, ...keywordOnly.map((k) => `{ ${k} }`)].join(', ')})`);
  }
  const out: Options = {};
  for (let i = 0; i < n; i++) {
    if (positional[i] === undefined) continue;
    if (names[i] in named && named[names[i]] !== undefined) {
      throw new TypeError(`${op}: ${names[i]} was given twice, as positional argument ${i + 1} and in the options object`);
    }
    if (isPlainObject(positional[i])) {
      throw new TypeError(`${op}: ${names[i]} (positional argument ${i + 1}) must not be an object; an options object goes last`);
    }
    out[names[i]] = positional[i];
  }
  for (const [k, v] of Object.entries(named)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * A PyTorch size given as integers or as one array, with an optional trailing options object:
 * (2, 3), ([2, 3]), (x.shape), ([]) for a 0-d tensor, (2, 3, { requiresGrad: true }).
 */
export function sizeArgs(op: string, args: readonly unknown[], param = 'size'): { size: number[]; options: Options | undefined } {
  let rest = args;
  let options: Options | undefined;
  if (rest.length > 0 && isPlainObject(rest[rest.length - 1])) {
    options = rest[rest.length - 1] as Options;
    rest = rest.slice(0, -1);
  }
  if (rest.length === 0) {
    throw new TypeError(`${op}: ${param} is missing: write ${op}(2, 3) or ${op}([2, 3]) (or ${op}([]) for a 0-d tensor)`);
  }
  let dims: readonly unknown[];
  if (rest.length === 1 && (Array.isArray(rest[0]) || ArrayBuffer.isView(rest[0]))) {
    dims = Array.from(rest[0] as ArrayLike<unknown>);
  } else if (rest.every((d) => typeof d === 'number')) {
    dims = rest;
  } else {
    throw new TypeError(`${op}: ${param} must be integers (${op}(2, 3)) or one array (${op}([2, 3])), got (${rest.map(show).join(', ')})`);
  }
  return { size: checkDims(op, dims, param), options };
}

/** Each dim a non-negative integer: a TypeError for a non-integer, a RangeError for a negative. */
export function checkDims(op: string, dims: readonly unknown[], param = 'size'): number[] {
  const out = new Array<number>(dims.length);
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new TypeError(`${op}: ${param} must hold integers, got ${show(d)} at position ${i} of ${show(dims)}`);
    }
    if (d < 0) throw new RangeError(`${op}: ${param} must hold non-negative integers, got ${d} at position ${i} of ${show(dims)}`);
    out[i] = d;
  }
  return out;
}

function required<T>(op: string, name: string, dflt: T | undefined): T {
  if (dflt === undefined) throw new TypeError(`${op}: ${name} is required`);
  return dflt;
}

/** An integer ≥ min (≤ max); undefined gives `dflt`. */
export function intArg(op: string, name: string, v: unknown, dflt?: number, min = -Infinity, max = Infinity): number {
  if (v === undefined) return required(op, name, dflt);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ${name} must be an integer, got ${show(v)}`);
  if (v < min || v > max) {
    const range = max === Infinity ? `>= ${min}` : min === -Infinity ? `<= ${max}` : `in [${min}, ${max}]`;
    throw new RangeError(`${op}: ${name} must be an integer ${range}, got ${v}`);
  }
  return v;
}

/** A finite number in [min, max]; undefined gives `dflt`. */
export function numberArg(op: string, name: string, v: unknown, dflt?: number, min = -Infinity, max = Infinity): number {
  if (v === undefined) return required(op, name, dflt);
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be a number, got ${show(v)}`);
  if (!Number.isFinite(v) || v < min || v > max) {
    const range = max === Infinity ? (min === -Infinity ? '' : ` >= ${min}`) : ` in [${min}, ${max}]`;
    throw new RangeError(`${op}: ${name} must be a finite number${range}, got ${v}`);
  }
  return v;
}

/** A boolean; undefined gives `dflt`. */
export function boolArg(op: string, name: string, v: unknown, dflt?: boolean): boolean {
  if (v === undefined) return required(op, name, dflt);
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be true or false, got ${show(v)}`);
  return v;
}

/** One of a few allowed values; undefined gives `dflt`. */
export function oneOf<T>(op: string, name: string, v: unknown, allowed: readonly T[], dflt?: T): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!allowed.includes(v as T)) throw new RangeError(`${op}: ${name} must be ${allowed.map(show).join(' or ')}, got ${show(v)}`);
  return v as T;
}

/** A PyTorch option wasmgrad does not implement: accepted at its default value, otherwise a clear error. */
export function unsupported(op: string, name: string, v: unknown, dflt: unknown, why = ''): void {
  if (v === undefined || v === dflt) return;
  throw new RangeError(`${op}: ${name}=${show(v)} is not supported (only ${show(dflt)})${why ? `: ${why}` : ''}`);
}
