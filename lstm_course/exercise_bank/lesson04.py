"""Exercises for lesson 04 (nn.LSTM shapes and states): predict shapes, carry state across chunks without a graph leak,
predict which outputs a padded batch's padding can change, packed or not, in one direction or two."""

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


# 3. Predict before you run: which outputs change when only the padding of a batch changes?

def padding_changes(lengths, seq_len, bidirectional, packed):
    """Reference: lengths (B,), T, D = 2 if bidirectional -> (output changes (B, T, D), h_n changes (D, B)), 0 or 1.

    Without packing the LSTM reads the padding as data: the forward direction at step t has read steps 0..t, so
    only its padded steps (and h_n, the state after step T - 1) change; the backward direction starts at T - 1, so
    every step of a shorter sequence changes, and so does its h_n (its state at step 0). A packed batch never
    hands the padding to the LSTM, and pad_packed_sequence fills the padded positions with 0: nothing changes.
    """
    B, D = len(lengths), 2 if bidirectional else 1
    if packed:
        return torch.zeros(B, seq_len, D), torch.zeros(D, B)
    padded = torch.arange(seq_len)[None, :] >= lengths[:, None]  # (B, T)
    short = (lengths < seq_len)[:, None].expand(B, seq_len)  # (B, T) sequences that have padding at all
    output = torch.stack([padded, short][:D], dim=-1)  # (B, T, D) forward | backward
    return output, short[:, 0][None, :].expand(D, B)  # (D, B)


def _padding_cases(rng):
    cases = []
    for bidirectional, packed in ((False, False), (False, True), (True, False), (True, True)):
        batch, steps = int(rng.integers(3, 5)), int(rng.integers(4, 7))
        lengths = rng.integers(1, steps, batch)
        lengths[0] = steps  # one full-length sequence, as after padding
        cases.append({"about": f"lengths {lengths.tolist()}, T={steps}, bidirectional={bidirectional}, "
                      f"packed={packed}", "lengths": lengths.tolist(), "seq_len": steps,
                      "bidirectional": bidirectional, "packed": packed})
    return cases


def _call_padding(answer, case):
    return tuple(answer(torch.tensor(case["lengths"], dtype=torch.long), case["seq_len"], case["bidirectional"],
                        case["packed"]))


def _padding_oracle(case):
    """Run a real batch-first nn.LSTM twice, on one batch and on the same batch with other padding values, packed
    or not; an output or h_n entry has changed when any of its H features moved by more than 1e-9."""
    lengths, T, bidirectional = torch.tensor(case["lengths"]), case["seq_len"], case["bidirectional"]
    B, D, H = len(lengths), 2 if bidirectional else 1, 3
    generator = torch.Generator().manual_seed(0)
    lstm = nn.LSTM(2, H, batch_first=True, bidirectional=bidirectional).double()
    x = torch.randn(B, T, 2, generator=generator, dtype=torch.float64)  # (B, T, I)
    padded = torch.arange(T)[None, :] >= lengths[:, None]  # (B, T)
    other = torch.where(padded[..., None], x + 1 + torch.rand(B, T, 2, generator=generator, dtype=x.dtype), x)
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype))

        def run(inputs):
            if not case["packed"]:
                output, (h_n, _) = lstm(inputs)
                return output, h_n
            packed = nn.utils.rnn.pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, (h_n, _) = lstm(packed)
            return nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=T)[0], h_n

        (out_a, h_a), (out_b, h_b) = run(x), run(other)
    moved = lambda a, b: ((a - b).abs() > 1e-9).any(-1).double()  # noqa: E731  one flag per H features
    return moved(out_a.view(B, T, D, H), out_b.view(B, T, D, H)), moved(h_a, h_b)


def _padding_with(*, unpacked_too=False, forward_all=False, h_n_own_end=False, backward_like_forward=False,
                  packed_padding=False, everything=False):
    """A wrong prediction: the reference with one misconception."""
    def answer(lengths, seq_len, bidirectional, packed):
        output, h_n = padding_changes(lengths, seq_len, bidirectional, packed)
        output, h_n = output.clone().double(), h_n.clone().double()
        padded = (torch.arange(seq_len)[None, :] >= lengths[:, None]).double()  # (B, T)
        if packed:
            if packed_padding:
                output[:] = padded[..., None]
            return output, h_n
        if unpacked_too:
            return torch.zeros_like(output), torch.zeros_like(h_n)
        if everything:
            return torch.ones_like(output), torch.ones_like(h_n)
        if forward_all:
            output[..., 0] = (lengths < seq_len).double()[:, None].expand_as(padded)
        if h_n_own_end:
            h_n[0] = 0.0
        if backward_like_forward and bidirectional:
            output[..., 1] = padded
            h_n[1] = 0.0
        return output, h_n
    return answer


PADDING_CHANGES = Exercise(
    id="padding_changes", notebook=NOTEBOOK, name="padding_changes", points=30, oracle=_padding_oracle,
    cases=_padding_cases, call=_call_padding, reference=padding_changes, parts=("output", "h_n"),
    fixed_cases=({"about": "every sequence full length, bidirectional, not packed: there is no padding",
                  "lengths": [3, 3], "seq_len": 3, "bidirectional": True, "packed": False},),
    wrong=(
        Wrong(_padding_with(unpacked_too=True), "without packing the LSTM reads the padding as input: the outputs "
              "at padded steps and h_n (the state after step T - 1) change"),
        Wrong(_padding_with(everything=True), "a change reaches only the same sequence, and in the forward direction "
              "only later steps: full-length sequences and steps before the padding stay the same"),
        Wrong(_padding_with(forward_all=True), "the forward direction at step t has read steps 0..t only: a step "
              "before the padding cannot change"),
        Wrong(_padding_with(h_n_own_end=True), "without packing h_n is the state after step T - 1, which has read the "
              "padding; only a packed batch stops each sequence at its own length"),
        Wrong(_padding_with(backward_like_forward=True), "the backward direction runs from step T - 1 down to 0 and "
              "reads the padding first: every step of a shorter sequence changes, and so does its h_n"),
        Wrong(_padding_with(packed_padding=True), "a packed batch never hands the padding to the LSTM, and "
              "pad_packed_sequence fills padded positions with 0 whatever the input held: nothing changes"),
    ),
)

EXERCISES = (PREDICT_SHAPES, TBPTT, PADDING_CHANGES)
