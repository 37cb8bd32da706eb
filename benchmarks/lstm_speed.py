"""Speed and memory of three LSTMs with the same weights: readable, fast path, torch.nn.

    python benchmarks/lstm_speed.py            # the full grid (a few minutes on 2 cores)
    python benchmarks/lstm_speed.py --quick    # a smaller grid with fewer repeats (well under a minute)

Models: `lstm_course.layers.LSTM` (one `lstm_step` per time step, autograd records every op),
`lstm_course.fast.FastLSTM` (hoisted input projection, fused gates, hand-written backward) and
`torch.nn.LSTM` (oneDNN on CPU, cuDNN on GPU). Two modes: "train" is forward plus the gradient of
`output.sum()` with respect to the input and every parameter; "infer" is the forward pass under
`torch.inference_mode()`.

Timings are interleaved (every repeat times each model once, in turn) and the median over repeats
is reported, so a slow spell on a shared machine hits all models alike instead of one. Expect a
few percent of noise between runs on a quiet machine, and more when other work shares the CPU.

The memory table counts the bytes autograd keeps for the backward pass (tensors saved by the
forward pass, each storage once, found with `torch.autograd.graph.saved_tensors_hooks`): it should
grow linearly with T, as should the time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from functools import partial

import torch
from torch import nn

from lstm_course.fast import FastLSTM
from lstm_course.layers import LSTM

MODELS = ("readable", "fast", "nn")
INPUT_SIZE = 64
TARGET = {"T": 100, "B": 32, "H": 128}


def build_models(hidden_size, dtype=torch.float32):
    """The three models with identical weights (copied from torch.nn.LSTM's initialisation)."""
    reference = nn.LSTM(INPUT_SIZE, hidden_size, dtype=dtype)
    models = {"readable": LSTM(INPUT_SIZE, hidden_size, dtype=dtype),
              "fast": FastLSTM(INPUT_SIZE, hidden_size, dtype=dtype), "nn": reference}
    for model in models.values():
        model.load_state_dict(reference.state_dict())
    return models


def train_step(model, x):
    """Forward, then the gradients of output.sum() w.r.t. the input and every parameter."""
    x = x.detach().requires_grad_()
    output, _ = model(x)
    return torch.autograd.grad(output.sum(), [x, *model.parameters()])


def infer_step(model, x):
    with torch.inference_mode():
        return model(x)


def time_interleaved(fns, repeats, warmup=2):
    """Median seconds of each function, timing them in turn within every repeat."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def measure(T, B, H, repeats, generator):
    """Median milliseconds of every model in both modes at one size."""
    models = build_models(H)
    x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
    result = {}
    for mode, step in (("train", train_step), ("infer", infer_step)):
        fns = {name: partial(step, model, x) for name, model in models.items()}
        for name, seconds in time_interleaved(fns, repeats).items():
            result[mode, name] = seconds * 1e3
    return result


def matmul_floor(T, B, H, repeats, generator):
    """Median ms of T recurrent multiplies (B, H) x (H, 4H) alone, against nn.LSTM's whole inference.

    No loop that calls torch.mm once per step can beat this, whatever else it fuses.
    """
    model = build_models(H)["nn"]
    x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
    h = torch.randn(B, H, generator=generator)  # (B, H)
    w_hh_t = model.weight_hh_l0.detach().t()  # (H, 4H)

    def multiplies():
        for _ in range(T):
            torch.mm(h, w_hh_t)  # (B, 4H)

    ms = time_interleaved({"mm": multiplies, "nn": partial(infer_step, model, x)}, repeats)
    return ms["mm"] * 1e3, ms["nn"] * 1e3


def saved_bytes(model, x):
    """Bytes of the tensors autograd saves for backward in one forward pass, each storage counted once."""
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x.detach().requires_grad_())
    # The parameters exist anyway; only what the forward pass creates and keeps is its cost.
    return sum(n for ptr, n in storages.items() if ptr not in parameters and ptr != x.untyped_storage().data_ptr())


def grid(quick):
    """(T, B, H) sizes: one axis varied at a time around the target size."""
    T, B, H = TARGET["T"], TARGET["B"], TARGET["H"]
    if quick:
        sizes = [(25, B, H), (T, B, H), (T, B, 256), (T, 8, H)]
    else:
        sizes = [(t, B, H) for t in (25, 100, 400)] + [(T, B, h) for h in (64, 256, 512)]
        sizes += [(T, b, H) for b in (1, 8, 64)]
    return sizes


def print_speed_table(rows):
    header = (f"{'T':>4} {'B':>3} {'H':>4} | {'mode':5} | {'readable ms':>11} {'fast ms':>9} {'nn ms':>8} | "
              f"{'readable/nn':>11} {'fast/nn':>8}")
    print(header)
    print("-" * len(header))
    for (T, B, H), result in rows:
        for mode in ("train", "infer"):
            ms = [result[mode, name] for name in MODELS]
            print(f"{T:>4} {B:>3} {H:>4} | {mode:5} | {ms[0]:11.2f} {ms[1]:9.2f} {ms[2]:8.2f} | "
                  f"{ms[0] / ms[2]:11.2f} {ms[1] / ms[2]:8.2f}")


def print_growth_table(lengths, B, H, repeats, generator):
    """Time of a training step and bytes saved for backward against T: both should be linear in T."""
    models = build_models(H)
    header = f"{'T':>4} | " + " ".join(f"{name + ' ms':>12}" for name in MODELS) + " | " + " ".join(
        f"{name + ' MB':>12}" for name in MODELS) + " | " + f"{'fast kB/step':>12}"
    print(header)
    print("-" * len(header))
    for T in lengths:
        x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
        fns = {name: partial(train_step, model, x) for name, model in models.items()}
        ms = time_interleaved(fns, repeats)
        mb = {name: saved_bytes(model, x) / 2**20 for name, model in models.items()}
        print(f"{T:>4} | " + " ".join(f"{ms[name] * 1e3:12.2f}" for name in MODELS) + " | "
              + " ".join(f"{mb[name]:12.2f}" for name in MODELS) + f" | {mb['fast'] * 1024 / T:12.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid and fewer repeats")
    parser.add_argument("--repeats", type=int, help="timed repeats per model (default 7, or 5 with --quick)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 7)
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} threads, "
          f"float32, I={INPUT_SIZE}, median of {repeats} interleaved repeats")
    print("train = forward + gradients of output.sum(); infer = forward under inference_mode\n")
    rows = []
    for T, B, H in grid(args.quick):
        rows.append(((T, B, H), measure(T, B, H, repeats, generator)))
    print_speed_table(rows)
    target = dict(rows)[TARGET["T"], TARGET["B"], TARGET["H"]]
    print(f"\nAt the target size T={TARGET['T']}, B={TARGET['B']}, I={INPUT_SIZE}, H={TARGET['H']}: "
          f"FastLSTM / nn.LSTM = {target['train', 'fast'] / target['train', 'nn']:.2f} (train), "
          f"{target['infer', 'fast'] / target['infer', 'nn']:.2f} (infer); target <= 1.5")
    floor, nn_ms = matmul_floor(TARGET["T"], TARGET["B"], TARGET["H"], repeats, generator)
    print(f"The {TARGET['T']} recurrent torch.mm calls alone take {floor:.2f} ms = {floor / nn_ms:.2f} x "
          f"nn.LSTM's whole inference ({nn_ms:.2f} ms): the floor for any loop of per-step multiplies")
    lengths = (25, 50, 100) if args.quick else (25, 50, 100, 200, 400)
    print(f"\nGrowth with T (train, B={TARGET['B']}, H={TARGET['H']}): time and bytes saved for backward")
    print_growth_table(lengths, TARGET["B"], TARGET["H"], repeats, generator)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
