#!/usr/bin/env python3
"""PyTorch float64 references for every tensor op: forward values and gradients.

Run by hand (CI never needs PyTorch):  /usr/bin/python3 scripts/fixtures_ops.py
Writes tests/fixtures/torch/ops.json, read by tests/ops-torch.test.ts.

Each case: inputs drawn from a generator seeded by the case name and rounded to float32 (so the
engine sees exactly the values torch used), the output of `fn` computed in float64, a random
cotangent w of the output's shape, and the gradients of sum(out * w) for every input marked
`grad`. A case name is "<op>: <variant>"; the test maps each name to the engine's call.
"""

import datetime
import json
import os
import platform
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "torch", "ops.json")
torch.set_num_threads(1)
D = torch.float64

CASES = []


def case(name, inputs, fn):
    """inputs: list of specs (below); fn(*tensors) -> one float64 tensor."""
    CASES.append((name, inputs, fn))


# ---- input specs: (kind, ...) -> (values as float32-representable float64, requires grad) ------
def U(*shape, lo=-2.0, hi=2.0):
    return ("u", shape, lo, hi)


def N(*shape):
    return ("n", shape)


def I(values):
    """Integer indices/labels (no gradient)."""
    return ("i", values)


def M(*shape, p=0.5):
    """A 0/1 mask (no gradient)."""
    return ("m", shape, p)


def V(values, grad=True):
    """Given values (float32-rounded)."""
    return ("v", values, grad)


def SYM(n, batch=()):
    return ("sym", n, batch)


def SPD(n, batch=()):
    return ("spd", n, batch)


def make(spec, rng):
    kind = spec[0]
    if kind == "u":
        _, shape, lo, hi = spec
        return rng.uniform(lo, hi, size=shape).astype(np.float32), True
    if kind == "n":
        return rng.standard_normal(size=spec[1]).astype(np.float32), True
    if kind == "i":
        return np.array(spec[1], dtype=np.float32), False
    if kind == "m":
        _, shape, p = spec
        return (rng.uniform(size=shape) < p).astype(np.float32), False
    if kind == "v":
        return np.array(spec[1], dtype=np.float32), spec[2]
    if kind in ("sym", "spd"):
        _, n, batch = spec
        a = rng.standard_normal(size=(*batch, n, n))
        a = (a + np.swapaxes(a, -1, -2)) / 2 if kind == "sym" else a @ np.swapaxes(a, -1, -2) / n + np.eye(n)
        a = a.astype(np.float32)
        return ((a + np.swapaxes(a, -1, -2)) / 2).astype(np.float32), True
    raise ValueError(kind)


