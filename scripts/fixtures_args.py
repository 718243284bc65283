#!/usr/bin/env python3
"""Writes PyTorch reference values for the PyTorch-shaped options wasmgrad accepts.

Run by hand (CI must not need PyTorch):  python3 scripts/fixtures_args.py
(on this machine Debian's python3-torch is /usr/bin/python3). Output: tests/fixtures/torch/args.json,
read by tests/pytorch-args.test.ts. Inputs are float32 values (drawn in float64 with a fixed seed,
then rounded); every expected value is computed by torch in float64 from those inputs, so a test
compares wasmgrad's float32 result with the exact answer, not with torch's own rounding.

Cases: cross_entropy (label_smoothing, weight, ignore_index, class-probability targets, 1-D
input), nll_loss (weight, ignore_index), binary_cross_entropy (weight), binary_cross_entropy_with_logits
(weight, pos_weight), log_softmax/softmax/cross_entropy of logits near 1e4, index_select along
every dim with its gradient, BatchNorm1d with momentum=None, SGD/Adam with maximize=True.
"""

import datetime
import json
import os
import platform

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "torch", "args.json")
torch.manual_seed(0)
torch.set_num_threads(1)


def f32(shape, scale=1.0, shift=0.0):
    """float64 tensor holding float32-representable values."""
    return (torch.randn(*shape, dtype=torch.float64) * scale + shift).float().double()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def entry(t):
    return {"shape": list(t.shape), "data": flat(t)}


def loss_case(name, fn, inputs, grad_of, kwargs, extra=None):
    """Runs fn(**inputs, **kwargs) in float64; the gradient is of (loss * cotangent).sum() w.r.t. grad_of."""
    leaves = {k: (v.clone().requires_grad_(k == grad_of) if isinstance(v, torch.Tensor) else v) for k, v in inputs.items()}
    out = fn(**leaves, **kwargs)
    cot = torch.linspace(0.5, 1.5, out.numel(), dtype=torch.float64).reshape(out.shape)
    (out * cot).sum().backward()
    case = {
        "name": name,
        "inputs": {k: entry(v) if isinstance(v, torch.Tensor) else v for k, v in inputs.items()},
        "options": {k: (entry(v) if isinstance(v, torch.Tensor) else v) for k, v in kwargs.items()},
        "output": entry(out),
        "cotangent": entry(cot),
        "grad": entry(leaves[grad_of].grad),
    }
    if extra:
        case.update(extra)
    return case


def camel(k):
    parts = k.split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def ckw(kwargs):
    """PyTorch keyword names -> wasmgrad's camelCase, for the test to pass on."""
    return {camel(k): v for k, v in kwargs.items()}


cases = []

# ---- cross_entropy / nll_loss ----------------------------------------------------------------
logits = f32((6, 4), 2.0)
labels = torch.tensor([0, 3, 1, 1, 2, 0])
labels_ignored = torch.tensor([0, -100, 1, 1, -100, 3])
labels_ignore2 = torch.tensor([2, 3, 1, 2, 2, 0])
weight = torch.tensor([0.5, 2.0, 1.0, 0.25], dtype=torch.float64)
probs = torch.softmax(f32((6, 4)), 1).float().double()


def ce(input, target, **kw):
    return F.cross_entropy(input, target, **kw)


def nll(input, target, **kw):
    return F.nll_loss(input, target, **kw)


for reduction in ("mean", "sum", "none"):
    for tag, kw in [
        ("ls0.1", dict(label_smoothing=0.1)),
        ("ls1", dict(label_smoothing=1.0)),
        ("weight", dict(weight=weight)),
        ("weight ls0.2", dict(weight=weight, label_smoothing=0.2)),
    ]:
        cases.append(loss_case(f"crossEntropy {tag} {reduction}", ce, {"input": logits, "target": labels}, "input",
                               {**kw, "reduction": reduction}))
    for tag, kw in [
        ("ignore", dict(ignore_index=-100)),
        ("ignore ls0.1", dict(label_smoothing=0.1)),
        ("ignore weight ls0.3", dict(weight=weight, label_smoothing=0.3)),
    ]:
        cases.append(loss_case(f"crossEntropy {tag} {reduction}", ce, {"input": logits, "target": labels_ignored}, "input",
                               {**kw, "reduction": reduction}))
    cases.append(loss_case(f"crossEntropy ignoreIndex=2 ls0.1 {reduction}", ce, {"input": logits, "target": labels_ignore2}, "input",
                           dict(ignore_index=2, label_smoothing=0.1, reduction=reduction)))
    for tag, kw in [("probs", {}), ("probs ls0.2", dict(label_smoothing=0.2)), ("probs weight ls0.1", dict(weight=weight, label_smoothing=0.1))]:
        cases.append(loss_case(f"crossEntropy {tag} {reduction}", ce, {"input": logits, "target": probs}, "input",
                               {**kw, "reduction": reduction}))
    logp = torch.log_softmax(logits, 1).float().double()
    for tag, kw, tgt in [("weight", dict(weight=weight), labels), ("ignore weight", dict(weight=weight), labels_ignored)]:
        cases.append(loss_case(f"nllLoss {tag} {reduction}", nll, {"input": logp, "target": tgt}, "input",
                               {**kw, "reduction": reduction}))

