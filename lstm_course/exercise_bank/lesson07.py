"""Exercise for lesson 07 (language identification): a BiLSTM word classifier, scored on words it never had.

The learner writes `train_language_classifier(train, validation, seed)` and returns a trained
`language_id.WordClassifier` over `practice_vocabulary()`. Only its weights leave the kernel; the
grader rebuilds the classifier from them (`trained.TrainedModel`) and measures its accuracy on the
held-out words.

Which words are held out, and why the notebook never has them: one word in ten of the shipped list,
chosen by a hash of its spelling (`held_out`), so the choice depends on nothing but the word. The
learner's loader, `practice_words()`, leaves them out, and while the autograder runs, the sandbox
shows the kernel a copy of the word file without them (`GRADER_ONLY`), so nothing in the submitted
notebook can read them, by any path. They are in the course's public file, so a learner who copies
them into a notebook by hand breaks the exercise's rule in a way no grader can see; the learner's
own check therefore never scores them: it scores the validation words, which the function was given
(for early stopping), and says so.

Thresholds come from measurements on the held-out words. Half marks: above the character-bigram
naive Bayes baseline (`NgramNaiveBayes(max_n=2)`, fitted on the same training words, computed when
grading). Full marks: accuracy at least `TARGET_ACCURACY`. The lesson's 4-gram baseline is not the
bar: lesson 07 measured that a BiLSTM trained for a few seconds does not reach it.
"""

from __future__ import annotations

import functools
import hashlib

import torch

from ..language_id import NgramNaiveBayes, WordClassifier, accuracy, predict_logits, train_classifier
from ..languages import LANGUAGES, CharVocabulary, WordSet, load_words, split_words
from .spec import BadAnswer, Exercise
from .trained import LEARNER_KEY, TrainedModel

NOTEBOOK = "07_language_identification"
DATA_FILE = "language_words.tsv"
HELD_OUT_BYTE = 26  # a word is held out when the first byte of its SHA-256 is below this: about one in ten
SPLIT_SEED = 7  # the practice words' split into train and validation
TARGET_ACCURACY = 0.74  # full marks at or above this on the held-out words
BASELINE_MAX_N = 2  # half marks above a character-bigram naive Bayes
MAX_EMBEDDING, MAX_HIDDEN = 64, 128


def held_out(word: str) -> bool:
    """True for the words the grader keeps: the first byte of the SHA-256 of the UTF-8 spelling < HELD_OUT_BYTE."""
    return hashlib.sha256(word.encode("utf-8")).digest()[0] < HELD_OUT_BYTE


def _select(words: WordSet, keep_held_out: bool) -> WordSet:
    index = [k for k, word in enumerate(words.words) if held_out(word) == keep_held_out]
    return words.subset(torch.tensor(index, dtype=torch.long))


def practice_words() -> WordSet:
    """Every shipped word that is not held out (about nine in ten), in the file's order."""
    return _select(load_words(), keep_held_out=False)


@functools.lru_cache(maxsize=1)
def practice_split() -> tuple[WordSet, WordSet]:
    """(train, validation): the practice words cut 90/10 per language with a fixed seed.

    `languages.split_words` cuts three ways; its last two parts (5% each) together are the validation words.
    """
    train, first, second = split_words(practice_words(), SPLIT_SEED, (0.9, 0.05, 0.05))
    validation = WordSet(first.words + second.words, torch.cat([first.labels, second.labels]),
                         torch.cat([first.zipf, second.zipf]))
    return train, validation


@functools.lru_cache(maxsize=1)
def practice_vocabulary() -> CharVocabulary:
    """The character vocabulary of the practice training words: the ids the grader encodes words with."""
    return CharVocabulary(practice_split()[0].words)


def _learner_view(text: str) -> str:
    """The word file as the sandboxed kernel sees it: the header and every row whose word is not held out."""
    header, *rows = text.splitlines(keepends=True)
    return header + "".join(row for row in rows if not held_out(row.split("\t", 1)[0]))


GRADER_ONLY = {DATA_FILE: _learner_view}  # package data file -> what the sandbox shows in its place


def train_language_classifier(train, validation, seed):
    """Reference: the lesson's BiLSTM settings for four epochs, early-stopped on validation accuracy."""
    torch.manual_seed(seed)
    vocab = practice_vocabulary()
    model = WordClassifier(len(vocab), len(LANGUAGES), embedding_dim=16, hidden_size=32)
    train_classifier(model, vocab, train, validation, max_epochs=4, batch_size=256, lr=0.02, patience=2,
                     generator=torch.Generator().manual_seed(seed))
    return model


