"""Which language is this word? A character BiLSTM classifier, its training loop, and an n-gram baseline.

    characters (B, T) ─ Embedding ─▶ (B, T, E) ─ pack_padded_sequence(lengths) ─▶ LSTM (D directions)
        ─▶ h_n (D, B, H) ─ [forward final ; backward final] ─▶ (B, D·H) ─ Linear ─▶ logits (B, C)

`WordClassifier` is that model; `packed=False` feeds the padded tensor straight to the LSTM instead
(the mistake the lesson measures). `train_classifier` runs Adam over shuffled mini-batches, checks
accuracy on the validation words after every epoch, stops when it has not improved for `patience`
epochs and puts back the best weights (early stopping). `NgramNaiveBayes` is the non-neural
baseline: counts of character n-grams per language and Bayes' rule (multinomial naive Bayes with
add-α smoothing; Cavnar & Trenkle 1994 identified languages from character n-gram profiles).

Shape letters: B batch (words), T time (characters), E embedding size, H hidden size, D directions,
C classes (languages). In torch's docs T is L (sequence length) and B is N.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .languages import LANGUAGES, CharVocabulary, fixed_split
from .runtime import one_thread, seeded
from .validation import check_bool, check_positive_int

# The settings lesson 07 trains with: they fit its budget of seconds on one CPU core.
EMBEDDING_DIM = 16
HIDDEN_SIZE = 32
BATCH_SIZE = 256
LEARNING_RATE = 0.02
MAX_EPOCHS = 5
PATIENCE = 2
NGRAM_MAX_N = 4
NGRAM_ALPHA = 0.1


class WordClassifier(nn.Module):
    """Characters -> embedding -> (packed) LSTM -> final states of every direction -> linear -> class logits.

    Args:
        vocab_size: V, the number of character ids (padding id 0 included).
        num_classes: C. embedding_dim: E. hidden_size: H per direction.
        bidirectional: read the word both ways (D = 2) or left to right only (D = 1).
        packed: pack the padded batch with the real lengths (True), or let the LSTM read the padding (False).

    Inputs: ids, lengths
        ids: (B, T) int64 character ids, padded with 0 after each word's end.
        lengths: (B,) int64, each word's real length (1 .. T), on the CPU.

    Outputs: logits
        logits: (B, C), unnormalised scores; `softmax(logits, -1)` gives p(language | word).
    """

    def __init__(self, vocab_size: int, num_classes: int, embedding_dim: int = EMBEDDING_DIM,
                 hidden_size: int = HIDDEN_SIZE,
                 bidirectional: bool = True, packed: bool = True):
        super().__init__()
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("num_classes", num_classes)
        self.bidirectional = check_bool("bidirectional", bidirectional)
        self.packed = check_bool("packed", packed)
        self.embedding = nn.Embedding(vocab_size, check_positive_int("embedding_dim", embedding_dim), padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, check_positive_int("hidden_size", hidden_size), batch_first=True,
                            bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if ids.dim() != 2 or lengths.shape != ids.shape[:1]:
            raise ValueError(f"expected ids (B, T) and lengths (B,), got ids {tuple(ids.shape)} "
                             f"and lengths {tuple(lengths.shape)}")
        x = self.embedding(ids)  # (B, T, E)
        if self.packed:
            x = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(x)  # h_n (D, B, H): each direction where it finished reading
        if self.bidirectional:
            # (B, 2H): the forward state after the last letter, the backward state after the first
            summary = torch.cat([h_n[-2], h_n[-1]], dim=1)
        else:
            summary = h_n[-1]  # (B, H)
        return self.head(summary)  # (B, C)


class History(NamedTuple):
    """What `train_classifier` saw: one entry per epoch, and the epoch whose weights it kept (0-based)."""

    train_loss: list[float]
    validation_accuracy: list[float]
    best_epoch: int


@torch.no_grad()
def predict_logits(model: nn.Module, vocab: CharVocabulary, words: Sequence[str], batch_size: int = 4096
                   ) -> torch.Tensor:
    """The model's logits (B, C) for B words, in eval mode, `batch_size` words at a time."""
    model.eval()
    out = []
    for start in range(0, len(words), batch_size):
        ids, lengths = vocab.encode(words[start : start + batch_size])
        out.append(model(ids, lengths))
    return torch.cat(out)


