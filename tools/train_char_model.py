"""Train the character model shipped as `lstm_course/data/charlm_python.pt`, from a seed.

    python -m tools.train_char_model              # writes the file (minutes on one CPU core)
    python -m tools.train_char_model --steps 50 --out /some/where.pt   # a quick trial run

Lesson 09 trains a model live for a few seconds, enough to watch the loss fall and the samples
improve, but not enough to grow hidden units worth looking inside. This script trains the same
architecture (`charlm.CharLM`, H = 128, one layer) for longer on the same corpus
(`pycorpus.load_corpus()`: the training modules of the running interpreter's standard library), with
B contiguous streams and truncated BPTT (`charlm.StreamBatches`, `charlm.train_lm`), on one CPU thread
so that the same seed gives the same weights. For the lesson's comparison it then trains a second
model of the same size on random windows from a zero state (same batch size, length, steps and seed)
and records its held-out losses beside the first one's; only the contiguous model's weights are kept
(`--no-compare` skips the second model).

The corpus is read from the interpreter that runs the script, so the weights depend on its Python
version (the library's text changes a little between releases); the file records that version, the
torch version, the seed, the sizes, the time it took and the losses. The weights are stored as
float16 (half the size) and the recorded losses are measured after rounding them.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

from lstm_course.charlm import CharLM, RandomWindows, StreamBatches, encode, stream_loss, train_lm
from lstm_course.pycorpus import load_corpus

OUTPUT = Path(__file__).resolve().parent.parent / "lstm_course" / "data" / "charlm_python.pt"
SEED = 0
CONFIG = {"vocab_size": 97, "embedding_size": 32, "hidden_size": 128, "num_layers": 1}
BATCH_SIZE, SEQ_LEN, STEPS, LR, FINAL_LR = 64, 128, 3000, 3e-3, 3e-4


def _fit(batches, steps, seed, label):
    torch.manual_seed(seed)
    model = CharLM(**CONFIG)
    started = time.perf_counter()

    def log(step, loss):
        if (step + 1) % 500 == 0 or step + 1 == steps:
            print(f"{label}: step {step + 1:5d}/{steps}  training loss {loss:.3f}  "
                  f"{time.perf_counter() - started:5.0f} s", flush=True)

    history = train_lm(model, batches, steps, lr=LR, final_lr=FINAL_LR, on_step=log)
    return model, history, time.perf_counter() - started


def train(steps: int, seed: int = SEED, compare: bool = True) -> tuple[dict, dict]:
    """Train from `seed` for `steps` steps; return (what `torch.save` writes, a summary to print).

    With `compare`, a second model of the same size is trained on `RandomWindows` (same B, T, steps,
    seed) and its held-out losses are recorded beside the shipped model's; its weights are not kept.
    """
    corpus = load_corpus()
    if not corpus.is_python:
        raise RuntimeError(f"the shipped model is trained on Python source; {corpus.note}")
    train_ids, heldout_ids = encode(corpus.train), encode(corpus.heldout)
    torch.set_num_threads(1)
    model, history, seconds = _fit(StreamBatches(train_ids, BATCH_SIZE, SEQ_LEN), steps, seed, "contiguous")
    state_dict = {name: tensor.detach().half() for name, tensor in model.state_dict().items()}
    model.load_state_dict({name: tensor.float() for name, tensor in state_dict.items()})  # measure what ships
    info = {
        "seed": seed, "steps": steps, "batch_size": BATCH_SIZE, "seq_len": SEQ_LEN, "lr": LR, "final_lr": FINAL_LR,
        "python": corpus.python, "torch": torch.__version__.split("+")[0], "platform": platform.machine(),
        "train_characters": len(train_ids), "seconds": round(seconds),
        "final_training_loss": round(sum(history[-100:]) / min(100, len(history)), 4),
        "heldout_loss": round(stream_loss(model, heldout_ids), 4),
        "heldout_loss_zero_state": round(stream_loss(model, heldout_ids, seq_len=SEQ_LEN, carry=False), 4),
    }
    if compare:
        windows = RandomWindows(train_ids, BATCH_SIZE, SEQ_LEN, torch.Generator().manual_seed(seed + 1))
        other, _, _ = _fit(windows, steps, seed, "random windows")
        info["random_windows_heldout_loss"] = round(stream_loss(other, heldout_ids), 4)
        info["random_windows_heldout_loss_zero_state"] = round(
            stream_loss(other, heldout_ids, seq_len=SEQ_LEN, carry=False), 4)
    return {"config": CONFIG, "state_dict": state_dict, "info": info}, info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=STEPS, help=f"optimiser steps (default {STEPS})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the weights")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the random-windows model trained for comparison (halves the time)")
    args = parser.parse_args(argv)
    saved, info = train(args.steps, args.seed, compare=not args.no_compare)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(saved, args.out)
    print(f"wrote {args.out.name} ({args.out.stat().st_size / 1024:.0f} KB): {info}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
