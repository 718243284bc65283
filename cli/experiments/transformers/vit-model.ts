// A vision transformer for 28×28 digits, as the course's ViT notebook builds it: non-overlapping
// patches embedded linearly (here a convolution with kernel = stride = patch, the same map), a
// learnable class token and position embeddings, `depth` pre-norm blocks (LayerNorm →
// multi-head self-attention → residual, LayerNorm → MLP with GELU → residual), and a head
// (LayerNorm → Linear(dim, mlpDim) → GELU → Linear(mlpDim, 10)) on the class token.
import { type Tensor, cat, nn, noGrad, ones, randn } from '../../../bindings/index.js';

// A type alias (not an interface) so that a list of them is plain JSON settings.
export type VitConfig = {
  name: string;
  dim: number;
  depth: number;
  heads: number;
  mlpDim: number;
};

class Block extends nn.Module {
  readonly norm1: nn.LayerNorm;
  readonly attn: nn.MultiheadAttention;
  readonly norm2: nn.LayerNorm;
  readonly mlp: nn.Sequential;
  constructor(dim: number, heads: number, mlpDim: number) {
    super();
    this.norm1 = this.registerModule('norm1', new nn.LayerNorm(dim));
    this.attn = this.registerModule('attn', new nn.MultiheadAttention(dim, heads, { batchFirst: true }));
    this.norm2 = this.registerModule('norm2', new nn.LayerNorm(dim));
    this.mlp = this.registerModule('mlp', new nn.Sequential(new nn.Linear(dim, mlpDim), new nn.GELU(), new nn.Linear(mlpDim, dim)));
  }

  forward(x: Tensor): Tensor {
    return this.step(x, false).out;
  }

  /** The block's output and, when asked, its attention weights averaged over heads [N, L, L]. */
  step(x: Tensor, weights: boolean): { out: Tensor; weights: Tensor | null } {
    const h = this.norm1.forward(x);
    const [a, w] = this.attn.forward(h, h, h, { needWeights: weights });
    const y = x.add(a);
    return { out: y.add(this.mlp.forward(this.norm2.forward(y))), weights: w };
  }
}

export class VisionTransformer extends nn.Module {
  readonly patches: number;
  readonly embed: nn.Conv2d;
  readonly clsToken: Tensor;
  readonly posEmbedding: Tensor;
  readonly blocks: nn.ModuleList;
  readonly head: nn.Sequential;
  private readonly batchOnes = new Map<number, Tensor>();

  constructor(readonly config: VitConfig, readonly patchSize = 7, imageSize = 28) {
    super();
    if (imageSize % patchSize !== 0) throw new RangeError(`VisionTransformer: patch size ${patchSize} does not divide image size ${imageSize}`);
    this.patches = (imageSize / patchSize) ** 2;
    const { dim, depth, heads, mlpDim } = config;
    this.embed = this.registerModule('embed', new nn.Conv2d(1, dim, patchSize, { stride: patchSize }));
    this.clsToken = this.registerParameter('clsToken', randn([1, 1, dim]));
    this.posEmbedding = this.registerParameter('posEmbedding', randn([1, this.patches + 1, dim]));
    this.blocks = this.registerModule('blocks', new nn.ModuleList(Array.from({ length: depth }, () => new Block(dim, heads, mlpDim))));
    this.head = this.registerModule('head', new nn.Sequential(new nn.LayerNorm(dim), new nn.Linear(dim, mlpDim), new nn.GELU(), new nn.Linear(mlpDim, 10)));
  }

  /** [N, 1, 28, 28] → tokens [N, patches + 1, dim] (class token first, positions added). */
  tokens(x: Tensor): Tensor {
    const n = x.shape[0];
    const patches = this.embed.forward(x).flatten(2).transpose(1, 2);
    // The class token repeated over the batch as a broadcast product, so its gradient sums back.
    let ones_ = this.batchOnes.get(n);
    if (!ones_) this.batchOnes.set(n, (ones_ = ones([n, 1, 1]).keep()));
    return cat([this.clsToken.mul(ones_), patches], 1).add(this.posEmbedding);
  }

  forward(x: Tensor): Tensor {
    let h = this.tokens(x);
    for (const b of this.blocks) h = (b as Block).forward(h);
    return this.head.forward(h.slice(1, 0, 1).squeeze(1));
  }

  /** Attention weights of every block (head-averaged) for a batch, without gradients: [depth] × [N, L, L]. */
  attentionMaps(x: Tensor): Float32Array[] {
    return noGrad(() => {
      this.eval();
      let h = this.tokens(x);
      const maps: Float32Array[] = [];
      for (const b of this.blocks) {
        const r = (b as Block).step(h, true);
        maps.push(r.weights!.data());
        h = r.out;
      }
      this.train();
      return maps;
    });
  }
}

/**
 * What the class token attends to, as a patch-grid heat map per image: the last block's weights
 * and the attention rollout (Abnar & Zuidema 2020: the product over blocks of ½(A + I), rows
 * renormalised), both read off the class token's row over the patch tokens.
 */
export function classTokenMaps(maps: Float32Array[], n: number, tokens: number): { last: Float32Array[]; rollout: Float32Array[] } {
  const L = tokens;
  const last: Float32Array[] = [], rollout: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const block = (m: Float32Array) => m.subarray(i * L * L, (i + 1) * L * L);
    const lastBlock = block(maps[maps.length - 1]);
    last.push(lastBlock.slice(1, L));
    let r = identity(L);
    for (const m of maps) {
      const a = block(m);
      const mixed = new Float64Array(L * L);
      for (let p = 0; p < L; p++) {
        let rowSum = 0;
        for (let q = 0; q < L; q++) rowSum += (mixed[p * L + q] = 0.5 * a[p * L + q] + (p === q ? 0.5 : 0));
        for (let q = 0; q < L; q++) mixed[p * L + q] /= rowSum;
      }
      r = matmul(mixed, r, L);
    }
    rollout.push(Float32Array.from(r.subarray(1, L)));
  }
  return { last, rollout };
}

function identity(L: number): Float64Array {
  const m = new Float64Array(L * L);
  for (let i = 0; i < L; i++) m[i * L + i] = 1;
  return m;
}

function matmul(a: Float64Array, b: Float64Array, L: number): Float64Array {
  const out = new Float64Array(L * L);
  for (let i = 0; i < L; i++) for (let k = 0; k < L; k++) {
    const v = a[i * L + k];
    if (v !== 0) for (let j = 0; j < L; j++) out[i * L + j] += v * b[k * L + j];
  }
  return out;
}

/** A patch-grid map [g·g] scaled to [0, 1] and blown up to side×side pixels (nearest). */
export function upsampleMap(map: ArrayLike<number>, grid: number, side: number): Float32Array {
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < map.length; k++) { lo = Math.min(lo, map[k]); hi = Math.max(hi, map[k]); }
  const out = new Float32Array(side * side);
  const cell = side / grid;
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
    const v = map[Math.floor(r / cell) * grid + Math.floor(c / cell)];
    out[r * side + c] = hi > lo ? (v - lo) / (hi - lo) : 0;
  }
  return out;
}
