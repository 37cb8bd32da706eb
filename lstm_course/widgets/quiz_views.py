"""The widget views of `quiz` questions: buttons for multiple choice, dropdowns for matching.

A question knows which view shows it (`quiz.MultipleChoice.make_view`) and imports it only when it
is displayed; a view never imports `quiz`: it reads the question's fields and calls its `check`.
This module needs ipywidgets and nothing else, so showing a question loads neither torch nor matplotlib.
"""

from __future__ import annotations

import html

import ipywidgets as W


class MultipleChoiceView:
    """One button per option; a click shows at once whether it is right and why."""

    def __init__(self, question):
        self.question = question
        letters = [chr(ord("A") + k) for k in range(len(question.options))]
        self.buttons = [W.Button(description=f"{letter}. {option}", layout=W.Layout(width="auto"))
                        for letter, option in zip(letters, question.options)]
        self.feedback = W.HTML()
        self.feedback.add_class("quiz-feedback")
        for k, button in enumerate(self.buttons):
            button.add_class(f"quiz-option-{k}")
            button.on_click(lambda _, k=k: self.choose(k))
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(question.question)}</b>"), *self.buttons, self.feedback],
                             layout=W.Layout(align_items="flex-start"))
        self.widget.add_class("lstm-course-quiz")

    def choose(self, k: int) -> None:
        verdict = self.question.check(k)
        for j, button in enumerate(self.buttons):
            button.button_style = ("success" if verdict.correct else "danger") if j == k else ""
        self.feedback.value = f"{'✓' if verdict.correct else '✗'} {html.escape(verdict.message)}"


class MatchingView:
    """A dropdown per item on the left, a Check button, and per-item feedback with the score."""

    placeholder = "(choose)"

    def __init__(self, question):
        self.question = question
        self.dropdowns = {left: W.Dropdown(options=[self.placeholder, *question.choices], layout=W.Layout(width="auto"))
                          for left in question.pairs}
        self.marks = {left: W.HTML() for left in question.pairs}
        self.check_button = W.Button(description="Check", button_style="primary")
        self.check_button.add_class("quiz-check")
        self.feedback = W.HTML()
        self.feedback.add_class("quiz-feedback")
        self.check_button.on_click(lambda _: self.check())
        rows = []
        for k, left in enumerate(question.pairs):
            self.dropdowns[left].add_class(f"quiz-match-{k}")
            rows.append(W.HBox([W.HTML(f"<b>{html.escape(left)}</b>", layout=W.Layout(width="10em")),
                                self.dropdowns[left], self.marks[left]]))
        self.widget = W.VBox([W.HTML(f"<b>{html.escape(question.prompt)}</b>"), *rows, self.check_button,
                              self.feedback])
        self.widget.add_class("lstm-course-quiz")

    def check(self) -> None:
        answers = {left: (None if d.value == self.placeholder else d.value) for left, d in self.dropdowns.items()}
        feedback = self.question.check(answers)
        for left, verdict in feedback.items():
            self.marks[left].value = f"{'✓' if verdict.correct else '✗'} {html.escape(verdict.message)}"
        right = sum(v.correct for v in feedback.values())
        self.feedback.value = f"{right} of {len(feedback)} matched correctly" + (" — well done!" if right == len(
            feedback) else "")


def quiz_view(question):
    """The widget for a `quiz.MultipleChoice` or `quiz.Matching` question: the view the question names."""
    make_view = getattr(question, "make_view", None)
    if make_view is None:
        raise TypeError(f"expected a quiz.MultipleChoice or quiz.Matching, got {type(question).__name__}")
    return make_view()