cases.append(loss_case("crossEntropy 1-D input, 0-d label, ls0.1", ce, {"input": logits[1], "target": torch.tensor(2)}, "input",
                       dict(label_smoothing=0.1)))
cases.append(loss_case("crossEntropy 1-D input, 0-d label, none", ce, {"input": logits[1], "target": torch.tensor(2)}, "input",
                       dict(reduction="none")))
cases.append(loss_case("crossEntropy 1-D input, probabilities", ce, {"input": logits[2], "target": probs[2]}, "input", {}))

# ---- binary cross-entropy ----------------------------------------------------------------------
p = torch.sigmoid(f32((3, 4))).float().double()
t = (torch.rand(3, 4, dtype=torch.float64) > 0.5).double()
bw = torch.tensor([1.0, 0.5, 2.0, 0.0], dtype=torch.float64)
pos = torch.tensor([1.0, 3.0, 0.5, 10.0], dtype=torch.float64)
x_big = f32((3, 4), 10.0)
for reduction in ("mean", "sum", "none"):
    cases.append(loss_case(f"binaryCrossEntropy weight {reduction}", lambda input, target, **kw: F.binary_cross_entropy(input, target, **kw),
                           {"input": p, "target": t}, "input", dict(weight=bw, reduction=reduction)))
    cases.append(loss_case(f"binaryCrossEntropyWithLogits posWeight {reduction}",
                           lambda input, target, **kw: F.binary_cross_entropy_with_logits(input, target, **kw),
                           {"input": x_big, "target": t}, "input", dict(pos_weight=pos, reduction=reduction)))
    cases.append(loss_case(f"binaryCrossEntropyWithLogits weight posWeight {reduction}",
                           lambda input, target, **kw: F.binary_cross_entropy_with_logits(input, target, **kw),
                           {"input": x_big, "target": t}, "input", dict(weight=bw, pos_weight=pos, reduction=reduction)))

# ---- large logits (ONNX test_logsoftmax_large_number, and random rows near 1e4) ----------------
onnx = torch.tensor([[0, 1, 2, 3], [10000, 10001, 10002, 10003]], dtype=torch.float64)
near = (10000 + f32((3, 7), 3.0)).float().double()
large = []
for name, x in [("onnx", onnx), ("near 1e4", near), ("near -1e4", -near)]:
    large.append({"name": name, "input": entry(x), "logSoftmax": entry(torch.log_softmax(x, 1)),
                  "softmax": entry(torch.softmax(x, 1)),
                  "crossEntropy": float(F.cross_entropy(x, torch.zeros(x.shape[0], dtype=torch.long), reduction="sum"))})

# ---- index_select ------------------------------------------------------------------------------
xs = f32((3, 4, 5))
index_cases = []
for dim, idx in [(0, [2, 0, 2]), (1, [3, 3, 0, 1, 2]), (2, [4]), (-1, [0, 4, 1, 1]), (1, [])]:
    leaf = xs.clone().requires_grad_(True)
    out = leaf.index_select(dim, torch.tensor(idx, dtype=torch.long))
    cot = torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)
    (out * cot).sum().backward()
    index_cases.append({"dim": dim, "index": idx, "output": entry(out), "cotangent": entry(cot), "grad": entry(leaf.grad)})

# ---- BatchNorm1d(momentum=None): cumulative averages ------------------------------------------
bn = torch.nn.BatchNorm1d(3, momentum=None).double()
batches = [f32((4, 3), 2.0, 1.0) for _ in range(3)]
for b in batches:
    bn(b)
batchnorm = {"batches": [entry(b) for b in batches], "runningMean": flat(bn.running_mean), "runningVar": flat(bn.running_var),
             "numBatchesTracked": int(bn.num_batches_tracked)}

# ---- maximize ----------------------------------------------------------------------------------
target = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
start = f32((3,))
maximize = []
for cls, kw in [("SGD", dict(lr=0.1, momentum=0.9, maximize=True)), ("Adam", dict(lr=0.1, maximize=True)),
                ("RMSprop", dict(lr=0.01, maximize=True)), ("Adagrad", dict(lr=0.1, maximize=True)),
                ("Adadelta", dict(lr=1.0, maximize=True))]:
    prm = start.clone().requires_grad_(True)
    opt = getattr(torch.optim, cls)([prm], **kw, foreach=False)
    traj = []
    for _ in range(5):
        opt.zero_grad()
        (-((prm - target) ** 2).sum()).backward()
        opt.step()
        traj.append(flat(prm))
    maximize.append({"optimizer": cls, "options": ckw(kw), "trajectory": traj})

doc = {
    "description": "PyTorch float64 references for wasmgrad's PyTorch-shaped options (scripts/fixtures_args.py)",
    "torch_version": torch.__version__,
    "python_version": platform.python_version(),
    "generated_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "dtype": "float64 (inputs are float32 values)",
    "seed": 0,
    "losses": [dict(c, options=ckw(c["options"])) for c in cases],
    "large": large,
    "indexSelect": {"input": entry(xs), "cases": index_cases},
    "batchNormMomentumNone": batchnorm,
    "maximize": {"start": flat(start), "target": flat(target), "runs": maximize},
}
with open(OUT + ".tmp", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
os.replace(OUT + ".tmp", OUT)
print(f"wrote {OUT}: {len(cases)} loss cases, {len(large)} large-logit rows, {len(index_cases)} index_select cases")
