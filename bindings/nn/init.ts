/**
 * Initialisers with PyTorch's formulas (torch.nn.init): calculateGain, fans with the conv
 * receptive field, Xavier/Glorot and Kaiming/He in uniform and normal form. They draw from the
 * engine's seeded generator and overwrite the tensor in place, so a seed fixes a model's
 * initial weights and the tensors a model and optimiser hold stay the same objects.
 */
import { Tensor, fromValues } from '../tensor.js';
import { rand, randn } from '../ops/random.js';
import { fmt } from '../shape.js';
import { bindArgs, numberArg, oneOf, show } from '../args.js';

/**
 * The activation a layer is followed by, which sets the gain of `calculateGain` and the Kaiming inits.
 * @example init.calculateGain('tanh')
 */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
/**
 * Whether the Kaiming inits keep the variance of the forward pass (fanIn) or of the backward (fanOut).
 * @example init.kaimingNormal(w, { mode: 'fanOut' })
 */
export type FanMode = 'fanIn' | 'fanOut';

/** PyTorch's spellings (fan_in, leaky_relu) mapped to wasmgrad's camelCase. */
const PYTORCH_SPELLING: Record<string, string> = { fan_in: 'fanIn', fan_out: 'fanOut', leaky_relu: 'leakyRelu' };
const camelName = <T>(v: T): T => (typeof v === 'string' && v in PYTORCH_SPELLING ? PYTORCH_SPELLING[v] as T : v);

/** The recommended gain for a nonlinearity (param: leakyRelu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity | 'leaky_relu', param?: number): number {
  switch (camelName(nonlinearity)) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity ${show(nonlinearity)}; one of linear, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu, selu`);
  }
}

/** Returns [fanIn, fanOut]: dims 1 and 0 times the receptive field (the product of the remaining dims). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  checkTarget(t, 'calculateFanInAndFanOut');
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out need a tensor with at least 2 dims, got shape ${fmt(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function checkTarget(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`init.${op}: tensor must be a Tensor, got ${show(t)}`);
  return t;
}

function fill(t: Tensor, make: (shape: number[]) => Tensor): Tensor {
  const src = make(t.shape.slice());
  t.copy_(src);
  src.dispose();
  return t;
}

/** U(a, b) in place: PyTorch's uniform_(tensor, a=0, b=1). */
export function uniform(t: Tensor, a?: number, b?: number): Tensor {
  checkTarget(t, 'uniform');
  const lo = numberArg('init.uniform', 'a', a, 0), hi = numberArg('init.uniform', 'b', b, 1);
  if (lo > hi) throw new RangeError(`init.uniform: a (${lo}) must not exceed b (${hi})`);
  return fill(t, (s) => rand(s, { low: lo, high: hi }));
}
/** N(mean, std²) in place: PyTorch's normal_(tensor, mean=0, std=1). */
export function normal(t: Tensor, mean?: number, std?: number): Tensor {
  checkTarget(t, 'normal');
  const m = numberArg('init.normal', 'mean', mean, 0), sd = numberArg('init.normal', 'std', std, 1, 0);
  return fill(t, (s) => randn(s, { mean: m, std: sd }));
}
/**
 * Fills t with value in place (no gradient recorded); returns t.
 *
 * PyTorch: `nn.init.constant_`.
 * @example init.constant(layer.bias!, 0.1)
 */
export const constant = (t: Tensor, value: number): Tensor => checkTarget(t, 'constant').fill_(numberArg('init.constant', 'value', value));
/**
 * Fills t with 0 in place; returns t.
 *
 * PyTorch: `nn.init.zeros_`.
 * @example init.zeros(layer.bias!)
 */
export const zeros = (t: Tensor): Tensor => checkTarget(t, 'zeros').fill_(0);
/**
 * Fills t with 1 in place; returns t.
 *
 * PyTorch: `nn.init.ones_`.
 * @example init.ones(norm.weight!)
 */
export const ones = (t: Tensor): Tensor => checkTarget(t, 'ones').fill_(1);

function xavierStd(t: Tensor, gain: number): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, gain?: number): Tensor {
  checkTarget(t, 'xavierUniform');
  gain = numberArg('init.xavierUniform', 'gain', gain, 1);
  const a = Math.sqrt(3) * xavierStd(t, gain);
  return uniform(t, -a, a);
}

/** N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, gain?: number): Tensor {
  checkTarget(t, 'xavierNormal');
  gain = numberArg('init.xavierNormal', 'gain', gain, 1);
  return normal(t, 0, xavierStd(t, gain));
}

/**
 * Options of the Kaiming (He) inits.
 *
 * PyTorch: `nn.init.kaiming_normal_(t, a, mode, nonlinearity)`.
 * @example init.kaimingUniform(w, { nonlinearity: 'relu' })
 */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (used when nonlinearity is leakyRelu). */
  a?: number;
  /** 'fanIn' or 'fanOut' (PyTorch's 'fan_in' / 'fan_out' work too). */
  mode?: FanMode | 'fan_in' | 'fan_out';
  /** PyTorch's 'leaky_relu' works too. */
  nonlinearity?: Nonlinearity | 'leaky_relu';
}

type KaimingArgs = (number | string | KaimingOptions | undefined)[];

