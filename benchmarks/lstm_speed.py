"""Speed and memory of three LSTMs with the same weights: readable, fast path, torch.nn.

    python benchmarks/lstm_speed.py            # the full grid (a few minutes on 2 cores)
    python benchmarks/lstm_speed.py --quick    # a smaller grid with fewer repeats (well under a minute)
    python benchmarks/lstm_speed.py --threads 1 --clock cpu   # steadiest on a shared machine

Models: `lstm_course.layers.LSTM` (one `lstm_step` per time step, autograd records every op),
`lstm_course.fast.FastLSTM` (hoisted input projection, fused gates, hand-written backward) and
`torch.nn.LSTM` (oneDNN on CPU, cuDNN on GPU). Two modes: "train" is forward plus the gradient of
`output.sum()` with respect to the input and every parameter; "infer" is the forward pass under
`torch.inference_mode()`.

Timings are interleaved (every repeat times each model once, in turn) and the median over repeats
is reported, so a slow spell on a shared machine hits all models alike instead of one. Expect a
few percent of noise between runs on a quiet machine, and more when other work shares the CPU.
With `--threads 1 --clock cpu` each run is timed by the CPU time of the one thread doing the work
(`time.thread_time`), which time spent waiting for a core shared with other programs does not
inflate; on an idle machine it equals the wall-clock time.

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


CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


def time_interleaved(fns, repeats, clock=time.perf_counter, warmup=2):
    """Median seconds of each function, timing them in turn within every repeat."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = clock()
            fn()
            times[name].append(clock() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def measure(T, B, H, repeats, generator, clock):
    """Median milliseconds of every model in both modes at one size."""
    models = build_models(H)
    x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
    result = {}
    for mode, step in (("train", train_step), ("infer", infer_step)):
        fns = {name: partial(step, model, x) for name, model in models.items()}
        for name, seconds in time_interleaved(fns, repeats, clock).items():
            result[mode, name] = seconds * 1e3
    return result


def matmul_floor(T, B, H, repeats, generator, clock):
    """Median ms of the multiplies of one layer's inference alone, against nn.LSTM's whole inference.

    The multiplies are the hoisted input projection (T·B, I) x (I, 4H) and T recurrent
    (B, H) x (H, 4H) ones, issued through torch.mm as FastLSTM does: no loop built on them can be
    faster than they are, however well it fuses the rest.
    """
    model = build_models(H)["nn"]
    x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
    h = torch.randn(B, H, generator=generator)  # (B, H)
    w_ih_t, w_hh_t = model.weight_ih_l0.detach().t(), model.weight_hh_l0.detach().t()  # (I, 4H), (H, 4H)

    def hoisted():
        torch.mm(x.view(T * B, INPUT_SIZE), w_ih_t)  # (T·B, 4H)

    def recurrent():
        for _ in range(T):
            torch.mm(h, w_hh_t)  # (B, 4H)

    fns = {"hoisted": hoisted, "recurrent": recurrent, "nn": partial(infer_step, model, x)}
    return {name: seconds * 1e3 for name, seconds in time_interleaved(fns, repeats, clock).items()}


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


def print_growth_table(lengths, B, H, repeats, generator, clock):
    """Time of a training step and bytes saved for backward against T: both should be linear in T."""
    models = build_models(H)
    header = f"{'T':>4} | " + " ".join(f"{name + ' ms':>12}" for name in MODELS) + " | " + " ".join(
        f"{name + ' MB':>12}" for name in MODELS) + " | " + f"{'fast kB/step':>12}"
    print(header)
    print("-" * len(header))
    for T in lengths:
        x = torch.randn(T, B, INPUT_SIZE, generator=generator)  # (T, B, I)
        fns = {name: partial(train_step, model, x) for name, model in models.items()}
        ms = time_interleaved(fns, repeats, clock)
        mb = {name: saved_bytes(model, x) / 2**20 for name, model in models.items()}
        print(f"{T:>4} | " + " ".join(f"{ms[name] * 1e3:12.2f}" for name in MODELS) + " | "
              + " ".join(f"{mb[name]:12.2f}" for name in MODELS) + f" | {mb['fast'] * 1024 / T:12.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid and fewer repeats")
    parser.add_argument("--repeats", type=int, help="timed repeats per model (default 7, or 5 with --quick)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall: elapsed time; cpu: CPU time of the working thread (needs --threads 1)")
    args = parser.parse_args(argv)
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu times one thread, so it needs --threads 1")
    clock = CLOCKS[args.clock]
    repeats = args.repeats or (5 if args.quick else 7)
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, {torch.get_num_threads()} threads, "
          f"float32, I={INPUT_SIZE}, {args.clock} clock, median of {repeats} interleaved repeats")
    print("train = forward + gradients of output.sum(); infer = forward under inference_mode\n")
    rows = []
    for T, B, H in grid(args.quick):
        rows.append(((T, B, H), measure(T, B, H, repeats, generator, clock)))
    print_speed_table(rows)
    target = dict(rows)[TARGET["T"], TARGET["B"], TARGET["H"]]
    print(f"\nAt the target size T={TARGET['T']}, B={TARGET['B']}, I={INPUT_SIZE}, H={TARGET['H']}: "
          f"FastLSTM / nn.LSTM = {target['train', 'fast'] / target['train', 'nn']:.2f} (train), "
          f"{target['infer', 'fast'] / target['infer', 'nn']:.2f} (infer); target <= 1.5")
    floor = matmul_floor(TARGET["T"], TARGET["B"], TARGET["H"], repeats, generator, clock)
    print(f"Its multiplies alone, through torch.mm: the hoisted input projection {floor['hoisted']:.2f} ms + "
          f"{TARGET['T']} recurrent ones {floor['recurrent']:.2f} ms = "
          f"{(floor['hoisted'] + floor['recurrent']) / floor['nn']:.2f} x nn.LSTM's whole inference "
          f"({floor['nn']:.2f} ms):\nthe floor for a loop of torch.mm calls, whatever it fuses")
    lengths = (25, 50, 100) if args.quick else (25, 50, 100, 200, 400)
    print(f"\nGrowth with T (train, B={TARGET['B']}, H={TARGET['H']}): time and bytes saved for backward")
    print_growth_table(lengths, TARGET["B"], TARGET["H"], repeats, generator, clock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
