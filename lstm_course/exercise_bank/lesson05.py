"""Exercises for lesson 05 (deep and bidirectional LSTMs): final states from `output` and from `h_n`."""

from __future__ import annotations

import torch
from torch import nn

from .cases import randn
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


def _output_oracle(case):
    """Run a real batch-first bidirectional nn.LSTM of the case's shape; find where its h_n sits in its
    output (forward: which step and half; backward: which step and half), and read the case's output there."""
    output = tensor(case["output"])
    B, T, two_h = output.shape
    H = case["hidden_size"]
    lstm = nn.LSTM(2, H, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        probe, (h_n, _) = lstm(torch.randn(B, T, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    picked = []
    for final in (h_n[0], h_n[1]):  # torch's forward and backward final states, (B, H)
        where = [(t, half) for t in range(T) for half in (0, 1)
                 if torch.allclose(probe[:, t, half * H:(half + 1) * H], final)]
        t, half = where[0]
        picked.append(output[:, t, half * H:(half + 1) * H])
    return tuple(picked)


def _h_n_oracle(case):
    """Run a real bidirectional nn.LSTM with the case's L; find which rows of its h_n equal the top layer's
    final states as read from its output, and read the case's h_n at those rows."""
    h_n_case, L = tensor(case["h_n"]), case["num_layers"]
    B, H = h_n_case.shape[1], h_n_case.shape[2]
    lstm = nn.LSTM(2, H, L, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        output, (h_n, _) = lstm(torch.randn(B, 3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    forward_final, backward_final = output[:, -1, :H], output[:, 0, H:]
    rows = [next(k for k in range(2 * L) if torch.allclose(h_n[k], final)) for final in (forward_final, backward_final)]
    return h_n_case[rows[0]], h_n_case[rows[1]]


FROM_OUTPUT = Exercise(
    id="final_states_from_output", notebook=NOTEBOOK, name="final_states_from_output", points=50,
    oracle=_output_oracle, cases=_output_cases, reference=final_states_from_output, parts=("forward", "backward"),
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
    oracle=_h_n_oracle, cases=_h_n_cases, reference=final_states_from_h_n, parts=("forward", "backward"),
    call=lambda answer, case: tuple(answer(tensor(case["h_n"]), case["num_layers"])),
    wrong=(
        Wrong(lambda h_n, L: (h_n[0], h_n[1]), "h_n is ordered layer by layer: the top layer is the last two rows"),
        Wrong(lambda h_n, L: (h_n[-1], h_n[-2]), "within a layer the forward direction comes first, then the backward"),
        Wrong(lambda h_n, L: (h_n[L - 1], h_n[2 * L - 1]), "h_n is (layer, direction) with direction varying fastest: "
              "view it as (L, 2, B, H)"),
    ),
)

EXERCISES = (FROM_OUTPUT, FROM_H_N)