def enc(t):
    """Flat values; non-finite ones as strings (JSON has no inf/nan)."""
    out = []
    for v in t.detach().reshape(-1).tolist():
        v = float(v)
        out.append(v if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")))
    return out


def run(name, inputs, fn):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = [make(s, rng) for s in inputs]
    ts = [torch.tensor(a.astype(np.float64), dtype=D, requires_grad=g) for a, g in arrays]
    out = fn(*ts)
    w = torch.tensor(rng.uniform(-1, 1, size=tuple(out.shape)).astype(np.float32).astype(np.float64), dtype=D)
    wanted = [t for t in ts if t.requires_grad]
    grads = []
    if wanted and out.requires_grad:
        gs = torch.autograd.grad((out * w).sum(), wanted, allow_unused=True)
        it = iter(gs)
        for t in ts:
            g = next(it) if t.requires_grad else None
            # an input the output does not depend on (expandAs's other) gets no gradient
            grads.append({"shape": list(t.shape), "data": enc(g)} if g is not None else None)
    else:
        grads = [None for _ in ts]
    return {
        "name": name,
        "inputs": [{"shape": list(t.shape), "data": enc(t), "grad": grads[i] is not None} for i, t in enumerate(ts)],
        "out": {"shape": list(out.shape), "data": enc(out)},
        "cotangent": enc(w),
        "grads": grads,
    }


def idx(values):
    return values.long()


# ================================================================================================
# Elementwise, reductions, movement, losses that existed before issue 13 (so every public op has a
# PyTorch reference).
for op, f, rng_ in [("add", torch.add, None), ("sub", torch.sub, None), ("mul", torch.mul, None),
                    ("div", torch.div, (0.5, 2)), ("maximum", torch.maximum, None), ("minimum", torch.minimum, None),
                    ("pow", torch.pow, (0.5, 2))]:
    lo, hi = rng_ or (-2, 2)
    case(f"{op}: broadcast [2,3,4] [3,1]", [U(2, 3, 4, lo=lo, hi=hi), U(3, 1, lo=lo, hi=hi)], f)
for op, f, r in [("neg", torch.neg, None), ("square", torch.square, None), ("sqrt", torch.sqrt, (0.3, 3)),
                 ("exp", torch.exp, None), ("log", torch.log, (0.3, 3)), ("abs", torch.abs, None),
                 ("reciprocal", torch.reciprocal, (0.5, 2)), ("sigmoid", torch.sigmoid, (-6, 6)),
                 ("relu", torch.relu, None), ("tanh", torch.tanh, None), ("softplus", F.softplus, (-5, 5)),
                 ("sign", torch.sign, None), ("clone", torch.clone, None)]:
    lo, hi = r or (-2, 2)
    case(f"{op}: [3,5]", [U(3, 5, lo=lo, hi=hi)], f)
case("leakyRelu: slope 0.1", [U(3, 5)], lambda x: F.leaky_relu(x, 0.1))
case("clamp: [-0.5, 0.7]", [U(3, 5)], lambda x: torch.clamp(x, -0.5, 0.7))
for op in ["gt", "ge", "lt", "le", "eq", "ne"]:
    case(f"{op}: [3,4] [4]", [V([[1, 2, 3, 4], [4, 3, 2, 1], [2, 2, 2, 2]], False), V([2, 2, 3, 1], False)],
         lambda a, b, op=op: getattr(torch, op)(a, b).to(D))
case("sum: dim [0,2] keepdim", [U(2, 3, 4)], lambda x: x.sum((0, 2), keepdim=True))
case("mean: dim 1", [U(2, 3, 4)], lambda x: x.mean(1))
case("max: dim 1", [U(3, 5)], lambda x: x.max(1).values)
case("min: all", [U(3, 5)], lambda x: x.min())
case("argmax: dim 0", [U(3, 5)], lambda x: x.argmax(0).to(D))
case("argmin: dim 1", [U(3, 5)], lambda x: x.argmin(1).to(D))
case("softmax: dim 1", [U(2, 5, 3)], lambda x: torch.softmax(x, 1))
case("logSoftmax: dim -1", [U(2, 5, 3)], lambda x: torch.log_softmax(x, -1))
case("matmul: [3,4] [4,5]", [U(3, 4), U(4, 5)], torch.matmul)
case("matmul: batched broadcast [2,1,3,4] [5,4,2]", [U(2, 1, 3, 4), U(5, 4, 2)], torch.matmul)
case("matmul: vector [4] [2,4,3]", [U(4), U(2, 4, 3)], torch.matmul)
case("reshape: [2,6] -> [3,-1]", [U(2, 6)], lambda x: x.reshape(3, -1))
case("flatten: start 1", [U(2, 3, 4)], lambda x: x.flatten(1))
case("unsqueeze: dim 1", [U(2, 3)], lambda x: x.unsqueeze(1))
case("squeeze: dim 1", [U(2, 1, 3)], lambda x: x.squeeze(1))
case("transpose: 0 2", [U(2, 3, 4)], lambda x: x.transpose(0, 2))
case("permute: 2 0 1", [U(2, 3, 4)], lambda x: x.permute(2, 0, 1))
case("slice: dim 1 1:8:3", [U(3, 9)], lambda x: x[:, 1:8:3])
case("cat: dim 1", [U(2, 3), U(2, 1)], lambda a, b: torch.cat([a, b], 1))
case("indexSelect: rows [4,0,4,2]", [U(5, 3)], lambda x: x[torch.tensor([4, 0, 4, 2])])
case("indexSelect: dim 1", [U(2, 4, 3), I([3, 0, 3])], lambda x, i: torch.index_select(x, 1, idx(i)))
case("oneHot: 4 classes", [I([2, 0, 3, 3])], lambda l: F.one_hot(idx(l), 4).to(D))
case("F.linear: bias", [U(4, 3), U(5, 3), U(5)], F.linear)
case("F.conv2d: stride 2 padding 1", [U(2, 2, 7, 6), U(3, 2, 3, 3), U(3)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1))
# 3×3 stride 1 with at least 16 channels each way: the engine's Winograd path (forward, dX, dW)
case("F.conv2d: 3x3 16 -> 20 channels padding 1 (Winograd)", [U(2, 16, 7, 6), U(20, 16, 3, 3), U(20)],
     lambda x, w, b: F.conv2d(x, w, b, padding=1))
case("F.conv2d: 3x3 17 -> 16 channels valid (Winograd)", [U(3, 17, 8, 9), U(16, 17, 3, 3)],
     lambda x, w: F.conv2d(x, w))
case("F.maxPool2d: k2", [U(2, 3, 6, 6)], lambda x: F.max_pool2d(x, 2))
case("F.avgPool2d: k3 s2 p1", [U(1, 2, 7, 5)], lambda x: F.avg_pool2d(x, 3, 2, 1))
case("F.mseLoss: mean", [U(3, 4), U(3, 4)], F.mse_loss)
case("F.nllLoss: mean", [U(5, 4), I([2, 0, 3, 3, 1])], lambda x, l: F.nll_loss(torch.log_softmax(x, 1), idx(l)))
case("F.binaryCrossEntropy: mean", [U(6, lo=0.05, hi=0.95), U(6, lo=0, hi=1)], F.binary_cross_entropy)
case("F.binaryCrossEntropyWithLogits: mean", [U(7, lo=-3, hi=3), U(7, lo=0, hi=1)], F.binary_cross_entropy_with_logits)
case("F.crossEntropy: [N,C] mean", [U(5, 4), I([2, 0, 3, 3, 1])], lambda x, l: F.cross_entropy(x, idx(l)))

# ================================================================================================
# Issue 13: selection
case("where: broadcast cond [3,1] x [3,4] y [4]", [M(3, 1), U(3, 4), U(4)], lambda c, x, y: torch.where(c > 0, x, y))
case("where: scalar other", [M(2, 5), U(2, 5)], lambda c, x: torch.where(c > 0, x, torch.tensor(-1.5, dtype=D)))
case("maskedFill: mask [1,4] value -inf", [U(3, 4), M(1, 4)], lambda x, m: x.masked_fill(m > 0, float("-inf")))
case("maskedFill: value 2.5", [U(2, 3, 4), M(2, 3, 4)], lambda x, m: x.masked_fill(m > 0, 2.5))
case("tril: [4,5]", [U(4, 5)], torch.tril)
case("tril: batched diagonal -1", [U(2, 4, 3)], lambda x: torch.tril(x, -1))
case("triu: diagonal 1", [U(4, 5)], lambda x: torch.triu(x, 1))
case("triu: batched diagonal -2", [U(2, 3, 5)], lambda x: torch.triu(x, -2))

# statistics
case("var: all", [U(3, 4)], torch.var)
case("var: dim 1 correction 0 keepdim", [U(3, 4)], lambda x: torch.var(x, 1, correction=0, keepdim=True))
case("var: dims [0,2]", [U(2, 3, 4)], lambda x: torch.var(x, (0, 2)))
case("std: dim 0", [U(5, 3)], lambda x: torch.std(x, 0))
case("std: all unbiased false", [U(2, 6)], lambda x: torch.std(x, unbiased=False))
case("norm: 2 all", [U(3, 4)], lambda x: torch.norm(x))
case("norm: 1 dim 1", [U(3, 4)], lambda x: torch.norm(x, 1, 1))
case("norm: inf dim 0 keepdim", [U(3, 4)], lambda x: torch.norm(x, float("inf"), 0, keepdim=True))
case("norm: -inf dim 1", [U(3, 4)], lambda x: torch.norm(x, float("-inf"), 1))
case("norm: 3 dims [0,1]", [U(2, 3, 4)], lambda x: torch.norm(x, 3, (0, 1)))
case("norm: 2 with a zero row", [V([[0, 0, 0], [1, -2, 2]])], lambda x: torch.norm(x, 2, 1))
case("logsumexp: dim 1", [U(3, 5, lo=-5, hi=5)], lambda x: torch.logsumexp(x, 1))
case("logsumexp: dims [0,2] keepdim", [U(2, 3, 4)], lambda x: torch.logsumexp(x, (0, 2), keepdim=True))
case("cumsum: dim 1", [U(3, 5)], lambda x: torch.cumsum(x, 1))
case("cumsum: dim 0", [U(4, 2, 3)], lambda x: torch.cumsum(x, 0))

# shaping
case("chunk: 3 of 7 (sum of chunk products)", [U(7, 2)], lambda x: sum((c * (i + 1)).sum(0) for i, c in enumerate(torch.chunk(x, 3))))
case("split: sizes [1,3,2] dim 1", [U(2, 6)], lambda x: torch.cat([p * (i + 1) for i, p in enumerate(torch.split(x, [1, 3, 2], 1))], 1))
case("split: size 2 dim 0", [U(5, 3)], lambda x: torch.cat([p.sum(0, keepdim=True) * (i + 1) for i, p in enumerate(torch.split(x, 2))], 0))
case("expand: [3,1] -> [2,3,4]", [U(3, 1)], lambda x: x.expand(2, 3, 4))
case("expand: -1 keeps", [U(1, 4)], lambda x: x.expand(3, -1))
case("repeat: [2,3] x (2,1,2)", [U(2, 3)], lambda x: x.repeat(2, 1, 2))
case("repeat: 1-d x (3,2)", [U(4)], lambda x: x.repeat(3, 2))
case("flip: dim 1", [U(3, 4)], lambda x: torch.flip(x, [1]))
case("flip: dims [0,2]", [U(2, 3, 4)], lambda x: torch.flip(x, [0, 2]))
case("F.pad: constant (1,2) value 0.5", [U(2, 3)], lambda x: F.pad(x, (1, 2), value=0.5))
case("F.pad: constant 2-d with crop (1,-1,2,0)", [U(2, 3, 4)], lambda x: F.pad(x, (1, -1, 2, 0)))
case("F.pad: reflect (2,1)", [U(2, 3, 5)], lambda x: F.pad(x, (2, 1), mode="reflect"))
case("F.pad: reflect 2-d (1,2,2,1)", [U(1, 2, 4, 5)], lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"))
case("F.pad: replicate (2,1)", [U(2, 3, 4)], lambda x: F.pad(x, (2, 1), mode="replicate"))
case("F.pad: circular 2-d (1,1,2,0)", [U(1, 2, 3, 4)], lambda x: F.pad(x, (1, 1, 2, 0), mode="circular"))

# indexing
case("gather: dim 1", [U(3, 4), I([[0, 3], [1, 1], [2, 0]])], lambda x, i: torch.gather(x, 1, idx(i)))
case("gather: dim 0 smaller index", [U(4, 3, 2), I([[[3, 0]], [[1, 1]]])], lambda x, i: torch.gather(x, 0, idx(i)))
case("scatter: dim 1 src", [U(3, 5), I([[0, 4], [1, 2], [3, 0]]), U(3, 2)], lambda x, i, s: torch.scatter(x, 1, idx(i), s))
case("scatter: dim 0 value", [U(4, 3), I([[1, 0, 3], [2, 2, 0]])], lambda x, i: torch.scatter(x, 0, idx(i), -0.75))
case("scatterAdd: dim 0 repeated", [U(3, 4), I([[0, 1, 2, 0], [0, 1, 1, 2]]), U(2, 4)], lambda x, i, s: torch.scatter_add(x, 0, idx(i), s))
case("scatterAdd: dim 1 smaller index", [U(2, 5), I([[4, 4]]), U(1, 2)], lambda x, i, s: torch.scatter_add(x, 1, idx(i), s))
case("indexAdd: dim 0 repeated", [U(4, 3), I([0, 2, 0]), U(3, 3)], lambda x, i, s: torch.index_add(x, 0, idx(i), s))
case("indexAdd: dim 1 alpha -2", [U(2, 4, 3), I([3, 1]), U(2, 2, 3)], lambda x, i, s: torch.index_add(x, 1, idx(i), s, alpha=-2))
case("sort: values dim -1", [U(3, 6)], lambda x: torch.sort(x).values)
case("sort: indices descending dim 0", [U(5, 3)], lambda x: torch.sort(x, 0, descending=True).indices.to(D))
case("sort: values descending dim 0", [U(5, 3)], lambda x: torch.sort(x, 0, descending=True).values)
case("argsort: dim 1", [U(3, 6)], lambda x: torch.argsort(x, 1).to(D))
case("argsort: descending", [U(7)], lambda x: torch.argsort(x, descending=True).to(D))
case("topk: values k=2", [U(3, 6)], lambda x: torch.topk(x, 2).values)
case("topk: indices k=3 smallest dim 0", [U(5, 4)], lambda x: torch.topk(x, 3, 0, largest=False).indices.to(D))
case("topk: values k=3 smallest dim 0", [U(5, 4)], lambda x: torch.topk(x, 3, 0, largest=False).values)

case("expandAs: [1,3] as [2,3]", [U(1, 3), U(2, 3)], lambda x, o: x.expand_as(o))
case("broadcastTo: [3] -> [2,2,3]", [U(3)], lambda x: torch.broadcast_to(x, (2, 2, 3)))

# einsum and distances
case("einsum: bij,bjk->bik", [U(2, 3, 4), U(2, 4, 5)], lambda a, b: torch.einsum("bij,bjk->bik", a, b))
case("einsum: bhqd,bhkd->bhqk", [U(2, 2, 3, 4), U(2, 2, 5, 4)], lambda a, b: torch.einsum("bhqd,bhkd->bhqk", a, b))
case("einsum: ij,kj->ik", [U(3, 4), U(5, 4)], lambda a, b: torch.einsum("ij,kj->ik", a, b))
case("einsum: bi,ij,bj->b (RBM energy)", [U(3, 4), U(4, 5), U(3, 5)], lambda v, w, h: torch.einsum("bi,ij,bj->b", v, w, h))
case("einsum: implicit ij,jk", [U(2, 3), U(3, 4)], lambda a, b: torch.einsum("ij,jk", a, b))
case("einsum: ...ij->...ji with sum ij->", [U(2, 3, 4)], lambda a: torch.einsum("...ij->...ji", a) * torch.einsum("bij->", a))
case("einsum: outer i,j->ij", [U(3), U(4)], lambda a, b: torch.einsum("i,j->ij", a, b))
case("einsum: broadcast ...ij,...jk", [U(2, 1, 3, 4), U(5, 4, 2)], lambda a, b: torch.einsum("...ij,...jk->...ik", a, b))
case("cdist: p=2 small", [U(2, 4, 3), U(2, 5, 3)], lambda a, b: torch.cdist(a, b))
case("cdist: p=2 matrix-product route (P=30)", [U(30, 3), U(4, 3)], lambda a, b: torch.cdist(a, b))
case("cdist: p=1", [U(4, 3), U(5, 3)], lambda a, b: torch.cdist(a, b, p=1))
case("cdist: p=inf", [U(3, 4), U(2, 4)], lambda a, b: torch.cdist(a, b, p=float("inf")))
case("cdist: p=3 broadcast batch", [U(2, 1, 3, 2), U(3, 4, 2)], lambda a, b: torch.cdist(a, b, p=3))


# ================================================================================================
# The layers family's ops (branch `layers`), so the coverage test finds a PyTorch reference for them.
def sdpa(q, k, v, mask=None, causal=False):
    # torch 1.13 has no F.scaled_dot_product_attention: its definition
    s = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if causal:
        s = s.masked_fill(torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool).tril().logical_not(), float("-inf"))
    if mask is not None:
        s = s + mask
    return torch.softmax(s, -1) @ v


case("erf: [3,5]", [U(3, 5, lo=-3, hi=3)], torch.erf)
case("gelu: exact", [U(3, 5, lo=-4, hi=4)], F.gelu)
case("gelu: tanh", [U(3, 5, lo=-4, hi=4)], lambda x: F.gelu(x, approximate="tanh"))
case("silu: [3,5]", [U(3, 5, lo=-6, hi=6)], F.silu)
case("F.adaptiveAvgPool2d: 5x7 -> 3x2", [U(2, 3, 5, 7)], lambda x: F.adaptive_avg_pool2d(x, (3, 2)))
case("F.convTranspose2d: stride 2 padding 1 outputPadding 1", [U(2, 3, 4, 5), U(3, 2, 3, 3), U(2)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1))
# stride 1, 3×3, 16 channels each way: the forward pass and its gradients run by the engine's Winograd path
case("F.convTranspose2d: 3x3 16 -> 16 channels stride 1 padding 1 (Winograd)", [U(2, 16, 5, 6), U(16, 16, 3, 3), U(16)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, padding=1))
case("F.embedding: rows", [I([[1, 4, 1], [0, 5, 4]]), U(6, 3)], lambda i, w: F.embedding(idx(i), w))
case("F.interpolate: nearest x2", [U(1, 2, 3, 4)], lambda x: F.interpolate(x, scale_factor=2, mode="nearest"))
case("F.interpolate: bilinear size 5x7", [U(1, 2, 3, 4)], lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False))
case("F.interpolate: bilinear alignCorners", [U(2, 1, 4, 3)], lambda x: F.interpolate(x, size=(6, 5), mode="bilinear", align_corners=True))
case("F.layerNorm: [4] affine", [U(2, 3, 4), U(4), U(4)], lambda x, w, b: F.layer_norm(x, (4,), w, b))
case("F.layerNorm: [3,4] no affine", [U(2, 3, 4)], lambda x: F.layer_norm(x, (3, 4)))
case("F.batchNorm: training affine [3,2,3,3]", [U(3, 2, 3, 3), U(2), U(2)], lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True))
case("F.batchNorm: training no affine [6,2]", [U(6, 2)], lambda x: F.batch_norm(x, None, None, training=True))
case("F.batchNorm: eval running stats [4,3,5]", [U(4, 3, 5), V([0.1, -0.2, 0.3], grad=False), V([0.5, 1.5, 2.0], grad=False), U(3), U(3)],
     lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=False))
