"""Synthetic sequence tasks whose difficulty we control: how far back the answer lies, and in which direction.

Every task is a plain function that draws a fresh batch from a `torch.Generator` (so a lesson
gets the same data on every run) and checks its arguments. Inputs are batch-first, (B, T, ...):

* `adding_problem`: add the two marked numbers of a long sequence (Hochreiter & Schmidhuber, 1997).
* `recall_task`: "cliff is my dog ... (filler) ... however cliff , my pet" -> dog.
* `bank_task`: is this "bank" a river bank or a money bank? The cue word may come after it.
* `parity_task`: is the number of ones in a bit string odd?
* `temporal_order`: did X or Y come first, among many distractors?
* `variable_length_batch`: a padded batch of sequences of different lengths, with the lengths.

Shape letters: B batch, T time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import torch

from .validation import check_choice, check_generator, check_int, check_positive_int

ADDING_BASELINE_MSE = 1 / 6
"""Mean squared error of always predicting 1, the mean of the sum of two U(0, 1) numbers: Var = 2 · 1/12."""

IGNORE_INDEX = -100
"""Tag of the positions that carry no label (`nn.CrossEntropyLoss`'s default `ignore_index`)."""

CUE_AFTER_PROBABILITY = 0.5
"""With cue="random", the chance that a "bank" sentence puts its cue word after "bank"."""


def _randint(high, size, generator):
    return torch.randint(high, size, generator=generator)


class Vocab:
    """Words <-> token ids for a task's small closed vocabulary (id 0 is the padding word "<pad>").

    Example:
        >>> vocab = Vocab(["the", "river", "bank"])
        >>> vocab.encode("the river bank")
        tensor([1, 2, 3])
        >>> vocab.decode([1, 3])
        'the bank'
    """

    def __init__(self, words: Iterable[str]):
        self.words = ["<pad>"]
        for word in words:
            if word not in self.words:
                self.words.append(word)
        self.index = {word: i for i, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return f"Vocab({len(self)} words: {' '.join(self.words[:8])}{' ...' if len(self) > 8 else ''})"

    def encode(self, text: str | Sequence[str]) -> torch.Tensor:
        """A sentence (a string split on spaces, or a list of words) -> (T,) token ids."""
        words = text.split() if isinstance(text, str) else list(text)
        unknown = [w for w in words if w not in self.index]
        if unknown:
            raise ValueError(f"unknown word(s) {unknown}; this vocabulary has: {' '.join(self.words[1:])}")
        return torch.tensor([self.index[w] for w in words], dtype=torch.long)

    def decode(self, ids) -> str:
        """(T,) token ids (a tensor or a list) -> the sentence, padding left out."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        if any(not 0 <= i < len(self) for i in ids):
            raise ValueError(f"token ids must be in 0 .. {len(self) - 1}, got {ids}")
        return " ".join(self.words[i] for i in ids if i != 0)


# ---------------------------------------------------------------------------------------------
# The adding problem


def adding_problem(batch_size: int, seq_len: int, generator: torch.Generator | None = None,
                   dtype: torch.dtype = torch.float32):
    """The adding problem: the target is the sum of the two marked values of a long sequence.

    Each step carries two features: a value drawn from U(0, 1) and a marker that is 1 at exactly
    two steps (one in the first half, one in the second) and 0 elsewhere. A model must remember
    the first marked value across up to T steps of distraction, so difficulty grows with T.
    Predicting the constant 1 gives MSE `ADDING_BASELINE_MSE` = 1/6: a model has learned
    something only when it beats that.

    Args:
        batch_size: B. seq_len: T >= 2. generator: a `torch.Generator` (None: the global one).
        dtype: floating dtype of x and y.

    Returns:
        x (B, T, 2) batch-first, [value, marker] at each step; y (B,) the sum of the marked values.

    Example:
        >>> x, y = adding_problem(1, 4, torch.Generator().manual_seed(0))
        >>> x[0]  # values in the first column, the two markers in the second
        tensor([[0.4963, 0.0000],
                [0.7682, 1.0000],
                [0.0885, 0.0000],
                [0.1320, 1.0000]])
        >>> y  # 0.7682 + 0.1320
        tensor([0.9003])
    """
    B = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    if T < 2:
        raise ValueError(f"seq_len must be at least 2 to hold two markers, got {T}")
    check_generator(generator)
    values = torch.rand(B, T, generator=generator, dtype=dtype)  # (B, T)
    half = T // 2
    first = _randint(half, (B,), generator)  # (B,) in [0, T/2)
    second = half + _randint(T - half, (B,), generator)  # (B,) in [T/2, T)
    markers = torch.zeros(B, T, dtype=dtype)
    rows = torch.arange(B)
    markers[rows, first] = 1
    markers[rows, second] = 1
    y = values[rows, first] + values[rows, second]  # (B,)
    return torch.stack([values, markers], dim=-1), y  # (B, T, 2), (B,)


# ---------------------------------------------------------------------------------------------
# Recall: "cliff is my dog ... however cliff , my pet ___"

RECALL_NAMES = ("cliff", "rex", "luna", "bella", "milo", "daisy")
RECALL_PETS = ("dog", "cat", "fish", "bird", "horse", "rabbit")
RECALL_FILLER = ("the", "sun", "was", "warm", "and", "we", "walked", "along", "river", "to", "town",
                 "it", "rained", "later", "so", "stayed", "home", "all", "day", "then", "read", "a", "book")
RECALL_VOCAB = Vocab([*RECALL_NAMES, "is", "my", *RECALL_PETS, *RECALL_FILLER, "however", ",", "pet"])


class RecallBatch(NamedTuple):
    """tokens (B, T) ids in `RECALL_VOCAB`; target (B,) index into `RECALL_PETS`; T = gap + 9."""

    tokens: torch.Tensor
    target: torch.Tensor


def recall_task(batch_size: int, gap: int, generator: torch.Generator | None = None) -> RecallBatch:
    """Remember a pet across `gap` filler words: "cliff is my dog <gap words> however cliff , my pet" -> dog.

    The first four words name the pet; then come `gap` words drawn from a filler vocabulary that
    mentions no name and no pet; the sentence ends with a question about the same name. The
    answer is decided by word 4 alone, so it must be carried gap + 5 steps to the last word: the lesson
    sweeps `gap` to find where each model starts to fail. The target is a class index into
    `RECALL_PETS` (6 classes, chance accuracy 1/6).

    Args:
        batch_size: B. gap: number of filler words (>= 0). generator: a `torch.Generator`.

    Returns:
        RecallBatch(tokens (B, T) with T = gap + 9, target (B,)).

    Example:
        >>> batch = recall_task(1, gap=3, generator=torch.Generator().manual_seed(0))
        >>> RECALL_VOCAB.decode(batch.tokens[0])
        'luna is my bird and town later however luna , my pet'
        >>> RECALL_PETS[batch.target[0]]
        'bird'
    """
    B = check_positive_int("batch_size", batch_size)
    check_int("gap", gap, minimum=0)
    check_generator(generator)
    ids = RECALL_VOCAB.index
    name_ids = torch.tensor([ids[w] for w in RECALL_NAMES])
    pet_ids = torch.tensor([ids[w] for w in RECALL_PETS])
    filler_ids = torch.tensor([ids[w] for w in RECALL_FILLER])
    name = name_ids[_randint(len(RECALL_NAMES), (B,), generator)]  # (B,)
    target = _randint(len(RECALL_PETS), (B,), generator)  # (B,)
    filler = filler_ids[_randint(len(RECALL_FILLER), (B, gap), generator)]  # (B, gap)
    def words(text):
        return RECALL_VOCAB.encode(text).expand(B, -1)  # (B, number of words), the same in every row

    tokens = torch.cat([
        name[:, None], words("is my"), pet_ids[target][:, None],
        filler,
        words("however"), name[:, None], words(", my pet"),
    ], dim=1)  # (B, gap + 9)
    return RecallBatch(tokens, target)


# ---------------------------------------------------------------------------------------------
# The "bank" sense task: the cue may come before or after the word

BANK_SENSES = ("river", "money")
BANK_CUES = {
    "river": ("river", "fish", "boats", "mud", "reeds", "ducks"),
    "money": ("money", "cash", "loans", "coins", "cheques", "savings"),
}
BANK_WHO = ("we", "they", "she", "he", "you", "i")
# Eight words each; {cue} settles the sense, {who} adds variety that says nothing about it.
BANK_FRAMES_BEFORE = (
    "{who} saw {cue} at the bank that day",
    "with the {cue} {who} walked to the bank",
    "{who} talked about {cue} near the old bank",
)
BANK_FRAMES_AFTER = (
    "the bank was full of {cue} {who} said",
    "at the bank {who} talked about the {cue}",
    "{who} left the bank with the {cue} today",
)
_BANK_WORDS = [w for frame in BANK_FRAMES_BEFORE + BANK_FRAMES_AFTER for w in frame.split() if "{" not in w]
BANK_VOCAB = Vocab([*_BANK_WORDS, *BANK_WHO, *BANK_CUES["river"], *BANK_CUES["money"]])


class BankBatch(NamedTuple):
    """A batch of "bank" sentences, all of length T = 8.

    tokens: (B, T) ids in `BANK_VOCAB`.
    tags: (B, T) the sense (0 river, 1 money) at the position of "bank", `IGNORE_INDEX` elsewhere,
        ready for a per-token tagger and `nn.CrossEntropyLoss`.
    label: (B,) the sense of the sentence's "bank", an index into `BANK_SENSES`.
    position: (B,) where "bank" is.
    cue_after: (B,) True where the cue word comes after "bank".
    """

    tokens: torch.Tensor
    tags: torch.Tensor
    label: torch.Tensor
    position: torch.Tensor
    cue_after: torch.Tensor


def bank_sentence(frame: str, who: str, cue: str) -> str:
    """Fill one frame, e.g. `bank_sentence(BANK_FRAMES_AFTER[0], "we", "fish")`."""
    return frame.format(who=who, cue=cue)


def bank_task(batch_size: int, cue: str = "random", generator: torch.Generator | None = None) -> BankBatch:
    """Tell a river bank from a money bank, where the word that settles it may come after "bank".

    Each sentence fills an eight-word frame with a speaker ("we", "she", ...) and one cue word
    ("fish", "mud", ... for a river; "cash", "loans", ... for money). Frames and speakers are
    drawn independently of the sense, so the cue is the only evidence. When the cue comes after
    "bank", a model reading left to right has seen nothing informative when it reaches the word:
    it cannot beat chance (50%) there. A bidirectional model's backward direction has read the
    rest of the sentence and can.

    Args:
        batch_size: B.
        cue: "before", "after" or "random" (each sentence picks with probability `CUE_AFTER_PROBABILITY`).
        generator: a `torch.Generator`.

    Returns:
        BankBatch(tokens (B, 8), tags (B, 8), label (B,), position (B,), cue_after (B,)).

    Example:
        >>> batch = bank_task(2, cue="after", generator=torch.Generator().manual_seed(0))
        >>> [BANK_VOCAB.decode(t) for t in batch.tokens]
        ['they left the bank with the cash today', 'the bank was full of mud they said']
        >>> [BANK_SENSES[s] for s in batch.label], batch.position.tolist()
        (['money', 'river'], [3, 1])
    """
    B = check_positive_int("batch_size", batch_size)
    check_choice("cue", cue, ("before", "after", "random"))
    check_generator(generator)
    if cue == "random":
        cue_after = torch.rand(B, generator=generator) < CUE_AFTER_PROBABILITY  # (B,)
    else:
        cue_after = torch.full((B,), cue == "after")
    frame = _randint(len(BANK_FRAMES_BEFORE), (B,), generator).tolist()
    label = _randint(len(BANK_SENSES), (B,), generator)  # (B,)
    cue_word = _randint(len(BANK_CUES["river"]), (B,), generator).tolist()
    who = _randint(len(BANK_WHO), (B,), generator).tolist()
    sentences = []
    for b in range(B):
        frames = BANK_FRAMES_AFTER if cue_after[b] else BANK_FRAMES_BEFORE
        word = BANK_CUES[BANK_SENSES[label[b]]][cue_word[b]]
        sentences.append(BANK_VOCAB.encode(bank_sentence(frames[frame[b]], BANK_WHO[who[b]], word)))
    tokens = torch.stack(sentences)  # (B, 8)
    position = (tokens == BANK_VOCAB.index["bank"]).long().argmax(dim=1)  # (B,)
    tags = torch.full_like(tokens, IGNORE_INDEX)
    tags[torch.arange(B), position] = label
    return BankBatch(tokens, tags, label, position, cue_after)


# ---------------------------------------------------------------------------------------------
# Parity, temporal order and variable-length batches


def parity_task(batch_size: int, seq_len: int, generator: torch.Generator | None = None):
    """Is the number of ones in a bit string odd? Every bit matters, however far back.

    Args:
        batch_size: B. seq_len: T. generator: a `torch.Generator`.

    Returns:
        x (B, T, 1) float bits; y (B,) long, 1 when the count of ones is odd.

    Example:
        >>> x, y = parity_task(2, 5, torch.Generator().manual_seed(0))
        >>> x[..., 0], y
        (tensor([[0., 1., 1., 0., 1.],
                [1., 1., 1., 1., 1.]]), tensor([1, 1]))
    """
    B = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    check_generator(generator)
    bits = _randint(2, (B, T), generator)  # (B, T)
    return bits.unsqueeze(-1).float(), bits.sum(dim=1) % 2  # (B, T, 1), (B,)


TEMPORAL_SYMBOLS = ("B", "E", "X", "Y", "a", "b", "c", "d")
TEMPORAL_CLASSES = ("X X", "X Y", "Y X", "Y Y")
TEMPORAL_VOCAB = Vocab(TEMPORAL_SYMBOLS)


def temporal_order(batch_size: int, seq_len: int, generator: torch.Generator | None = None):
    """Which of X and Y came first? The temporal order task (Hochreiter & Schmidhuber, 1997, experiment 6a).

    A sequence starts with "B" and ends with "E"; in between are distractors (a, b, c, d) and
    exactly two relevant symbols, each X or Y, one in the first half and one in the second half.
    The class is their order: "X X", "X Y", "Y X" or "Y Y" (chance accuracy 1/4). Only the two
    relevant symbols matter, however many distractors lie between and after them.

    Args:
        batch_size: B. seq_len: T >= 4. generator: a `torch.Generator`.

    Returns:
        tokens (B, T) ids in `TEMPORAL_VOCAB`; y (B,) an index into `TEMPORAL_CLASSES`.

    Example:
        >>> tokens, y = temporal_order(1, 8, torch.Generator().manual_seed(0))
        >>> TEMPORAL_VOCAB.decode(tokens[0]), TEMPORAL_CLASSES[y[0]]
        ('B d Y a X d d E', 'Y X')
    """
    B = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    if T < 4:
        raise ValueError(f"seq_len must be at least 4 (B, two relevant symbols, E), got {T}")
    check_generator(generator)
    ids = TEMPORAL_VOCAB.index
    distractors = torch.tensor([ids[s] for s in "abcd"])
    tokens = distractors[_randint(4, (B, T), generator)]  # (B, T)
    tokens[:, 0], tokens[:, -1] = ids["B"], ids["E"]
    inner = T - 2  # positions 1 .. T-2 can hold the relevant symbols
    half = inner // 2
    first = 1 + _randint(half, (B,), generator)  # (B,) in the first half of the inner positions
    second = 1 + half + _randint(inner - half, (B,), generator)  # (B,) in the second half
    which = _randint(2, (B, 2), generator)  # (B, 2) 0 for X, 1 for Y
    relevant = torch.tensor([ids["X"], ids["Y"]])
    rows = torch.arange(B)
    tokens[rows, first] = relevant[which[:, 0]]
    tokens[rows, second] = relevant[which[:, 1]]
    return tokens, 2 * which[:, 0] + which[:, 1]  # (B, T), (B,)


class VariableLengthBatch(NamedTuple):
    """input (B, T, I) (or (T, B, I)) zero-padded after each sequence's end; lengths (B,) int64 on the CPU
    (as `pack_padded_sequence` wants them); target (B,) the sum of feature 0 over each sequence's real steps."""

    input: torch.Tensor
    lengths: torch.Tensor
    target: torch.Tensor


def variable_length_batch(batch_size: int, min_len: int, max_len: int, input_size: int = 1,
                          generator: torch.Generator | None = None, batch_first: bool = True,
                          padding_value: float = 0.0) -> VariableLengthBatch:
    """A padded batch of sequences with lengths drawn uniformly from [min_len, max_len].

    The target, the running sum of feature 0 over the real steps only, is what a model gets
    right only if it stops at each sequence's end: read past it (through the padding) and its
    final state is no longer the state at the last real step. That is the point of packing.
    Lengths are not sorted (use `enforce_sorted=False` when packing); T is the longest length drawn.

    Args:
        batch_size: B. min_len, max_len: 1 <= min_len <= max_len. input_size: I.
        generator: a `torch.Generator`. batch_first: (B, T, I) if True, (T, B, I) if False.
        padding_value: the value of padded steps.

    Returns:
        VariableLengthBatch(input, lengths (B,), target (B,)).

    Example:
        >>> batch = variable_length_batch(3, 2, 5, generator=torch.Generator().manual_seed(0))
        >>> batch.input.shape, batch.lengths
        (torch.Size([3, 5, 1]), tensor([2, 5, 3]))
    """
    B = check_positive_int("batch_size", batch_size)
    lo = check_positive_int("min_len", min_len)
    hi = check_positive_int("max_len", max_len)
    I = check_positive_int("input_size", input_size)
    if lo > hi:
        raise ValueError(f"min_len must be <= max_len, got min_len={lo} and max_len={hi}")
    check_generator(generator)
    lengths = lo + _randint(hi - lo + 1, (B,), generator)  # (B,)
    T = int(lengths.max())
    values = torch.randn(B, T, I, generator=generator)  # (B, T, I)
    real = torch.arange(T)[None, :] < lengths[:, None]  # (B, T) True at real steps
    padded = torch.where(real[..., None], values, torch.full_like(values, padding_value))
    target = (values[..., 0] * real).sum(dim=1)  # (B,)
    return VariableLengthBatch(padded if batch_first else padded.transpose(0, 1), lengths, target)
