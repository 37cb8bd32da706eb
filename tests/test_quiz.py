"""Quiz questions: feedback per option, answers hidden in the fallbacks until asked for, and their widgets."""

import re

import pytest

from lstm_course.quiz import Feedback, Matching, MultipleChoice


def forget_question():
    return MultipleChoice(
        "Which gate decides how much of c_{t-1} is kept?",
        ["input gate i", "forget gate f", "output gate o"],
        answer=1,
        explanations=["i scales what is written.", "c_t = f ⊙ c_{t-1} + i ⊙ g.", "o scales what is revealed."],
    )


def gate_matching():
    return Matching(
        "Match the gate to its job",
        {"forget gate f": "keeps or erases the old memory", "input gate i": "lets new content in",
         "output gate o": "decides what h_t shows", "candidate g": "proposes new content"},
        explanations={"forget gate f": "c_t = f ⊙ c_{t-1} + ..."},
        seed=0,
    )


def test_multiple_choice_gives_the_explanation_of_the_chosen_option():
    q = forget_question()
    assert q.check(1) == Feedback(True, "Right. c_t = f ⊙ c_{t-1} + i ⊙ g.")
    assert q.check(0) == Feedback(False, "Not quite. i scales what is written.")
    assert not q.check(2).correct


def test_multiple_choice_fallbacks_hide_the_answer_until_asked():
    q = forget_question()
    text = str(q)
    assert "forget gate f" in text and "c_t = f ⊙" not in text and "Answer" not in text and ".reveal()" in text
    assert q.reveal().startswith("Answer: B. forget gate f")
    page = q.to_html()
    before, details = page.split("<details>", 1)
    assert "Answer" not in before and "Answer: <b>B. forget gate f</b>" in details
    assert "<summary>Show the answer</summary>" in details and "open" not in details.split(">", 1)[0]
    assert all(e in details for e in ("i scales what is written.", "o scales what is revealed."))


def test_matching_feedback_and_score():
    q = gate_matching()
    answers = {"forget gate f": "keeps or erases the old memory", "input gate i": "proposes new content"}
    feedback = q.check(answers)
    assert feedback["forget gate f"] == Feedback(True, "Right. c_t = f ⊙ c_{t-1} + ...")
    wrong = "Not quite: input gate i does not go with “proposes new content”."
    assert feedback["input gate i"] == Feedback(False, wrong)
    assert feedback["output gate o"] == Feedback(False, "not answered yet")
    assert q.score(answers) == 1
    assert q.score(q.pairs) == 4


def test_matching_shuffles_the_choices_reproducibly_and_hides_the_pairs():
    a, b = gate_matching(), gate_matching()
    assert a.choices == b.choices and sorted(a.choices) == sorted(a.pairs.values())
    orders = {tuple(Matching("p", a.pairs, seed=s).choices) for s in range(6)}
    assert len(orders) > 1
    page = a.to_html()
    before, details = page.split("<details>", 1)
    assert "→" not in before and "forget gate f → <b>keeps or erases the old memory</b>" in details
    assert "->" not in str(a) and "forget gate f -> keeps or erases the old memory" in a.reveal()


def test_question_validation():
    with pytest.raises(ValueError, match="at least 2 options"):
        MultipleChoice("q", ["a"], 0, ["x"])
    with pytest.raises(ValueError, match="one explanation per option: 2 options, 1 explanations"):
        MultipleChoice("q", ["a", "b"], 0, ["x"])
    with pytest.raises(ValueError, match=r"answer must be the index of the right option, 0 .. 1, got 2"):
        MultipleChoice("q", ["a", "b"], 2, ["x", "y"])
    with pytest.raises(ValueError, match="choice must be an option index"):
        forget_question().check(5)
    with pytest.raises(ValueError, match="some right items repeat"):
        Matching("p", {"a": "x", "b": "x"})
    with pytest.raises(ValueError, match=r"unknown item\(s\) \['z'\]"):
        gate_matching().check({"z": "x"})
    with pytest.raises(ValueError, match="not in pairs"):
        Matching("p", {"a": "x", "b": "y"}, {"c": "?"})


def test_multiple_choice_widget_gives_immediate_feedback_on_click():
    q = forget_question()
    bundle = q._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= set(bundle)
    view = q.view
    assert view.feedback.value == ""
    view.buttons[2].click()
    assert view.feedback.value.startswith("✗ Not quite. o scales") and view.buttons[2].button_style == "danger"
    view.buttons[1].click()
    assert view.feedback.value.startswith("✓ Right.") and view.buttons[1].button_style == "success"
    assert view.buttons[2].button_style == ""


def test_matching_widget_checks_the_dropdowns():
    q = gate_matching()
    q._repr_mimebundle_()
    view = q.view
    view.dropdowns["forget gate f"].value = "keeps or erases the old memory"
    view.dropdowns["candidate g"].value = "lets new content in"
    view.check_button.click()
    assert view.feedback.value == "1 of 4 matched correctly"
    assert view.marks["forget gate f"].value.startswith("✓") and view.marks["candidate g"].value.startswith("✗")
    for left, right in q.pairs.items():
        view.dropdowns[left].value = right
    view.check_button.click()
    assert re.match(r"4 of 4 matched correctly", view.feedback.value) and "well done" in view.feedback.value
