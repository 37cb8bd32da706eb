"""The Python writer (lesson 09): type a prompt, move the temperature and top-k, read what a character LSTM writes.

The model is trained outside this package: a lesson passes its own, or the app loads the weights
shipped with the course (`charlm.load_pretrained`, made by `python -m tools.train_char_model`).
Nothing is trained in a callback.

    from lstm_course.widgets import char_sampler
    char_sampler("def parse(", temperature=0.8)
"""

from __future__ import annotations

import html

import ipywidgets as W
import torch

from .. import plots
from ..charlm import VOCAB_SIZE, decode, encode, load_pretrained, next_char_probs, sample
from .base import App, slider

SHOWN = 12  # bars in the figure: the likeliest next characters


class CharSampler(App):
    """A prompt box, temperature, top-k and length sliders, a "draw again" button; the sample and p(next char).

    `data` holds the prompt, the settings, the probabilities of the next character after the prompt
    (`probs`, (V,)) and the `sample` text. Draw k of a setting uses `torch.Generator().manual_seed(seed + k)`,
    so the same settings give the same text.
    """

    css_name = "char-sampler"

    def __init__(self, prompt: str = "def ", model=None, temperature: float = 0.8, top_k: int | None = None,
                 length: int = 200, seed: int = 0):
        super().__init__("A character LSTM writes Python")
        if not isinstance(prompt, str) or not prompt:
            raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
        self.model = load_pretrained()[0] if model is None else model
        self.seed, self.draw = seed, 0
        self.prompt = W.Textarea(value=prompt, description="prompt", continuous_update=False,
                                 style={"description_width": "6em"}, layout=W.Layout(width="40em", height="4em"))
        self.temperature = slider(temperature, 0.0, 2.0, 0.05, "temperature τ")
        self.top_k = slider(VOCAB_SIZE if top_k is None else top_k, 1, VOCAB_SIZE, 1, "top-k (97 = all)",
                            integer=True)
        self.length = slider(length, 20, 400, 10, "characters", integer=True)
        self.again = W.Button(description="draw again", layout=W.Layout(width="9em"))
        self._watch(prompt=self.prompt, temperature=self.temperature, top_k=self.top_k, length=self.length,
                    again=self.again)
        self.again.on_click(lambda _: self._draw_again())
        self._layout([self.prompt, W.HBox([self.temperature, self.again]), self.top_k, self.length])
        self.update()

    def _draw_again(self):
        self.draw += 1
        self.update()

    def compute(self) -> str:
        prompt = self.prompt.value or "\n"
        top_k = None if self.top_k.value >= VOCAB_SIZE else self.top_k.value
        with torch.no_grad():
            logits, _ = self.model(encode(prompt)[None])  # (1, T, V)
        probs = next_char_probs(logits[0, -1], self.temperature.value, top_k)  # (V,)
        text = sample(self.model, prompt, self.length.value, self.temperature.value, top_k,
                      generator=torch.Generator().manual_seed(self.seed + self.draw))
        shown = probs.topk(SHOWN)
        self.data = {"prompt": prompt, "temperature": self.temperature.value, "top_k": top_k, "probs": probs,
                     "sample": text[len(prompt):]}
        self.figure = plots.plot_next_char_probs(list(decode(shown.indices)), shown.values,
                                                 title=f"next character after the prompt, τ = "
                                                       f"{self.temperature.value:.2f}, top-k = {top_k or 'all'}")
        return (f"<pre style='white-space: pre-wrap'><b>{html.escape(prompt)}</b>"
                f"{html.escape(self.data['sample'])}</pre>")


def char_sampler(prompt: str = "def ", model=None, temperature: float = 0.8, top_k: int | None = None,
                 length: int = 200, seed: int = 0) -> CharSampler:
    """Type a prompt and see what a character model writes after it (the shipped model if none is given)."""
    return CharSampler(prompt, model=model, temperature=temperature, top_k=top_k, length=length, seed=seed)