def predict_proba(model: nn.Module, vocab: CharVocabulary, words: Sequence[str]) -> torch.Tensor:
    """p(language | word), (B, C): the softmax of `predict_logits`. Rows sum to 1."""
    return torch.softmax(predict_logits(model, vocab, words), dim=-1)


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of the (N,) predicted class ids equal to the (N,) labels."""
    if predicted.shape != labels.shape:
        raise ValueError(f"predicted and labels must both be (N,), got {tuple(predicted.shape)} and "
                         f"{tuple(labels.shape)}")
    return (predicted == labels).float().mean().item()


def train_classifier(model: nn.Module, vocab: CharVocabulary, train, validation, max_epochs: int = MAX_EPOCHS,
                     batch_size: int = BATCH_SIZE, lr: float = LEARNING_RATE, patience: int = PATIENCE,
                     generator: torch.Generator | None = None) -> History:
    """Adam on shuffled mini-batches, with early stopping on validation accuracy.

    After every epoch the model is scored on `validation`; the weights of the best epoch so far are
    kept, training stops after `patience` epochs without improvement (or at `max_epochs`), and the
    best weights are loaded back. The test words are never seen here.

    Args:
        model: `model(ids (B, T), lengths (B,)) -> logits (B, C)`, e.g. a `WordClassifier`.
        vocab: the `CharVocabulary` built from the training words.
        train, validation: `languages.WordSet`s (words and labels).
        max_epochs, batch_size, patience: positive ints. lr: Adam's learning rate.
        generator: a `torch.Generator` for the shuffles.

    Returns:
        A `History`; the model holds the weights of `History.best_epoch`, in eval mode.
    """
    for name, value in (("max_epochs", max_epochs), ("batch_size", batch_size), ("patience", patience)):
        check_positive_int(name, value)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    ids, lengths = vocab.encode(train.words)  # (N, T), (N,)
    losses, scores = [], []
    best_state, best_epoch = None, -1
    for epoch in range(max_epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            batch_lengths = lengths[batch]  # (B,)
            logits = model(ids[batch, : int(batch_lengths.max())], batch_lengths)  # pad only to this batch's longest
            loss = nn.functional.cross_entropy(logits, train.labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(train))
        scores.append(accuracy(predict_logits(model, vocab, validation.words).argmax(-1), validation.labels))
        if best_epoch < 0 or scores[-1] > scores[best_epoch]:
            best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
        elif epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    return History(losses, scores, best_epoch)


def char_ngrams(word: str, max_n: int) -> list[str]:
    """Every 1- to `max_n`-gram of the word with `<` and `>` marking its start and end.

    Example:
        >>> char_ngrams("ja", 2)
        ['<', 'j', 'a', '>', '<j', 'ja', 'a>']
    """
    padded = f"<{word}>"
    return [padded[i : i + n] for n in range(1, max_n + 1) for i in range(len(padded) - n + 1)]


class NgramNaiveBayes:
    """Multinomial naive Bayes over character n-grams: the baseline a neural model has to beat.

    Each language c gets a distribution over n-grams, estimated from counts with add-α smoothing:

        p(g | c) = (count(g, c) + α) / (Σ_g' count(g', c) + α·G),

    with G the number of distinct training n-grams. A word's score for c is
    log p(c) + Σ over its n-grams g of log p(g | c); n-grams never seen in training are skipped.

    Args:
        max_n: the longest n-gram (1 .. max_n are all used). alpha: α > 0.
    """

    def __init__(self, max_n: int = NGRAM_MAX_N, alpha: float = NGRAM_ALPHA):
        self.max_n = check_positive_int("max_n", max_n)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise TypeError(f"alpha must be a number > 0, got {type(alpha).__name__} {alpha!r}")
        if alpha <= 0:
            raise ValueError(f"alpha must be a number > 0, got {alpha!r}")
        self.alpha = float(alpha)
        self.index: dict[str, int] | None = None

    def fit(self, words: Sequence[str], labels: torch.Tensor, num_classes: int) -> NgramNaiveBayes:
        """Count the n-grams of N words with (N,) int64 labels in 0 .. num_classes - 1."""
        _check_word_list(words)
        if len(words) != len(labels):
            raise ValueError(f"expected one label per word, got {len(words)} words and {len(labels)} labels")
        grams = [char_ngrams(word, self.max_n) for word in words]
        self.index = {g: k for k, g in enumerate(sorted({g for gs in grams for g in gs}))}
        rows = np.repeat(labels.numpy(), [len(gs) for gs in grams])
        cols = np.array([self.index[g] for gs in grams for g in gs])
        counts = np.zeros((num_classes, len(self.index)))  # (C, G)
        np.add.at(counts, (rows, cols), 1.0)
        smoothed = counts + self.alpha
        self.log_p_gram = np.log(smoothed / smoothed.sum(1, keepdims=True))  # (C, G)
        with np.errstate(divide="ignore"):  # a class without training words gets log p(c) = -inf: never predicted
            self.log_prior = np.log(np.bincount(labels.numpy(), minlength=num_classes) / len(labels))  # (C,)
        return self

    def log_scores(self, words: Sequence[str]) -> torch.Tensor:
        """(B, C) log p(c) + Σ log p(g | c) for B words; the argmax is the prediction.

        The sum runs over the word's n-grams that occur in the training words; an n-gram never seen in
        training (with any language) is skipped: it has no column among the G counted n-grams.

        Raises:
            TypeError: `words` is a single string. ValueError: `fit` has not been called.
        """
        _check_word_list(words)
        if self.index is None:
            raise ValueError("call fit(words, labels, num_classes) before scoring words")
        known = [[self.index[g] for g in char_ngrams(word, self.max_n) if g in self.index] for word in words]
        scores = np.tile(self.log_prior, (len(words), 1))  # (B, C)
        flat = np.array([k for ks in known for k in ks], dtype=np.int64)
        owner = np.repeat(np.arange(len(words)), [len(ks) for ks in known])
        np.add.at(scores, owner, self.log_p_gram[:, flat].T)
        return torch.from_numpy(scores)

    def predict(self, words: Sequence[str]) -> torch.Tensor:
        """(B,) int64: the class with the highest score for each word."""
        return self.log_scores(words).argmax(-1)


def _check_word_list(words) -> None:
    if isinstance(words, str):
        raise TypeError(f"expected a list of words, got the single string {words!r}; write [{words!r}]")


def confusion_matrix(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(C, C) int64 counts: row = true class, column = predicted class."""
    if predicted.shape != labels.shape or predicted.dim() != 1:
        raise ValueError(f"predicted and labels must both be (N,), got {tuple(predicted.shape)} and "
                         f"{tuple(labels.shape)}")
    return torch.bincount(labels * num_classes + predicted, minlength=num_classes**2).view(num_classes, num_classes)


