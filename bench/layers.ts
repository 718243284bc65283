// Rows of `npm run bench` for the layers family (issue 13): attention, layer norm and transposed
// convolution, forward and forward+backward, through wasmgrad's API on one thread beside tfjs 4.22
// on tfjs-backend-wasm (one thread). tfjs has no fused attention or layer-norm op: its side is
// composed from its ops (matMul, softmax; moments, rsqrt) with tf.grads for the backward pass, as
// a tfjs user would write it. Its transposed convolution is tf.conv2dTranspose; its filter
// gradient has no wasm kernel (Conv2DBackpropFilter), so it is a conv2d over transposed tensors.
import type * as tfns from '@tensorflow/tfjs';
import { getNumThreads, init, setNumThreads, randn, noGrad, type Tensor } from '../bindings/index.js';
import { functional as F } from '../bindings/nn/index.js';
import type { Tf } from './tfjs.js';
import type { StepCase } from './epochs.js';

async function oneThread(): Promise<void> {
  await init({ threads: 1 });
  await setNumThreads(1);
  if (getNumThreads() !== 1) throw new Error(`bench: wasmgrad runs ${getNumThreads()} threads, expected 1`);
}

/** Leaves that live through the whole bench (persistent, requiring gradients when asked). */
const leaf = (shape: number[], grad = false): Tensor => randn(shape, { requiresGrad: grad }).keep();

/** Attention over B = N·H problems of length L, head width E (self-attention shapes). */
function attention(tf: Tf, N: number, H: number, L: number, E: number, train: boolean): StepCase {
  const q = leaf([N, H, L, E], train), k = leaf([N, H, L, E], train), v = leaf([N, H, L, E], train), dy = leaf([N, H, L, E]);
  const B = N * H, scale = 1 / Math.sqrt(E);
  const tq = tf.randomNormal([B, L, E]) as tfns.Tensor3D, tk = tf.randomNormal([B, L, E]) as tfns.Tensor3D;
  const tv = tf.randomNormal([B, L, E]) as tfns.Tensor3D, tdy = tf.randomNormal([B, L, E]) as tfns.Tensor3D;
  const tfFwd = (a: tfns.Tensor3D, b: tfns.Tensor3D, c: tfns.Tensor3D) => tf.matMul(tf.softmax(tf.mul(tf.matMul(a, b, false, true), scale)), c);
  const grads = tf.grads((a, b, c) => tfFwd(a as tfns.Tensor3D, b as tfns.Tensor3D, c as tfns.Tensor3D));
  const flops = 2 * B * L * L * (E + E); // QKᵀ and P·V
  const name = `attention [${N},${H},${L},${E}]`;
  if (!train) {
    return {
      name: `${name} fwd`, flops,
      wasmgrad: () => { noGrad(() => F.scaledDotProductAttention(q, k, v)); },
      tfjs: () => { tf.tidy(() => { tfFwd(tq, tk, tv); }); },
    };
  }
  return {
    name: `${name} fwd+bwd`, flops: 3 * flops,
    note: 'attention: tfjs composes matMul, softmax, matMul (no fused op) and differentiates with tf.grads',
    wasmgrad: () => { F.scaledDotProductAttention(q, k, v).backward(dy); clearGrads(q, k, v); },
    tfjs: () => { tf.tidy(() => { grads([tq, tk, tv], tdy); }); },
  };
}

function clearGrads(...ts: Tensor[]): void {
  for (const t of ts) { t.grad?.dispose(); t.grad = null; }
}

