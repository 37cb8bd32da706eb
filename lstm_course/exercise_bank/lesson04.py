"""Exercises for lesson 04 (nn.LSTM shapes and states): predict shapes, carry state across chunks without a graph leak,
gather the last valid outputs of a padded batch."""

from __future__ import annotations

import torch
from torch import nn

from .cases import randn
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "04_nn_lstm_shapes_and_states"


# 1. The shapes nn.LSTM returns.

def predict_shapes(batch_size, seq_len, input_size, hidden_size, num_layers, bidirectional, batch_first):
    """Reference: (output shape, h_n shape, c_n shape) of nn.LSTM on a batched input."""
    D = 2 if bidirectional else 1
    output = (batch_size, seq_len, D * hidden_size) if batch_first else (seq_len, batch_size, D * hidden_size)
    state = (num_layers * D, batch_size, hidden_size)
    return output, state, state


SHAPE_ARGS = ("batch_size", "seq_len", "input_size", "hidden_size", "num_layers", "bidirectional", "batch_first")


def _shape_cases(rng):
    cases = []
    for bidirectional, batch_first in ((False, False), (True, True), (True, False), (False, True)):
        B, T, I, H, L = (int(v) for v in rng.integers(1, 7, 5))
        cases.append({"about": f"B={B}, T={T}, I={I}, H={H}, L={L}, bidirectional={bidirectional}, "
                      f"batch_first={batch_first}", "config": [B, T, I, H, L, bidirectional, batch_first]})
    return cases


def _call_shapes(answer, case):
    return tuple(tuple(shape) for shape in answer(*case["config"]))


def _no_directions(B, T, I, H, L, bidirectional, batch_first):
    output, _, _ = predict_shapes(B, T, I, H, L, bidirectional, batch_first)
    return output, (L, B, H), (L, B, H)


def _batch_first_state(B, T, I, H, L, bidirectional, batch_first):
    output, state, _ = predict_shapes(B, T, I, H, L, bidirectional, batch_first)
    state = (B, state[0], H) if batch_first else state
    return output, state, state


def _output_without_d(B, T, I, H, L, bidirectional, batch_first):
    _, state, _ = predict_shapes(B, T, I, H, L, bidirectional, batch_first)
    return ((B, T, H) if batch_first else (T, B, H)), state, state


def _shapes_oracle(case):
    """The shapes a real nn.LSTM returns for that configuration."""
    B, T, I, H, L, bidirectional, batch_first = case["config"]
    lstm = nn.LSTM(I, H, L, bidirectional=bidirectional, batch_first=batch_first)
    with torch.no_grad():
        output, (h_n, c_n) = lstm(torch.zeros((B, T, I) if batch_first else (T, B, I)))
    return tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)


PREDICT_SHAPES = Exercise(
    id="predict_shapes", notebook=NOTEBOOK, name="predict_shapes", points=30, oracle=_shapes_oracle,
    cases=_shape_cases, call=_call_shapes, reference=predict_shapes, parts=("output", "h_n", "c_n"),
    fixed_cases=({"about": "B=1, T=1, I=1, H=1, L=1", "config": [1, 1, 1, 1, 1, False, False]},),
    wrong=(
        Wrong(_no_directions, "h_n and c_n have num_layers * num_directions rows"),
        Wrong(_batch_first_state, "batch_first changes input and output only: h_n and c_n are always (L*D, B, H)"),
        Wrong(_output_without_d, "a bidirectional output holds both directions: its last dimension is D * H"),
    ),
)


# 2. Truncated backpropagation through time: carry the state between chunks, detached.

def train_tbptt(lstm, head, chunks, targets, lr):
    """Reference: one SGD step per chunk, (h, c) carried over but cut from the graph; the losses (N,)."""
    parameters = list(lstm.parameters()) + list(head.parameters())
    state, losses = None, []
    for x, y in zip(chunks, targets):
        output, (h, c) = lstm(x, state)  # (B, T, H)
        loss = ((head(output).squeeze(-1) - y) ** 2).mean()
        for p in parameters:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in parameters:
                p -= lr * p.grad
        state = (h.detach(), c.detach())
        losses.append(loss.detach())
    return torch.stack(losses)


def _tbptt_case(rng, batch, chunks, steps, input_size, hidden_size, about):
    lstm = {"weight_ih_l0": randn(rng, 4 * hidden_size, input_size, scale=0.4),
            "weight_hh_l0": randn(rng, 4 * hidden_size, hidden_size, scale=0.4),
            "bias_ih_l0": randn(rng, 4 * hidden_size, scale=0.4), "bias_hh_l0": randn(rng, 4 * hidden_size, scale=0.4)}
    return {"about": about, "lr": 0.1, "lstm": lstm,
            "head": {"weight": randn(rng, 1, hidden_size, scale=0.4), "bias": randn(rng, 1, scale=0.4)},
            "chunks": [randn(rng, batch, steps, input_size) for _ in range(chunks)],
            "targets": [randn(rng, batch, steps) for _ in range(chunks)]}