case("F.scaledDotProductAttention: additive mask", [U(2, 3, 4), U(2, 5, 4), U(2, 5, 3), U(3, 5)],
     lambda q, k, v, m: sdpa(q, k, v, m))
case("F.scaledDotProductAttention: causal", [U(1, 2, 4, 3), U(1, 2, 4, 3), U(1, 2, 4, 2)], lambda q, k, v: sdpa(q, k, v, causal=True))
case("F.unflatten: dim 1 -> [2,3]", [U(2, 6, 2)], lambda x: x.unflatten(1, (2, 3)))


# ================================================================================================
# linalg. Eigen/singular vectors are defined up to sign: wasmgrad makes the largest-magnitude entry
# of each eigenvector / left singular vector positive, and the references apply the same convention
# (a constant sign per vector, so the gradient passes through unchanged).
def signs_of(v):
    """+1/-1 per column of v (..., n, k): the sign of its largest-magnitude entry."""
    i = v.detach().abs().argmax(-2, keepdim=True)
    return torch.sign(torch.gather(v.detach(), -2, i))


def eigh_fixed(a):
    l, v = torch.linalg.eigh(a)
    return l, v * signs_of(v)


def svd_fixed(a):
    u, s, vh = torch.linalg.svd(a, full_matrices=False)
    sg = signs_of(u)
    return u * sg, s, vh * sg.transpose(-2, -1)