/** Layer norm over the last dim D of [R, D] rows, affine. */
function layerNorm(tf: Tf, R: number, D: number, train: boolean): StepCase {
  const x = leaf([R, D], train), w = leaf([D], train), b = leaf([D], train), dy = leaf([R, D]);
  const tx = tf.randomNormal([R, D]) as tfns.Tensor2D, tw = tf.randomNormal([D]), tb = tf.randomNormal([D]);
  const tdy = tf.randomNormal([R, D]);
  const tfFwd = (a: tfns.Tensor, g: tfns.Tensor, c: tfns.Tensor) => {
    const { mean, variance } = tf.moments(a, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), c);
  };
  const grads = tf.grads((a, g, c) => tfFwd(a, g, c));
  const name = `layerNorm [${R},${D}]`;
  const flops = 8 * R * D; // a nominal count: "GFLOP/s" compares layer-norm rows with each other only
  if (!train) {
    return {
      name: `${name} fwd`, flops, note: 'layerNorm: tfjs composes moments, sub, rsqrt, mul, add; "GFLOP/s" counts 8 per element',
      wasmgrad: () => { noGrad(() => F.layerNorm(x, [D], w, b)); },
      tfjs: () => { tf.tidy(() => { tfFwd(tx, tw, tb); }); },
    };
  }
  return {
    name: `${name} fwd+bwd`, flops: 3 * flops, note: 'layerNorm: tfjs composes moments, sub, rsqrt, mul, add; "GFLOP/s" counts 8 per element',
    wasmgrad: () => { F.layerNorm(x, [D], w, b).backward(dy); clearGrads(x, w, b); },
    tfjs: () => { tf.tidy(() => { grads([tx, tw, tb], tdy); }); },
  };
}

/** ConvTranspose2d [N, C, H, W] -> [N, OC, s·H, s·W] with kernel K = 2s, padding s/2 (DCGAN's up-sampling block). */
function convTranspose(tf: Tf, N: number, C: number, H: number, OC: number, s: number, train: boolean): StepCase {
  const K = 2 * s, p = s / 2, OH = s * H;
  const x = leaf([N, C, H, H], train), w = leaf([C, OC, K, K], train), dy = leaf([N, OC, OH, OH]);
  const tx = tf.randomNormal([N, H, H, C]) as tfns.Tensor4D;
  const tw = tf.randomNormal([K, K, OC, C]) as tfns.Tensor4D; // tfjs: [kH, kW, outChannels, inChannels]
  const tdy = tf.randomNormal([N, OH, OH, OC]) as tfns.Tensor4D;
  const fwd = () => tf.conv2dTranspose(tx, tw, [N, OH, OH, OC], s, p);
  const flops = 2 * N * C * H * H * OC * K * K;
  const name = `convTranspose2d [${N},${C},${H},${H}]*[${C},${OC},${K},${K}] s${s}`;
  if (!train) {
    return {
      name: `${name} fwd`, flops,
      wasmgrad: () => { noGrad(() => F.convTranspose2d(x, w, null, { stride: s, padding: p })); },
      tfjs: () => { tf.tidy(() => { fwd(); }); },
    };
  }
  return {
    name: `${name} fwd+bwd`, flops: 3 * flops,
    note: 'convTranspose2d: tfjs dW is a conv2d of x and dy over transposed layouts (no Conv2DBackpropFilter kernel in tfjs-wasm 4.22)',
    wasmgrad: () => { F.convTranspose2d(x, w, null, { stride: s, padding: p }).backward(dy); clearGrads(x, w); },
    tfjs: () => {
      tf.tidy(() => {
        fwd();
        tf.conv2d(tdy, tw, s, p); // dX: the convolution dy -> x
        // dW[kh, kw, oc, c] = Σ_{n,i,j} dy[n, s·i + kh − p, s·j + kw − p, oc]·x[n, i, j, c]: dy with its batch
        // as channels, filtered by x laid out [H, W, N, C] at dilation s
        const dyT = tf.transpose(tdy, [3, 1, 2, 0]) as tfns.Tensor4D, xT = tf.transpose(tx, [1, 2, 0, 3]) as tfns.Tensor4D;
        tf.transpose(tf.conv2d(dyT, xT, 1, p, 'NHWC', s), [1, 2, 0, 3]);
      });
    },
  };
}

export async function layerCases(tf: Tf): Promise<StepCase[]> {
  await oneThread();
  return [
    attention(tf, 8, 4, 64, 32, false),
    attention(tf, 8, 4, 64, 32, true),
    attention(tf, 2, 8, 197, 64, false),
    attention(tf, 2, 8, 197, 64, true),
    layerNorm(tf, 4096, 256, false),
    layerNorm(tf, 4096, 256, true),
    convTranspose(tf, 64, 64, 8, 32, 2, false),
    convTranspose(tf, 64, 64, 8, 32, 2, true),
    convTranspose(tf, 64, 128, 4, 64, 2, true),
  ];
}
