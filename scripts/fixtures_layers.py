#!/usr/bin/python3
"""PyTorch float64 references for the layers family (issue 13), run by hand; CI never needs PyTorch.

    /usr/bin/python3 scripts/fixtures_layers.py      # writes tests/fixtures/torch/layers.json

Every case holds float32-representable inputs (drawn in float32, computed in float64), the op's
options in wasmgrad's camelCase, the output, a random cotangent and the gradient of
sum(output * cotangent) with respect to each input (and each parameter, for modules).
tests/torch-layers.test.ts replays them. PyTorch 1.13 has no F.scaled_dot_product_attention, so
attention is written out as softmax(q·kᵀ·scale + mask)·v, which is its definition.
"""
import datetime
import json
import math
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "torch", "layers.json")
gen = torch.Generator().manual_seed(20240613)


def rand(*shape, lo=-2.0, hi=2.0):
    """float32 draws widened to float64, so the engine sees exactly the same numbers."""
    return (torch.rand(*shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo).double()


def arr(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def run(fn, inputs, params=None):
    """Output, cotangent and gradients of sum(output * cotangent) for named inputs (and params)."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves)
    main = out[0] if isinstance(out, tuple) else out
    cot = rand(*main.shape, lo=-1, hi=1)
    (main * cot).sum().backward()
    grads = {k: arr(v.grad) for k, v in leaves.items()}
    for name, p in (params or {}).items():
        grads[name] = arr(p.grad)
    rec = {"inputs": {k: arr(v) for k, v in inputs.items()}, "output": arr(main), "cotangent": arr(cot), "grads": grads}
    if isinstance(out, tuple) and out[1] is not None:
        rec["weights"] = arr(out[1])
    return rec


cases = []


def case(op, options, rec, **extra):
    cases.append({"op": op, "options": options, **rec, **extra})


# ---- erf, GELU, SiLU: a dense grid including the tails, and random points ----
grid = torch.cat([torch.linspace(-9, 9, 361, dtype=torch.float32).double(), rand(64, lo=-3, hi=3)])
for name, opts, fn in [("erf", {}, torch.erf), ("gelu", {}, F.gelu),
                       ("gelu", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")), ("silu", {}, F.silu)]:
    case(name, opts, run(lambda x, fn=fn: fn(x), {"x": grid}))

# ---- convTranspose2d ----
for xs, ws, o in [
    ([2, 3, 5, 4], [3, 4, 3, 3], {}),
    ([2, 4, 4, 4], [4, 3, 4, 4], {"stride": 2, "padding": 1}),
    ([1, 3, 3, 5], [3, 2, 3, 2], {"stride": [2, 3], "padding": [1, 0], "outputPadding": [1, 2]}),
    ([2, 2, 5, 4], [2, 3, 3, 3], {"dilation": 2, "padding": 2}),
    ([1, 2, 3, 3], [2, 2, 2, 2], {"stride": 1, "dilation": 3, "outputPadding": 2}),
    ([4, 16, 4, 4], [16, 8, 4, 4], {"stride": 2, "padding": 1}),  # a DCGAN generator block
]:
    def ct(x, weight, bias, o=o):
        return F.conv_transpose2d(x, weight, bias, stride=o.get("stride", 1), padding=o.get("padding", 0),
                                  output_padding=o.get("outputPadding", 0), dilation=o.get("dilation", 1))
    case("convTranspose2d", o, run(ct, {"x": rand(*xs), "weight": rand(*ws, lo=-0.5, hi=0.5), "bias": rand(ws[1])}))

# ---- layerNorm ----
for xs, ns, affine in [([4, 6, 10], [10], True), ([3, 5, 2, 4], [2, 4], True), ([5, 33], [33], False)]:
    inputs = {"x": rand(*xs, lo=-1, hi=3)}
    if affine:
        inputs.update(weight=rand(*ns, lo=0.5, hi=1.5), bias=rand(*ns))
    case("layerNorm", {"normalizedShape": ns},
         run(lambda x, weight=None, bias=None, ns=ns: F.layer_norm(x, ns, weight, bias, 1e-5), inputs))


# ---- scaledDotProductAttention, by its definition ----
def sdpa(q, k, v, attnMask=None, isCausal=False, scale=None):
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.shape[-1]))
    if isCausal:
        L, S = q.shape[-2], k.shape[-2]
        s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if attnMask is not None:
        s = s + attnMask
    return torch.softmax(s, -1) @ v


for qs, ks, vs, ms, o in [
    ([2, 3, 7, 8], [2, 3, 9, 8], [2, 3, 9, 5], None, {}),
    ([2, 2, 6, 4], [2, 2, 6, 4], [2, 2, 6, 4], None, {"isCausal": True}),
    ([2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 3], [5, 7], {}),
    ([2, 2, 5, 4], [2, 2, 7, 4], [2, 2, 7, 3], [2, 1, 1, 7], {"scale": 0.4}),
    ([3, 10, 16], [3, 12, 16], [3, 12, 16], [3, 10, 12], {}),
]:
    inputs = {"q": rand(*qs), "k": rand(*ks), "v": rand(*vs)}
    if ms:
        inputs["attnMask"] = rand(*ms)
    case("scaledDotProductAttention", o, run(lambda q, k, v, attnMask=None, o=o: sdpa(q, k, v, attnMask, o.get("isCausal", False), o.get("scale")), inputs))


# ---- MultiheadAttention: parameters drawn in float32, the module run in float64 ----
def mha_case(E, H, L, S, N, kdim=None, vdim=None, batch_first=False, kpm=None, attn_mask=None, average=True, self_attn=True):
    m = torch.nn.MultiheadAttention(E, H, kdim=kdim, vdim=vdim, batch_first=batch_first).double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rand(*p.shape, lo=-0.6, hi=0.6))
    names = {"in_proj_weight": "inProjWeight", "q_proj_weight": "qProjWeight", "k_proj_weight": "kProjWeight",
             "v_proj_weight": "vProjWeight", "in_proj_bias": "inProjBias", "out_proj.weight": "outProj.weight",
             "out_proj.bias": "outProj.bias"}
    params = {names[n]: p for n, p in m.named_parameters()}
    shape = (lambda n, length, e: [n, length, e]) if batch_first else (lambda n, length, e: [length, n, e])
    inputs = {"query": rand(*shape(N, L, E))}
    if not self_attn:
        inputs.update(key=rand(*shape(N, S, kdim or E)), value=rand(*shape(N, S, vdim or E)))
    fwd = {}
    if kpm is not None:
        fwd["keyPaddingMask"] = kpm
    if attn_mask is not None:
        fwd["attnMask"] = attn_mask.tolist()

    def f(query, key=None, value=None):
        key = query if key is None else key
        value = query if value is None else value
        kp = torch.tensor(kpm, dtype=torch.bool) if kpm is not None else None
        return m(query, key, value, key_padding_mask=kp, attn_mask=attn_mask, average_attn_weights=average)

    rec = run(f, inputs, params)
    rec["params"] = {k: arr(p) for k, p in params.items()}
    case("MultiheadAttention", {"embedDim": E, "numHeads": H, "kdim": kdim, "vdim": vdim, "batchFirst": batch_first},
         rec, forward={**fwd, "averageAttnWeights": average}, selfAttention=self_attn)


mha_case(8, 2, 5, 5, 3, kpm=[[False, False, True, False, True], [False] * 5, [False, True, False, False, False]])
mha_case(12, 3, 4, 6, 2, kdim=5, vdim=7, batch_first=True, self_attn=False, average=False)
mha_case(8, 4, 6, 6, 2, batch_first=True, attn_mask=rand(6, 6, lo=-1, hi=1))

# ---- interpolate, adaptiveAvgPool2d ----
for xs, o in [
    ([2, 2, 3, 4], {"scaleFactor": 2}),
    ([1, 2, 5, 3], {"size": [7, 8]}),
    ([1, 1, 5, 4], {"scaleFactor": 1.5}),
    ([2, 3, 7], {"size": 3}),
    ([2, 2, 3, 4], {"scaleFactor": 2, "mode": "bilinear"}),
    ([1, 2, 5, 3], {"size": [7, 8], "mode": "bilinear", "alignCorners": True}),
    ([1, 2, 6, 6], {"size": [4, 3], "mode": "bilinear"}),
    ([1, 1, 5, 4], {"scaleFactor": [1.7, 2.5], "mode": "bilinear"}),
    ([1, 2, 7, 5], {"size": [3, 2], "mode": "area"}),
]:
    kw = {"size": o.get("size"), "scale_factor": o.get("scaleFactor"), "mode": o.get("mode", "nearest")}
    if "alignCorners" in o:
        kw["align_corners"] = o["alignCorners"]
    elif kw["mode"] == "bilinear":
        kw["align_corners"] = False
    case("interpolate", o, run(lambda x, kw=kw: F.interpolate(x, **kw), {"x": rand(*xs)}))
for xs, size in [([2, 3, 7, 5], [3, 2]), ([1, 2, 6, 6], 1), ([2, 4, 5], [None, 2]), ([1, 1, 3, 4], [5, 7])]:
    case("adaptiveAvgPool2d", {"outputSize": size}, run(lambda x, size=size: F.adaptive_avg_pool2d(x, size), {"x": rand(*xs)}))

# ---- embedding (indices are data, not inputs) ----
for idx, o in [([[1, 4, 1], [0, 5, 4]], {}), ([2, 2, 3, 0, 2], {"paddingIdx": 2}), ([1, 1, 3, 1, 0], {"scaleGradByFreq": True})]:
    it = torch.tensor(idx)
    rec = run(lambda weight, o=o, it=it: F.embedding(it, weight, padding_idx=o.get("paddingIdx"),
                                                     scale_grad_by_freq=o.get("scaleGradByFreq", False)),
              {"weight": rand(6, 3)})
    case("embedding", o, rec, indices=idx)

meta = {
    "generated": datetime.date.today().isoformat(),
    "torch": torch.__version__,
    "script": "scripts/fixtures_layers.py",
    "dtype": "float64 (inputs drawn in float32)",
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT + ".tmp", "w") as f:
    json.dump({"meta": meta, "cases": cases}, f, separators=(",", ":"))
os.replace(OUT + ".tmp", OUT)
print(f"wrote {OUT}: {len(cases)} cases")
