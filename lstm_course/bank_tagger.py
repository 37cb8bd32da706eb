"""The two "bank" taggers of lesson 05's bidirectional reader: one reads left to right, the other both ways.

Each tags every word of a `tasks.bank_task` sentence as "other word", "bank: river" or "bank: money".
The sense of "bank" is settled by a cue word that may come before or after it, so a one-direction
tagger is at chance when the cue comes after, and a two-direction tagger is not; the accuracy of
each is measured on fresh sentences.

    from lstm_course.bank_tagger import trained_bank_taggers
    one_direction, two_directions, accuracy = trained_bank_taggers()
    accuracy["one direction"]["after"]   # about 0.5
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from .runtime import one_thread, seeded
from .tasks import BANK_SENSES, BANK_VOCAB, IGNORE_INDEX, bank_task
from .training import fit

TAG_CLASSES = ("other word", *(f"bank: {sense}" for sense in BANK_SENSES))
BATCH_SIZE = 64
LEARNING_RATE = 0.02
TEST_SENTENCES = 2000
# 7 words in 8 are "other word": weighting them down keeps them from drowning out the one word that matters.
CLASS_WEIGHT = (0.2, 1.0, 1.0)


class BankTagger(nn.Module):
    """Embedding -> one- or two-direction LSTM -> a tag per word: other word, bank (river), bank (money).

    Shapes: tokens (B, T) word indices of `tasks.BANK_VOCAB` -> logits (B, T, 3) over `TAG_CLASSES`.
    """

    def __init__(self, bidirectional: bool, embedding_size: int = 16, hidden_size: int = 16):
        super().__init__()
        self.embed = nn.Embedding(len(BANK_VOCAB), embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), len(TAG_CLASSES))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # (B, T) -> (B, T, 3) logits
        output, _ = self.lstm(self.embed(tokens))  # (B, T, D·H)
        return self.head(output)


def word_tags(batch) -> torch.Tensor:
    """bank_task's tags (sense at "bank", ignored elsewhere) -> 0 for every other word, 1 + sense at "bank"."""
    return torch.where(batch.tags == IGNORE_INDEX, 0, batch.tags + 1)  # (B, T)


@functools.lru_cache(maxsize=2)
def trained_bank_taggers(seed: int = 0, steps: int = 200):
    """Train a one-direction and a two-direction tagger once (about a second on a laptop CPU) and measure them.

    Training is seeded and runs on one thread; the result is cached, so a second call is free.

    Returns:
        (one_direction, two_directions, accuracy): two `BankTagger`s in eval mode, and
        accuracy[name][cue], the fraction of 2,000 fresh sentences whose "bank" is tagged with the
        right sense, for name "one direction" / "two directions" and cue "before" / "after".
    """
    with one_thread():
        return _train(seed, steps)


def _train(seed, steps):
    weight = torch.tensor(CLASS_WEIGHT)
    models = {}
    for name, bidirectional in (("one direction", False), ("two directions", True)):
        model = seeded(seed, lambda b=bidirectional: BankTagger(b))
        generator = torch.Generator().manual_seed(seed)

        def make_batch(step, generator=generator):
            batch = bank_task(BATCH_SIZE, "random", generator)
            return batch.tokens, word_tags(batch)

        fit(model, make_batch, lambda logits, tags: nn.functional.cross_entropy(
            logits.flatten(0, 1), tags.flatten(), weight=weight), steps=steps, lr=LEARNING_RATE)
        models[name] = model
    accuracy = {name: {} for name in models}
    for cue in ("before", "after"):
        test = bank_task(TEST_SENTENCES, cue, torch.Generator().manual_seed(seed + 1))
        rows = torch.arange(len(test.label))
        for name, model in models.items():
            with torch.no_grad():
                logits = model(test.tokens)[rows, test.position]  # (B, 3) at each sentence's "bank"
            sense = logits[:, 1:].argmax(dim=1)  # river or money, whichever the model prefers
            accuracy[name][cue] = (sense == test.label).float().mean().item()
    return models["one direction"], models["two directions"], accuracy