def _call(answer, case):
    train, validation = practice_split()
    model = answer(train, validation, case["seed"])
    if not isinstance(model, torch.nn.Module):
        raise TypeError("train_language_classifier must return the trained WordClassifier, got "
                        f"{type(model).__name__}")
    return model.state_dict()


def _hyper(shapes: dict[str, tuple]) -> dict:
    """The WordClassifier's sizes read off its weights, within bounds; one layer, one or two directions."""
    embedding, recurrent = shapes.get("embedding.weight", ()), shapes.get("lstm.weight_hh_l0", ())
    if len(embedding) != 2 or len(recurrent) != 2:
        raise BadAnswer(f"expected a WordClassifier's weights (embedding.weight (V, E), lstm.weight_hh_l0 (4H, H)), "
                        f"got {sorted(shapes)[:6]}")
    vocab_size = len(practice_vocabulary())
    if embedding[0] != vocab_size:
        raise BadAnswer(f"the embedding must have one row per id of practice_vocabulary(), expected {vocab_size} "
                        f"rows, got {embedding[0]}")
    if not 1 <= embedding[1] <= MAX_EMBEDDING or not 1 <= recurrent[1] <= MAX_HIDDEN:
        raise BadAnswer(f"expected embedding_dim 1..{MAX_EMBEDDING} and hidden_size 1..{MAX_HIDDEN}, got "
                        f"{embedding[1]} and {recurrent[1]}")
    return {"vocab_size": vocab_size, "num_classes": len(LANGUAGES), "embedding_dim": embedding[1],
            "hidden_size": recurrent[1], "bidirectional": "lstm.weight_ih_l0_reverse" in shapes}


def scored_words(key: int) -> tuple[WordSet, str]:
    """The words a model is scored on: the validation words for the learner's check (key 0), the held-out
    words for the autograder."""
    if key == LEARNER_KEY:
        validation = practice_split()[1]
        return validation, f"the {len(validation)} validation words"
    words = _select(load_words(), keep_held_out=True)
    return words, f"the {len(words)} held-out words"


def baseline_accuracy(words: WordSet) -> float:
    """Accuracy on `words` of a character-bigram naive Bayes fitted on the practice training words."""
    train = practice_split()[0]
    baseline = NgramNaiveBayes(max_n=BASELINE_MAX_N).fit(train.words, train.labels, len(LANGUAGES))
    return accuracy(baseline.predict(words.words), words.labels)


JUDGE = TrainedModel(
    name="a WordClassifier", hyper=_hyper, build=WordClassifier,
    data=lambda generator: None, metric=lambda model, data: float("nan"),  # unused: `_grade` picks the words
    full=TARGET_ACCURACY, half=float("nan"), higher_is_better=True, unit="accuracy",
)


def _grade(value, case, key=LEARNER_KEY) -> tuple[float, str]:
    """Full marks at TARGET_ACCURACY, half marks above the bigram baseline, nothing otherwise."""
    try:
        model = JUDGE.model(value)
    except BadAnswer as error:
        return 0.0, str(error)
    words, what = scored_words(key)
    with torch.no_grad():
        score = accuracy(predict_logits(model, practice_vocabulary(), list(words.words)).argmax(-1), words.labels)
    baseline = baseline_accuracy(words)
    shown = f"accuracy {score:.3f} on {what}; character-bigram baseline {baseline:.3f}"
    if key == LEARNER_KEY:
        shown += " (your function saw these words; the autograder scores words it never had)"
    if score >= TARGET_ACCURACY:
        return 1.0, f"{shown}: at least the target {TARGET_ACCURACY}."
    if score > baseline:
        return 0.5, f"{shown}: above the baseline (half marks), short of the target {TARGET_ACCURACY}."
    return 0.0, (f"{shown}: expected more than the baseline for half marks. Did you pack the padded batch with the "
                 "real lengths and train until the validation accuracy stops rising?")


CLASSIFIER = Exercise(
    id="language_classifier", notebook=NOTEBOOK, name="train_language_classifier", points=100,
    cases=lambda rng: [{"about": "the practice words", "seed": int(rng.integers(2**20))}],
    call=_call, reference=train_language_classifier, grade=_grade,
)

EXERCISES = (CLASSIFIER,)
