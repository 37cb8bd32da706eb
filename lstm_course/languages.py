"""Words of six languages for language identification: the shipped list, a fixed split, a character vocabulary.

`load_words()` reads `data/language_words.tsv` (3,500 frequent words each of English, French, German,
Spanish, Italian and Dutch, derived from wordfreq's lists by `tools/derive_language_words.py`; CC BY-SA
4.0, see `data/README.md`). A spelling that is frequent in two of these languages ("taxi", "hotel")
is not in the file at all, so every word has one label.

`fixed_split()` cuts it once into train / validation / test with a fixed seed, stratified so every
split has the same number of words of each language. `CharVocabulary` maps characters to ids with a
padding id (0) and an unknown id (1), and `encode` turns a list of words into a padded (B, T) tensor
plus the real lengths (B,), which is what `pack_padded_sequence` needs.

Shape letters: B batch (words), T time (characters), C classes (languages).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

import torch

LANGUAGES = ("en", "fr", "de", "es", "it", "nl")
LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "nl": "Dutch"}
DATA_FILE = "language_words.tsv"
SPLIT_SEED = 2024
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)


@dataclass(frozen=True)
class WordSet:
    """Words with their language and their frequency in every language.

    Attributes:
        words: N lower-case words.
        labels: (N,) int64, the index of each word's language in `LANGUAGES`.
        zipf: (N, C) float32, the word's Zipf frequency in each language of `LANGUAGES` (log10 of its
            occurrences per billion words in wordfreq's list; 0 where the list does not have it).
    """

    words: tuple[str, ...]
    labels: torch.Tensor
    zipf: torch.Tensor

    def __post_init__(self):
        n = len(self.words)
        if self.labels.shape != (n,) or self.zipf.shape != (n, len(LANGUAGES)):
            raise ValueError(f"a WordSet of N={n} words needs labels (N,) and zipf (N, C={len(LANGUAGES)}), "
                             f"got {tuple(self.labels.shape)} and {tuple(self.zipf.shape)}")

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        counts = torch.bincount(self.labels, minlength=len(LANGUAGES)).tolist()
        return f"WordSet({len(self)} words: " + ", ".join(f"{c} {lang}" for lang, c in zip(LANGUAGES, counts)) + ")"

    def subset(self, index: torch.Tensor) -> WordSet:
        """The words at `index` ((K,) int64), in that order."""
        return WordSet(tuple(self.words[i] for i in index.tolist()), self.labels[index], self.zipf[index])


class Split(NamedTuple):
    """The three parts of a `WordSet`: fit on train, choose on validation, report test once."""

    train: WordSet
    validation: WordSet
    test: WordSet


def load_words() -> WordSet:
    """Every word of the shipped list, read from the installed package (never from the network).

    Returns:
        A `WordSet` in the file's order: languages in `LANGUAGES` order, most frequent words first.
    """
    text = resources.files("lstm_course").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    expected = "word\tlanguage\t" + "\t".join(f"zipf_{lang}" for lang in LANGUAGES)
    if header != expected:
        raise ValueError(f"{DATA_FILE}: expected the header {expected!r}, got {header!r}")
    fields = [row.split("\t") for row in rows]
    index = {lang: k for k, lang in enumerate(LANGUAGES)}
    words = tuple(f[0] for f in fields)
    labels = torch.tensor([index[f[1]] for f in fields], dtype=torch.long)
    zipf = torch.tensor([[float(z) for z in f[2:]] for f in fields], dtype=torch.float32)
    return WordSet(words, labels, zipf)


def split_words(words: WordSet, seed: int = SPLIT_SEED, fractions: Sequence[float] = SPLIT_FRACTIONS) -> Split:
    """Shuffle each language's words with `seed` and cut them into train / validation / test.

    Stratified: each part holds the same share of every language, so accuracy on any part is not
    tilted by how many words of each language it happens to have.

    Args:
        words: the `WordSet` to split. seed: the shuffle's seed (an int).
        fractions: the shares of train, validation and test; positive, summing to 1.

    Returns:
        A `Split` of three `WordSet`s; together they hold every word exactly once.

    Raises:
        TypeError: `seed` is not an int. ValueError: `fractions` are not three positive shares summing to 1.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    fractions = tuple(fractions)
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive shares (train, validation, test) summing to 1, "
                         f"got {fractions}")
    generator = torch.Generator().manual_seed(seed)
    parts: list[list[torch.Tensor]] = [[], [], []]
    for label in range(len(LANGUAGES)):
        members = torch.nonzero(words.labels == label).flatten()  # (N_c,)
        members = members[torch.randperm(len(members), generator=generator)]
        n_train = round(fractions[0] * len(members))
        n_validation = round(fractions[1] * len(members))
        parts[0].append(members[:n_train])
        parts[1].append(members[n_train : n_train + n_validation])
        parts[2].append(members[n_train + n_validation :])
    return Split(*(words.subset(torch.cat(p)) for p in parts))


