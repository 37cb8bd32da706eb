"""Exercises for lesson 05 (deep and bidirectional LSTMs): final states from `output` and from `h_n`."""

from __future__ import annotations

from .lesson01 import randn
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "05_deep_and_bidirectional"


def final_states_from_output(output, hidden_size):
    """Reference: output (B, T, 2H) of a batch-first BiLSTM -> (forward final (B, H), backward final (B, H))."""
    return output[:, -1, :hidden_size], output[:, 0, hidden_size:]


def final_states_from_h_n(h_n, num_layers):
    """Reference: h_n (2L, B, H) -> the top layer's (forward final (B, H), backward final (B, H))."""
    return h_n[2 * num_layers - 2], h_n[2 * num_layers - 1]


def _output_cases(rng):
    return [{"about": about, "hidden_size": H, "output": randn(rng, B, T, 2 * H)}
            for B, T, H, about in ((2, 5, 3, "B=2, T=5, H=3"), (1, 1, 2, "T=1: both directions end at the same step"),
                                   (3, 4, 1, "H=1"))]


def _h_n_cases(rng):
    return [{"about": about, "num_layers": L, "h_n": randn(rng, 2 * L, B, H)}
            for L, B, H, about in ((3, 2, 4, "L=3, B=2, H=4"), (1, 1, 2, "a single layer"), (2, 3, 1, "L=2, H=1"))]


FROM_OUTPUT = Exercise(
    id="final_states_from_output", notebook=NOTEBOOK, name="final_states_from_output", points=50,
    cases=_output_cases, reference=final_states_from_output, parts=("forward", "backward"),
    call=lambda answer, case: tuple(answer(tensor(case["output"]), case["hidden_size"])),
    wrong=(
        Wrong(lambda o, H: (o[:, -1, :H], o[:, -1, H:]), "the backward direction ends at t = 0: its final state "
              "is output[:, 0, H:]"),
        Wrong(lambda o, H: (o[:, -1, H:], o[:, 0, :H]), "the first H features are the forward direction, the last H "
              "the backward one"),
        Wrong(lambda o, H: (o[:, 0, :H], o[:, -1, H:]), "the forward direction ends at the last step, the backward "
              "direction at the first"),
    ),
)

FROM_H_N = Exercise(
    id="final_states_from_h_n", notebook=NOTEBOOK, name="final_states_from_h_n", points=50,
    cases=_h_n_cases, reference=final_states_from_h_n, parts=("forward", "backward"),
    call=lambda answer, case: tuple(answer(tensor(case["h_n"]), case["num_layers"])),
    wrong=(
        Wrong(lambda h_n, L: (h_n[0], h_n[1]), "h_n is ordered layer by layer: the top layer is the last two rows"),
        Wrong(lambda h_n, L: (h_n[-1], h_n[-2]), "within a layer the forward direction comes first, then the backward"),
        Wrong(lambda h_n, L: (h_n[L - 1], h_n[2 * L - 1]), "h_n is (layer, direction) with direction varying fastest: "
              "view it as (L, 2, B, H)"),
    ),
)

EXERCISES = (FROM_OUTPUT, FROM_H_N)
