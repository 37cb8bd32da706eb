"""Train the encoder-decoder that lesson 10 analyses, and save its weights into the package.

    python -m tools.train_date_model            # writes lstm_course/data/date_seq2seq.pt

A lesson has 30 seconds of one CPU core; a model good enough to show *where* an encoder-decoder
fails needs more (about a minute of CPU time). This script makes that model reproducibly: the same
split, seeds and batches as the lesson's live run, with hidden size 128 and five times the steps, on
one thread. The lesson says which results come from these weights and still trains a model live.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from lstm_course.dates import SOURCE_VOCAB, TARGET_VOCAB, TRAIN_FORMATS, date_batch, split_days
from lstm_course.seq2seq import Seq2Seq, train_seq2seq
from lstm_course.training import set_seed

OUT = Path(__file__).resolve().parent.parent / "lstm_course" / "data" / "date_seq2seq.pt"
HIDDEN, EMBEDDING, STEPS, BATCH, LR = 128, 24, 2000, 64, 1e-2


def train(steps: int = STEPS) -> Seq2Seq:
    """The shipped model: seed 0 for the split and the weights, seed 1 for the batches."""
    torch.set_num_threads(1)
    generator = set_seed(0)
    train_days, _ = split_days(held_out_fraction=0.1, generator=generator)
    set_seed(0)
    model = Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=HIDDEN, embedding_dim=EMBEDDING)
    data = torch.Generator().manual_seed(1)

    def on_step(step, losses):
        if (step + 1) % 500 == 0:
            print(f"step {step + 1}  loss {sum(losses[-100:]) / 100:.4f}", flush=True)

    train_seq2seq(model, lambda step: date_batch(train_days, TRAIN_FORMATS, BATCH, data), steps, lr=LR,
                  on_step=on_step)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    start = time.process_time()
    model = train(args.steps)
    torch.save({k: v.contiguous() for k, v in model.state_dict().items()}, args.out)
    size_kib = args.out.stat().st_size / 1024
    print(f"wrote {args.out.name} ({size_kib:.0f} KiB) in {time.process_time() - start:.0f} s of CPU time")


if __name__ == "__main__":
    main()