def fixed_split() -> Split:
    """The course's split of the shipped words: `split_words(load_words(), SPLIT_SEED)`, the same on every run."""
    return split_words(load_words(), SPLIT_SEED)


class CharVocabulary:
    """Characters <-> ids, with id 0 for padding and id 1 for characters never seen in training.

    Built from the training words only, so a character that appears only in validation or test (or
    in a word a learner types) is read as `<unk>` rather than crashing the model.

    Example:
        >>> vocab = CharVocabulary(["abba", "cab"])
        >>> vocab.tokens
        ['<pad>', '<unk>', 'a', 'b', 'c']
        >>> ids, lengths = vocab.encode(["cab", "a", "dab"])
        >>> ids
        tensor([[4, 2, 3],
                [2, 0, 0],
                [1, 2, 3]])
        >>> lengths
        tensor([3, 1, 3])
    """

    PAD, UNK = "<pad>", "<unk>"
    pad_id, unk_id = 0, 1

    def __init__(self, words: Iterable[str]):
        words = list(words)
        _check_words(words)
        self.tokens = [self.PAD, self.UNK] + sorted({ch for word in words for ch in word})
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"CharVocabulary({len(self)} tokens: <pad>, <unk> and {''.join(self.tokens[2:])!r})"

    def encode(self, words: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """B words -> ids (B, T) int64 padded with `pad_id` to the longest word T, and lengths (B,) int64.

        Raises:
            TypeError: `words` is a single string or holds something that is not a string.
            ValueError: `words` is empty or holds an empty string (a sequence needs at least one step).
        """
        if isinstance(words, str):
            raise TypeError(f"encode takes a list of words, got the single string {words!r}; write [{words!r}]")
        words = list(words)
        _check_words(words)
        lengths = torch.tensor([len(word) for word in words], dtype=torch.long)  # (B,)
        ids = torch.full((len(words), int(lengths.max())), self.pad_id, dtype=torch.long)  # (B, T)
        for b, word in enumerate(words):
            ids[b, : len(word)] = torch.tensor([self.index.get(ch, self.unk_id) for ch in word])
        return ids, lengths

    def decode(self, ids: torch.Tensor) -> str:
        """(T,) ids -> the word, padding left out and unknown characters shown as `<unk>`."""
        if not isinstance(ids, torch.Tensor) or ids.dim() != 1:
            raise ValueError(f"decode takes a (T,) tensor of ids, got {getattr(ids, 'shape', type(ids).__name__)}")
        if ids.numel() and not 0 <= int(ids.min()) <= int(ids.max()) < len(self):
            raise ValueError(f"ids must be in 0 .. {len(self) - 1}, got {ids.tolist()}")
        return "".join(self.tokens[i] for i in ids.tolist() if i != self.pad_id)


def _check_words(words: list) -> None:
    if not words:
        raise ValueError("expected at least one word, got an empty list")
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"every word must be a str, got {type(word).__name__} {word!r}")
        if not word:
            raise ValueError("every word needs at least one character, got an empty string")
