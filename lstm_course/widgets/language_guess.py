"""The language guesser (lesson 07): type a word, see p(language | word) from the BiLSTM and the n-gram baseline.

The models are trained outside this package: a lesson passes its own, or the app asks
`language_id.trained_language_identifier` (seeded, cached) for them. Nothing is trained in a callback.

    from lstm_course.widgets import language_guesser
    language_guesser("fenêtre", model=model, vocab=vocab, baseline=baseline)
"""

from __future__ import annotations

import html

import ipywidgets as W
import torch

from .. import plots
from ..language_id import predict_proba, trained_language_identifier
from ..languages import LANGUAGE_NAMES, LANGUAGES
from .base import App

NAMES = [LANGUAGE_NAMES[code] for code in LANGUAGES]


def _clean(text: str) -> str:
    return text.strip().lower()


class LanguageGuesser(App):
    """A text box for a word, and bars of each model's probability for every language."""

    css_name = "language-guesser"

    def __init__(self, word: str = "fenêtre", model=None, vocab=None, baseline=None, seed: int = 0):
        super().__init__("Which language is this word?")
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__} {word!r}")
        if not _clean(word).isalpha():
            raise ValueError(f"word must be a word of letters (no spaces, digits or punctuation), got {word!r}")
        if model is None:
            model, vocab, baseline = trained_language_identifier(seed)
        elif vocab is None:
            raise ValueError("pass the CharVocabulary the model was trained with as vocab=")
        self.model, self.vocab, self.baseline = model, vocab, baseline
        self.word = W.Text(value=word, description="word", continuous_update=True,
                           style={"description_width": "4em"}, layout=W.Layout(width="22em"))
        self._watch(word=self.word)
        self._layout([self.word])
        self.update()

    def compute(self) -> str:
        word = _clean(self.word.value)
        if not word.isalpha():
            return "type one word of letters (no spaces, digits or punctuation)"
        probabilities = {"BiLSTM": predict_proba(self.model, self.vocab, [word])[0]}  # (C,)
        if self.baseline is not None:
            probabilities["n-gram naive Bayes"] = torch.softmax(self.baseline.log_scores([word])[0], -1).float()
        unknown = sorted(set(word) - set(self.vocab.tokens))
        self.data = {"word": word, "probabilities": probabilities, "unknown": unknown}
        self.figure = plots.plot_class_probabilities(probabilities, NAMES, title=f"p(language | {word!r})")
        guesses = []
        for name, p in probabilities.items():
            best = int(p.argmax())
            guesses.append(f"{html.escape(name)}: <b>{NAMES[best]}</b> ({float(p[best]):.2f})")
        note = (f"<br>never seen in training, read as &lt;unk&gt;: {html.escape(' '.join(unknown))}"
                if unknown else "")
        return " · ".join(guesses) + note


def language_guesser(word: str = "fenêtre", model=None, vocab=None, baseline=None, seed: int = 0) -> LanguageGuesser:
    """Type a word and see each model's probability for every language (trains the lesson's models if none given)."""
    return LanguageGuesser(word, model=model, vocab=vocab, baseline=baseline, seed=seed)
