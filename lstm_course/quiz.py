"""Check-your-understanding questions: multiple choice and matching, with an explanation for every option.

    from lstm_course.quiz import MultipleChoice, Matching
    MultipleChoice("Which gate decides how much of c_{t-1} is kept?",
                   ["input gate", "forget gate", "output gate"], answer=1,
                   explanations=["It scales what is written.", "Yes: c_t = f ⊙ c_{t-1} + ...",
                                 "It scales what is revealed as h_t."])

Shown as a cell's value in JupyterLab a question is a small widget with immediate feedback.
Where no widget front end runs (an HTML export, a notebook read on a web page) it falls back to
HTML in which the answer sits in a closed `<details>` block, and to plain text that keeps the
answer hidden until `question.reveal()` is called.

The questions themselves (`check`, `reveal`, the HTML) need nothing but the standard library. Each
question knows the view that shows it (`make_view`), in `widgets.quiz_views`, and imports it only
when it is displayed; that module needs ipywidgets alone, so a quiz never loads torch or matplotlib.
"""

from __future__ import annotations

import html
import random
from collections.abc import Mapping, Sequence
from typing import NamedTuple


class Feedback(NamedTuple):
    """The verdict on one answer: whether it is right, and a sentence saying why."""

    correct: bool
    message: str


def _letters(n):
    return [chr(ord("A") + k) for k in range(n)]


class _Question:
    """Display plumbing shared by the question types."""

    def make_view(self):
        """The ipywidgets view of this question (a new one on every call)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        self.view = self.make_view()
        bundle = self.view.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = str(self)
        return bundle


class MultipleChoice(_Question):
    """One question, several options, one right answer, and an explanation for every option.

    Args:
        question: the question text.
        options: the options, shown as A, B, C, ...
        answer: the index of the right option.
        explanations: one sentence per option saying why it is right or wrong.
    """

    def __init__(self, question: str, options: Sequence[str], answer: int, explanations: Sequence[str]):
        if len(options) < 2:
            raise ValueError(f"a multiple-choice question needs at least 2 options, got {len(options)}")
        if len(explanations) != len(options):
            raise ValueError(f"give one explanation per option: {len(options)} options, {len(explanations)} "
                             "explanations")
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(options):
            raise ValueError(f"answer must be the index of the right option, 0 .. {len(options) - 1}, got {answer!r}")
        self.question = question
        self.options = list(options)
        self.answer = answer
        self.explanations = list(explanations)

    def make_view(self):
        """Buttons, one per option, with immediate feedback (`widgets.quiz_views.MultipleChoiceView`)."""
        from .widgets.quiz_views import MultipleChoiceView  # ipywidgets, loaded once a question is shown

        return MultipleChoiceView(self)

    def check(self, choice: int) -> Feedback:
        """The feedback for choosing option `choice` (an index)."""
        if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < len(self.options):
            raise ValueError(f"choice must be an option index 0 .. {len(self.options) - 1}, got {choice!r}")
        correct = choice == self.answer
        verdict = "Right." if correct else "Not quite."
        return Feedback(correct, f"{verdict} {self.explanations[choice]}")

    def reveal(self) -> str:
        """The right answer and every option's explanation, as text."""
        letters = _letters(len(self.options))
        lines = [f"Answer: {letters[self.answer]}. {self.options[self.answer]}"]
        lines += [f"  {letter}. {explanation}" for letter, explanation in zip(letters, self.explanations)]
        return "\n".join(lines)

    def __str__(self) -> str:
        options = [f"  {letter}. {option}" for letter, option in zip(_letters(len(self.options)), self.options)]
        return "\n".join([self.question, *options, "(answer hidden: call .reveal() to see it)"])

    def to_html(self) -> str:
        """The static version: the question, the options, and the answer inside a closed <details> block."""
        esc = html.escape
        letters = _letters(len(self.options))
        options = "".join(f"<li><b>{letter}.</b> {esc(option)}</li>" for letter, option in zip(letters, self.options))
        explained = "".join(f"<li><b>{letter}.</b> {esc(text)}</li>"
                            for letter, text in zip(letters, self.explanations))
        return (f"<div class='lstm-course-quiz'><p><b>{esc(self.question)}</b></p><ul>{options}</ul>"
                f"<details><summary>Show the answer</summary><p>Answer: <b>{letters[self.answer]}. "
                f"{esc(self.options[self.answer])}</b></p><ul>{explained}</ul></details></div>")


