"""The bidirectional reader (lesson 05): which "bank" is it? Step through a sentence with two taggers.

The taggers are trained once, seeded, by `bank_tagger.trained_bank_taggers` (cached); nothing is
trained inside a callback.

    from lstm_course.widgets import bidirectional_reader
    bidirectional_reader()
"""

from __future__ import annotations

import html

import ipywidgets as W
import torch

from .. import plots
from ..bank_tagger import TAG_CLASSES, trained_bank_taggers
from ..tasks import BANK_SENSES, BANK_VOCAB, bank_task
from .base import App, choice, slider

EXAMPLE_SENTENCES = (
    "we saw fish at the bank that day",
    "she saw cash at the bank that day",
    "the bank was full of mud they said",
    "the bank was full of coins they said",
    "at the bank i talked about the ducks",
    "he left the bank with the loans today",
)


def _words_html(words):
    return " ".join(f"<b>{w}</b>" if w == "bank" else html.escape(w) for w in words)


class BidirectionalReader(App):
    """Step through a "bank" sentence: what each direction has read, and each model's tag for every word."""

    css_name = "bidirectional-reader"

    def __init__(self, seed: int = 0, *, sentence: str = EXAMPLE_SENTENCES[0], position: int = 0):
        super().__init__('Bidirectional reader: which "bank" is it?')
        self.one_direction, self.two_directions, self.accuracy = trained_bank_taggers(seed)
        self.sentence = W.Dropdown(options=list(EXAMPLE_SENTENCES), value=choice(sentence, EXAMPLE_SENTENCES,
                                   "sentence"), description="sentence",
                                   style={"description_width": "6em"}, layout=W.Layout(width="32em"))
        self.position = slider(position, 0, 7, 1, "reading word", integer=True)
        self.back = W.Button(description="◀ back", layout=W.Layout(width="7em"))
        self.forward = W.Button(description="next ▶", layout=W.Layout(width="7em"))
        self.new_sentence = W.Button(description="random sentence", layout=W.Layout(width="11em"))
        self._generator = torch.Generator().manual_seed(seed + 2)
        self._watch(sentence=self.sentence, position=self.position, back=self.back, forward=self.forward,
                    new_sentence=self.new_sentence)
        self.back.on_click(lambda _: self._step(-1))
        self.forward.on_click(lambda _: self._step(+1))
        self.new_sentence.on_click(lambda _: self._draw_sentence())
        self._layout([self.sentence, W.HBox([self.position, self.back, self.forward, self.new_sentence])])
        self.update()

    def _step(self, delta):
        self.position.value = min(max(self.position.value + delta, self.position.min), self.position.max)

    def _draw_sentence(self):
        text = BANK_VOCAB.decode(bank_task(1, "random", self._generator).tokens[0])
        if text not in self.sentence.options:
            self._quiet = True  # new options can move the value on their own: one redraw, for the new sentence
            try:
                self.sentence.options = (*self.sentence.options, text)
            finally:
                self._quiet = False
        self.sentence.value = text

    def compute(self):
        words = self.sentence.value.split()
        t = min(self.position.value, len(words) - 1)
        tokens = BANK_VOCAB.encode(words).unsqueeze(0)  # (1, T)
        with torch.no_grad():
            one = self.one_direction(tokens).softmax(-1)[0]  # (T, 3)
            two = self.two_directions(tokens).softmax(-1)[0]  # (T, 3)
        bank = words.index("bank")
        self.data = {"words": words, "position": t, "bank_position": bank, "one_direction": one,
                     "two_directions": two, "forward_read": words[: t + 1], "backward_read": words[t:]}
        self.figure = plots.plot_token_predictions(words, one, two, TAG_CLASSES, position=t, annotate={t, bank},
                                                   title=f'reading "{words[t]}" (word {t})')

        def verdict(probs):
            sense = int(probs[bank, 1:].argmax())
            return f"{BANK_SENSES[sense]} ({probs[bank, 1 + sense]:.2f} vs {probs[bank, 2 - sense]:.2f})"

        acc = self.accuracy
        return (f"forward direction has read: <span class='forward-read'>{_words_html(words[: t + 1])}</span><br>"
                f"backward direction has read: <span class='backward-read'>{_words_html(words[t:])}</span><br>"
                f'"bank" is word {bank}: one direction says <b>{verdict(one)}</b>, '
                f"two directions say <b>{verdict(two)}</b><br>"
                f"measured on 2,000 fresh sentences with the cue after \"bank\": one direction "
                f"{acc['one direction']['after']:.0%} right, two directions {acc['two directions']['after']:.0%} "
                f"(cue before: {acc['one direction']['before']:.0%} and {acc['two directions']['before']:.0%})")


def bidirectional_reader(seed: int = 0, **initial) -> BidirectionalReader:
    """Step through a sentence whose "bank" is settled by a word before or after it; compare the two taggers.

    The controls start at the keywords `sentence` (one of `EXAMPLE_SENTENCES`) and `position`.
    """
    return BidirectionalReader(seed, **initial)