def per_class_accuracy(predicted: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(C,) float: for each true class, the fraction of its words predicted correctly (recall)."""
    matrix = confusion_matrix(predicted, labels, num_classes).double()
    return matrix.diagonal() / matrix.sum(1).clamp(min=1)


class LanguageIdentifier(NamedTuple):
    """A trained BiLSTM with its vocabulary, and the n-gram baseline fitted on the same training words."""

    model: WordClassifier
    vocab: CharVocabulary
    baseline: NgramNaiveBayes


@functools.lru_cache(maxsize=2)
def trained_language_identifier(seed: int = 0) -> LanguageIdentifier:
    """Lesson 07's BiLSTM and baseline, trained once on `languages.fixed_split()` with the module's settings.

    For apps that show a trained model outside the lesson (the widget gallery). Seeded, on one thread,
    without moving the global random numbers; cached, so a second call is free. Takes a few seconds.
    """
    with one_thread():
        train, validation, _ = fixed_split()
        vocab = CharVocabulary(train.words)
        model = seeded(seed, lambda: WordClassifier(len(vocab), len(LANGUAGES)))
        train_classifier(model, vocab, train, validation, generator=torch.Generator().manual_seed(seed))
        baseline = NgramNaiveBayes().fit(train.words, train.labels, len(LANGUAGES))
    return LanguageIdentifier(model, vocab, baseline)