/** PyTorch's (tensor, a=0, mode='fan_in', nonlinearity='leaky_relu'), positionally or by name. */
function kaimingStd(t: Tensor, op: string, args: KaimingArgs): number {
  checkTarget(t, op);
  const o = bindArgs(`init.${op}`, args, ['a', 'mode', 'nonlinearity']);
  const mode = oneOf(`init.${op}`, 'mode', camelName(o.mode), ['fanIn', 'fanOut'], 'fanIn');
  const a = numberArg(`init.${op}`, 'a', o.a, 0);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  return calculateGain((o.nonlinearity ?? 'leakyRelu') as Nonlinearity, a) / Math.sqrt(fan);
}

/** U(−b, b) with b = gain·√(3 / fan); PyTorch's default nonlinearity is leakyRelu with a = 0. */
export function kaimingUniform(t: Tensor, ...args: KaimingArgs): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, 'kaimingUniform', args);
  return uniform(t, -bound, bound);
}

/** N(0, std²) with std = gain / √fan. */
export function kaimingNormal(t: Tensor, ...args: KaimingArgs): Tensor {
  return normal(t, 0, kaimingStd(t, 'kaimingNormal', args));
}

// PyTorch's in-place names (nn.init.kaiming_uniform_ → init.kaimingUniform_), the same functions.
export {
  uniform as uniform_, normal as normal_, constant as constant_, zeros as zeros_, ones as ones_,
  xavierUniform as xavierUniform_, xavierNormal as xavierNormal_, kaimingUniform as kaimingUniform_, kaimingNormal as kaimingNormal_,
  truncNormal as truncNormal_, orthogonal as orthogonal_,
};

/**
 * N(mean, std²) truncated to [a, b], in place: PyTorch's trunc_normal_(tensor, mean=0, std=1,
 * a=-2, b=2). Drawn by rejection from the engine's seeded normal generator (exact for the
 * truncated law; refused when [a, b] holds under 0.1 % of the mass, where rejection would crawl).
 */
export function truncNormal(t: Tensor, mean?: number, std?: number, a?: number, b?: number): Tensor {
  const op = 'init.truncNormal';
  checkTarget(t, 'truncNormal');
  const m = numberArg(op, 'mean', mean, 0), sd = numberArg(op, 'std', std, 1, 0);
  const lo = numberArg(op, 'a', a, -2), hi = numberArg(op, 'b', b, 2);
  if (!(lo < hi)) throw new RangeError(`${op}: the interval [a, b] = [${lo}, ${hi}] is empty`);
  const out = new Float32Array(t.size);
  let filled = 0, drawn = 0;
  while (filled < t.size) {
    const batch = Math.max(1024, 2 * (t.size - filled));
    const z = randn([batch], { mean: m, std: sd });
    const v = z._read();
    z.dispose();
    for (let i = 0; i < batch && filled < t.size; i++) if (v[i] >= lo && v[i] <= hi) out[filled++] = v[i];
    drawn += batch;
    if (drawn >= 1000 * Math.max(t.size, 1024) && filled < t.size) {
      throw new RangeError(`${op}: [a, b] = [${lo}, ${hi}] holds too little of N(${m}, ${sd}²) (${filled} of ${drawn} draws accepted) for rejection sampling`);
    }
  }
  return fill(t, (s) => fromValues(out, s, op, true));
}

/**
 * A (semi-)orthogonal matrix in place, as PyTorch's orthogonal_(tensor, gain=1): the tensor seen
 * as [rows, rest], filled from the engine's seeded normal generator and orthonormalised (the Q of
 * its QR decomposition with R's diagonal made positive, which is Gram-Schmidt's Q, computed in
 * float64 with a second orthogonalisation pass), times gain. Rows are orthonormal when rows ≤
 * rest, columns otherwise.
 */
export function orthogonal(t: Tensor, gain?: number): Tensor {
  const op = 'init.orthogonal';
  checkTarget(t, 'orthogonal');
  const g = numberArg(op, 'gain', gain, 1);
  if (t.ndim < 2) throw new RangeError(`${op}: only tensors with 2 or more dimensions are supported, got shape ${fmt(t.shape)}`);
  const rows = t.shape[0], cols = t.size / rows;
  // QR of the tall orientation: columns of a [m, n] matrix with m ≥ n
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows;
  const z = randn([rows, cols]);
  const v = z._read();
  z.dispose();
  const q = new Float64Array(m * n); // column-major: column j at j*m
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    if (tall) q[j * m + i] = v[i * cols + j];
    else q[i * m + j] = v[i * cols + j];
  }
  for (let j = 0; j < n; j++) {
    const cj = q.subarray(j * m, (j + 1) * m);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = q.subarray(k * m, (k + 1) * m);
        let d = 0;
        for (let i = 0; i < m; i++) d += ck[i] * cj[i];
        for (let i = 0; i < m; i++) cj[i] -= d * ck[i];
      }
    }
    let s = 0;
    for (let i = 0; i < m; i++) s += cj[i] * cj[i];
    const r = Math.sqrt(s);
    if (r === 0) throw new Error(`${op}: the random matrix was rank-deficient (probability 0); draw again`);
    for (let i = 0; i < m; i++) cj[i] /= r;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = g * (tall ? q[j * m + i] : q[i * m + j]);
  return fill(t, (s) => fromValues(out, s, op, true));
}