class Matching(_Question):
    """Match each item on the left (e.g. a gate) to one on the right (e.g. its job).

    Args:
        prompt: the instruction.
        pairs: left item -> its right match; the right items are shown shuffled.
        explanations: left item -> why its match is right (optional).
        seed: the shuffle's seed, so the order is the same on every run.
    """

    def __init__(self, prompt: str, pairs: Mapping[str, str], explanations: Mapping[str, str] | None = None,
                 seed: int = 0):
        if len(pairs) < 2:
            raise ValueError(f"a matching question needs at least 2 pairs, got {len(pairs)}")
        if len(set(pairs.values())) != len(pairs):
            raise ValueError("every left item needs its own right item; some right items repeat")
        explanations = dict(explanations or {})
        unknown = set(explanations) - set(pairs)
        if unknown:
            raise ValueError(f"explanations for items that are not in pairs: {sorted(unknown)}")
        self.prompt = prompt
        self.pairs = dict(pairs)
        self.explanations = explanations
        self.choices = list(pairs.values())
        random.Random(seed).shuffle(self.choices)

    def make_view(self):
        """A dropdown per item and a Check button (`widgets.quiz_views.MatchingView`)."""
        from .widgets.quiz_views import MatchingView  # ipywidgets, loaded once a question is shown

        return MatchingView(self)

    def check(self, answers: Mapping[str, str]) -> dict[str, Feedback]:
        """Feedback for every left item, given `answers`: left item -> the chosen right item (or None)."""
        unknown = set(answers) - set(self.pairs)
        if unknown:
            raise ValueError(f"unknown item(s) {sorted(unknown)}; the items are {list(self.pairs)}")
        feedback = {}
        for left, right in self.pairs.items():
            chosen = answers.get(left)
            if chosen is None:
                feedback[left] = Feedback(False, "not answered yet")
            elif chosen == right:
                feedback[left] = Feedback(True, f"Right. {self.explanations.get(left, '')}".strip())
            else:
                feedback[left] = Feedback(False, f"Not quite: {left} does not go with “{chosen}”.")
        return feedback

    def score(self, answers: Mapping[str, str]) -> int:
        """How many items are matched correctly."""
        return sum(f.correct for f in self.check(answers).values())

    def reveal(self) -> str:
        """The right matches and their explanations, as text."""
        return "\n".join(f"{left} -> {right}" + (f": {self.explanations[left]}" if left in self.explanations else "")
                         for left, right in self.pairs.items())

    def __str__(self) -> str:
        letters = _letters(len(self.choices))
        return "\n".join([self.prompt, *(f"  {left}" for left in self.pairs),
                          "with:", *(f"  {letter}. {choice}" for letter, choice in zip(letters, self.choices)),
                          "(answer hidden: call .reveal() to see it)"])

    def to_html(self) -> str:
        """The static version: both columns, and the matches inside a closed <details> block."""
        esc = html.escape
        letters = _letters(len(self.choices))
        items = "".join(f"<li>{esc(left)}</li>" for left in self.pairs)
        choices = "".join(f"<li><b>{letter}.</b> {esc(choice)}</li>" for letter, choice in zip(letters, self.choices))
        answers = "".join(f"<li>{esc(left)} → <b>{esc(right)}</b>"
                          + (f": {esc(self.explanations[left])}" if left in self.explanations else "") + "</li>"
                          for left, right in self.pairs.items())
        return (f"<div class='lstm-course-quiz'><p><b>{esc(self.prompt)}</b></p><p>Items:</p><ul>{items}</ul>"
                f"<p>Choices:</p><ul>{choices}</ul>"
                f"<details><summary>Show the answer</summary><ul>{answers}</ul></details></div>")