case("linalg.eigh: eigenvalues [5,5]", [SYM(5)], lambda a: eigh_fixed(a)[0])
case("linalg.eigh: eigenvectors [4,4]", [SYM(4)], lambda a: eigh_fixed(a)[1])
case("linalg.eigh: both, batched [2,3,3]", [SYM(3, (2,))], lambda a: eigh_fixed(a)[1] * eigh_fixed(a)[0].unsqueeze(-2))
case("linalg.eigh: SPD [6,6] eigenvectors", [SPD(6)], lambda a: eigh_fixed(a)[1])
case("linalg.eigvalsh: [4,4]", [SYM(4)], torch.linalg.eigvalsh)
case("linalg.svd: U [5,3]", [U(5, 3)], lambda a: svd_fixed(a)[0])
case("linalg.svd: S [5,3]", [U(5, 3)], lambda a: svd_fixed(a)[1])
case("linalg.svd: Vh [5,3]", [U(5, 3)], lambda a: svd_fixed(a)[2])
case("linalg.svd: U wide [3,5]", [U(3, 5)], lambda a: svd_fixed(a)[0])
case("linalg.svd: Vh wide [3,5]", [U(3, 5)], lambda a: svd_fixed(a)[2])
case("linalg.svd: reconstruction batched [2,4,3]", [U(2, 4, 3)], lambda a: (lambda u, s, vh: (u * s.unsqueeze(-2)) @ vh)(*svd_fixed(a)))
case("linalg.svdvals: [4,6]", [U(4, 6)], torch.linalg.svdvals)
case("linalg.solve: [4,4] [4,2]", [SPD(4), U(4, 2)], torch.linalg.solve)
case("linalg.solve: vector [3]", [U(3, 3), U(3)], lambda a, b: torch.linalg.solve(a + 3 * torch.eye(3, dtype=D), b))
case("linalg.solve: batched [2,3,3] [2,3,1]", [U(2, 3, 3), U(2, 3, 1)], lambda a, b: torch.linalg.solve(a + 3 * torch.eye(3, dtype=D), b))
case("linalg.inv: [4,4]", [SPD(4)], torch.linalg.inv)
case("linalg.inv: batched [2,3,3]", [U(2, 3, 3)], lambda a: torch.linalg.inv(a + 3 * torch.eye(3, dtype=D)))
case("linalg.pinv: [5,3]", [U(5, 3)], torch.linalg.pinv)
case("linalg.pinv: wide [2,4]", [U(2, 4)], torch.linalg.pinv)
case("linalg.lstsq: tall [6,3] [6,2]", [U(6, 3), U(6, 2)], lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").solution)
case("linalg.lstsq: vector [5,2] [5]", [U(5, 2), U(5)], lambda a, b: torch.linalg.lstsq(a, b.unsqueeze(-1), driver="gelsd").solution.squeeze(-1))
case("linalg.lstsq: wide minimum norm [2,4] [2,1]", [U(2, 4), U(2, 1)], lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").solution)


# ================================================================================================
# Losses of issue 13's last part: KL divergence, Huber, smooth L1; cross-entropy on [N, C, d1, ...].
case("F.klDiv: batchmean", [U(3, 5), U(3, 5, lo=0.05, hi=1)], lambda x, t: F.kl_div(torch.log_softmax(x, 1), t, reduction="batchmean"))
case("F.klDiv: mean", [U(2, 3, 4), U(2, 3, 4, lo=0.05, hi=1)], lambda x, t: F.kl_div(x, t, reduction="mean"))
case("F.klDiv: logTarget sum", [U(3, 4), U(3, 4, lo=-3, hi=0)], lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True))
case("F.klDiv: none with zero targets", [U(2, 3), V([[0, 0.5, 0.5], [0.25, 0, 0.75]], False)], lambda x, t: F.kl_div(x, t, reduction="none"))
case("F.huberLoss: mean", [U(3, 4), U(3, 4)], F.huber_loss)
case("F.huberLoss: delta 0.5 none", [U(2, 5), U(2, 5)], lambda x, t: F.huber_loss(x, t, reduction="none", delta=0.5))
case("F.smoothL1Loss: beta 0.5 sum", [U(3, 4), U(3, 4)], lambda x, t: F.smooth_l1_loss(x, t, reduction="sum", beta=0.5))
case("F.smoothL1Loss: beta 0 (L1) mean", [U(4, 3), U(4, 3)], lambda x, t: F.smooth_l1_loss(x, t, beta=0.0))
case("F.smoothL1Loss: default none", [U(2, 3), U(2, 3)], lambda x, t: F.smooth_l1_loss(x, t, reduction="none"))
case("F.crossEntropy: [N,C,H,W] ignoreIndex labelSmoothing", [U(2, 4, 3, 2), I([[[1, 0], [3, -100], [2, 2]], [[-100, 1], [0, 3], [3, 1]]])],
     lambda x, l: F.cross_entropy(x, idx(l), ignore_index=-100, label_smoothing=0.1))
case("F.crossEntropy: [N,C,L] weight none", [U(2, 3, 4), I([[0, 2, 1, 1], [2, 2, 0, 1]]), V([0.5, 2, 1], False)],
     lambda x, l, w: F.cross_entropy(x, idx(l), weight=w, reduction="none"))
case("F.crossEntropy: [N,C,L] weight ignoreIndex 2 sum", [U(3, 3, 2), I([[0, 2], [1, 1], [2, 0]]), V([0.5, 2, 1], False)],
     lambda x, l, w: F.cross_entropy(x, idx(l), weight=w, ignore_index=2, reduction="sum"))
case("F.crossEntropy: [N,C,L] probabilities", [U(2, 3, 4), U(2, 3, 4, lo=0, hi=1)], lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2))
case("F.nllLoss: [N,C,L] mean", [U(2, 4, 3), I([[3, 0, 1], [2, 2, 0]])], lambda x, l: F.nll_loss(torch.log_softmax(x, 1), idx(l)))


def main():
    only = set(sys.argv[1:])
    cases = [run(*c) for c in CASES if not only or c[0].split(":")[0] in only]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    doc = {
        "description": "PyTorch float64 references for the tensor ops: forward and gradient of sum(out * cotangent)",
        "generator": "scripts/fixtures_ops.py",
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "generated_utc": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "dtype": "float64 (inputs float32-representable)",
        "cases": cases,
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(tmp, OUT)
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