def _tbptt_cases(rng):
    return [_tbptt_case(rng, 2, 3, 4, 2, 3, "3 chunks of 4 steps, B=2, I=2, H=3"),
            _tbptt_case(rng, 1, 4, 2, 1, 2, "4 chunks of 2 steps, B=1")]


def _call_tbptt(answer, case):
    """Build the modules the learner's loop trains from the case's weights, then run the loop."""
    H, I = len(case["lstm"]["weight_hh_l0"][0]), len(case["lstm"]["weight_ih_l0"][0])
    lstm = nn.LSTM(I, H, batch_first=True).double()
    head = nn.Linear(H, 1).double()
    lstm.load_state_dict({k: tensor(v) for k, v in case["lstm"].items()})
    head.load_state_dict({k: tensor(v) for k, v in case["head"].items()})
    chunks = [tensor(x) for x in case["chunks"]]
    targets = [tensor(y) for y in case["targets"]]
    return answer(lstm, head, chunks, targets, case["lr"])


def _reset_each_chunk(lstm, head, chunks, targets, lr):
    return torch.stack([train_tbptt(lstm, head, [x], [y], lr)[0] for x, y in zip(chunks, targets)])


def _tbptt_oracle(case):
    """torch.optim.SGD over the chunks, the state handed on through nn.LSTM's hx with its graph cut."""
    def fresh_loop(lstm, head, chunks, targets, lr):
        optimizer = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=lr)
        hx, losses = None, []
        for x, y in zip(chunks, targets):
            output, hx = lstm(x, hx)  # (B, T, H)
            loss = nn.functional.mse_loss(head(output)[..., 0], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            hx = tuple(s.detach() for s in hx)
            losses.append(loss.item())
        return losses

    return _call_tbptt(fresh_loop, case)


TBPTT = Exercise(
    id="train_tbptt", notebook=NOTEBOOK, name="train_tbptt", points=40, oracle=_tbptt_oracle,
    cases=_tbptt_cases, call=_call_tbptt, reference=train_tbptt, rtol=1e-6, atol=1e-9,
    wrong=(Wrong(_reset_each_chunk, "carry (h, c) from one chunk to the next (detached), do not start from zeros"),),
)


# 3. The last valid output of each sequence in a padded, batch-first batch.

def last_valid_outputs(output, lengths):
    """Reference: output (B, T, H), lengths (B,) -> the output at step lengths[b] - 1 of each row, (B, H)."""
    return output[torch.arange(output.shape[0]), lengths - 1]  # (B, H)


def _last_cases(rng):
    cases = []
    for batch, steps, hidden_size, about in ((4, 5, 3, "B=4, T=5, H=3"), (1, 3, 2, "a batch of one"),
                                             (3, 6, 1, "H=1")):
        lengths = rng.integers(1, steps + 1, batch)
        lengths[0] = steps  # one full-length sequence, as after padding
        cases.append({"about": about + f", lengths {lengths.tolist()}", "output": randn(rng, batch, steps, hidden_size),
                      "lengths": lengths.tolist()})
    return cases


def _call_last(answer, case):
    return answer(tensor(case["output"]), torch.tensor(case["lengths"], dtype=torch.long))


def _last_oracle(case):
    """torch.nn.utils.rnn: pack the padded batch, unpack it into its sequences, take each one's last step."""
    output, lengths = tensor(case["output"]), torch.tensor(case["lengths"])
    packed = nn.utils.rnn.pack_padded_sequence(output, lengths, batch_first=True, enforce_sorted=False)
    return torch.stack([sequence[-1] for sequence in nn.utils.rnn.unpack_sequence(packed)])


LAST_VALID = Exercise(
    id="last_valid_outputs", notebook=NOTEBOOK, name="last_valid_outputs", points=30, oracle=_last_oracle,
    cases=_last_cases, call=_call_last, reference=last_valid_outputs,
    fixed_cases=({"about": "lengths [1, 3]: one sequence of one step", "output": [[[1.0], [2.0], [3.0]],
                  [[4.0], [5.0], [6.0]]], "lengths": [1, 3]},),
    wrong=(
        Wrong(lambda output, lengths: output[:, -1], "for shorter sequences the last step is padding: "
              "take the step lengths - 1 of each row"),
        Wrong(lambda output, lengths: output[:, lengths.min() - 1], "index each row with its own length"),
    ),
)

EXERCISES = (PREDICT_SHAPES, TBPTT, LAST_VALID)
