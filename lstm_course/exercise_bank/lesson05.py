"""Exercises for lesson 05 (deep and bidirectional LSTMs): final states adapted to a new layout (projections,
two layers, batch first), and a broken training loop of a padded bidirectional classifier to debug.

`debug_training_loop` is judged by probes, not by one comparison. Each planted bug has its own probe: a
small run of the learner's loop, on inputs built so that exactly one bug changes the number it returns
and the others cannot (the argument is written next to each probe). The grader computes the same probes
with the reference loop in its own process and gives a share of the points per probe that agrees. When
every probe agrees, the model the loop trained (on batches drawn from the case's seed) is rebuilt from
its plain weights in the grader's own `Classifier` and scored on sequences drawn from the grader's key
(`trained.TrainedModel`).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .cases import randn
from .spec import BadAnswer, Exercise, Wrong, tensor
from .trained import TrainedModel

NOTEBOOK = "05_deep_and_bidirectional"


# 1. Final states of a batch-first, bidirectional, stacked LSTM with projections (proj_size P < H):
#    h has P features, c has H, and the forward and backward finals sit in different places.

def final_states(output, c_n, num_layers):
    """Reference: output (B, T, 2P), c_n (2L, B, H) -> the top layer's
    (h forward (B, P), h backward (B, P), c forward (B, H), c backward (B, H))."""
    P = output.shape[-1] // 2
    top = c_n.view(num_layers, 2, *c_n.shape[1:])[-1]  # (2, B, H): forward, backward
    return output[:, -1, :P], output[:, 0, P:], top[0], top[1]


def _final_cases(rng):
    return [{"about": about, "num_layers": L, "output": randn(rng, B, T, 2 * P), "c_n": randn(rng, 2 * L, B, H)}
            for L, B, T, H, P, about in ((2, 3, 5, 4, 2, "L=2, B=3, T=5, H=4, P=2"),
                                         (1, 2, 1, 3, 1, "one layer, T=1: both directions end at the same step"),
                                         (3, 1, 4, 5, 3, "L=3, a batch of one, H=5, P=3"))]


def _call_final(answer, case):
    return tuple(answer(tensor(case["output"]), tensor(case["c_n"]), case["num_layers"]))


def _final_oracle(case):
    """Run a real batch-first bidirectional nn.LSTM with the case's L, H and proj_size; find where each direction's
    top-layer h_n sits in its output (step and half), and which rows of its h_n (and so of c_n) those are; read the
    case's output and c_n at the same places."""
    output_case, c_case, L = tensor(case["output"]), tensor(case["c_n"]), case["num_layers"]
    B, T, two_p = output_case.shape
    P, H = two_p // 2, c_case.shape[-1]
    lstm = nn.LSTM(2, H, L, batch_first=True, bidirectional=True, proj_size=P).double()
    x = torch.randn(B, T, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        output, (h_n, _) = lstm(x)
    picked_h, picked_c = [], []
    for half in (0, 1):  # forward, backward: the one step whose output is a row of h_n is where that direction ends
        t, row = next((t, k) for t in range(T) for k in range(2 * L)
                      if torch.allclose(h_n[k], output[:, t, half * P:(half + 1) * P]))
        picked_h.append(output_case[:, t, half * P:(half + 1) * P])
        picked_c.append(c_case[row])  # c_n's rows are ordered as h_n's
    return picked_h[0], picked_h[1], picked_c[0], picked_c[1]


def _h_n_order(output, c_n, L):
    h_f, h_b, _, _ = final_states(output, c_n, L)
    return h_f, h_b, c_n[-1], c_n[-2]


FINAL_STATES = Exercise(
    id="final_states_projected", notebook=NOTEBOOK, name="final_states", points=40, oracle=_final_oracle,
    cases=_final_cases, call=_call_final, reference=final_states, parts=("h forward", "h backward", "c forward",
                                                                          "c backward"),
    wrong=(
        Wrong(lambda o, c, L: (o[:, -1, :o.shape[-1] // 2], o[:, -1, o.shape[-1] // 2:], *final_states(o, c, L)[2:]),
              "the backward direction ends at t = 0: its final state is output[:, 0, P:]"),
        Wrong(lambda o, c, L: (*final_states(o, c, L)[:2], c[0], c[1]),
              "c_n is ordered layer by layer: the top layer is its last two rows, not its first two"),
        Wrong(_h_n_order, "within a layer the forward direction comes first: c_n[-2] is forward, c_n[-1] backward"),
        Wrong(lambda o, c, L: (o[:, -1, :c.shape[-1]], o[:, 0, c.shape[-1]:], *final_states(o, c, L)[2:]),
              "with proj_size, output holds 2 * proj_size features, not 2 * hidden_size: split it in the middle"),
    ),
)


# 2. Debug the training loop of a padded, batch-first, bidirectional classifier.

INPUT_SIZE, HIDDEN_SIZE, SEQ_LEN, BATCH = 1, 8, 10, 32  # the trained model and its data
TRAIN_STEPS, LEARNING_RATE = 120, 2.0
TARGET_ACCURACY, HALF_ACCURACY = 0.85, 0.7  # guessing gives 0.5
PROBE_HIDDEN, PROBE_LEN, PROBE_BATCH = 3, 5, 4
PROBES = ("state leak", "padding", "direction", "zero_grad", "loss shape")


class Classifier(nn.Module):
    """A bidirectional LSTM over padded, batch-first sequences and a linear head on both final states.

    forward(x (B, T, I), lengths (B,)) -> one logit per sequence (B,): the batch is packed, so each
    direction stops at its sequence's own ends; the features are the top layer's h_n[-2] (forward) and
    h_n[-1] (backward), joined.
    """

    def __init__(self, hidden_size: int = HIDDEN_SIZE, num_layers: int = 1):
        super().__init__()
        self.lstm = nn.LSTM(INPUT_SIZE, hidden_size, num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, 1)

    def forward(self, x, lengths):
        _, (h_n, _) = self.lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1)).squeeze(-1)  # (B,)


def ends_agree(batch: int, generator: torch.Generator, seq_len: int = SEQ_LEN):
    """A padded batch of the task: values N(0, 1) (B, T, 1), zeros past each length (lengths in 2..T); the
    label is 1 when the first and the last valid value add up to more than 0. Both ends matter, so a model
    needs the forward final state (which has just read the last value) and the backward one (the first)."""
    lengths = torch.randint(2, seq_len + 1, (batch,), generator=generator)  # (B,)
    valid = torch.arange(seq_len)[None, :] < lengths[:, None]  # (B, T)
    x = torch.randn(batch, seq_len, INPUT_SIZE, generator=generator) * valid[..., None]  # (B, T, 1)
    last = x[torch.arange(batch), lengths - 1, 0]  # (B,)
    return x, lengths, (x[:, 0, 0] + last > 0).to(x.dtype)


def train_classifier(lstm, head, batches, lr):
    """Reference: one SGD step per batch of (x (B, T, I) padded, lengths (B,), y (B,) in {0, 1}); the losses (N,)."""
    optimizer = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=lr)
    losses = []
    for x, lengths, y in batches:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h_n, _) = lstm(packed)  # a fresh zero state: the batches are unrelated
        logits = head(torch.cat([h_n[-2], h_n[-1]], dim=1)).squeeze(-1)  # (B,) top layer: forward | backward
        loss = (torch.logaddexp(torch.zeros_like(logits), logits) - y * logits).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)


BUGGY_LOOP = '''def train_classifier(lstm, head, batches, lr):
    """One SGD step per batch of (x (B, T, I) padded, lengths (B,), y (B,) in {0, 1}); the losses (N,)."""
    optimizer = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=lr)
    H = lstm.hidden_size
    state, losses = None, []
    for x, lengths, y in batches:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        output, state = lstm(packed, state)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])  # (B, T, 2H)
        forward_final = output[:, -1, :H]  # the forward direction's last step
        backward_final = state[0][-2]  # h_n[-1] is the forward direction, so the backward one is h_n[-2]
        logits = head(torch.cat([forward_final, backward_final], dim=1))
        loss = (torch.logaddexp(torch.zeros_like(logits), logits) - y * logits).mean()
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)  # no graph leak into the next batch
        losses.append(loss.item())
    return losses
'''


def _probe_modules(seed: int, *, num_layers: int = 1, read: str = "forward", memoryless: bool = False):
    """A float64 LSTM and head with weights drawn from `seed`; the head reads only one half of the features
    ("forward" or "backward"). Memoryless: W_hh = 0 and a forget gate of exactly 0 (bias -1000), so neither
    h_{t-1} nor c_{t-1} changes any output, whatever state a loop passes in."""
    generator = torch.Generator().manual_seed(seed)
    lstm = nn.LSTM(INPUT_SIZE, PROBE_HIDDEN, num_layers, batch_first=True, bidirectional=True).double()
    head = nn.Linear(2 * PROBE_HIDDEN, 1).double()
    H = PROBE_HIDDEN
    with torch.no_grad():
        for p in [*lstm.parameters(), *head.parameters()]:
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64))
        head.weight[:, H:] *= read == "backward"  # the forward half is columns :H, the backward half H:
        head.weight[:, :H] *= read == "forward"
        if memoryless:
            for name, p in lstm.named_parameters():
                if name.startswith("weight_hh"):
                    p.zero_()
                if name.startswith(("weight_ih", "bias_hh")):
                    p[H:2 * H] = 0.0
                if name.startswith("bias_ih"):
                    p[H:2 * H] = -1000.0  # sigmoid(-1000) is exactly 0 in float64, and so is its derivative
    return lstm, head


def _probe_batch(seed: int, lengths: list[int], label: float | None, seq_len: int = PROBE_LEN):
    """(x (B, T, 1) float64 with zeros past each length, lengths (B,), y (B,)): y all equal to `label`, or mixed."""
    generator = torch.Generator().manual_seed(seed)
    lengths_t = torch.tensor(lengths)
    valid = torch.arange(seq_len)[None, :] < lengths_t[:, None]
    x = torch.randn(len(lengths), seq_len, INPUT_SIZE, generator=generator, dtype=torch.float64) * valid[..., None]
    y = torch.tensor([1.0, 0.0] * (len(lengths) // 2), dtype=torch.float64) if label is None else \
        torch.full((len(lengths),), float(label), dtype=torch.float64)
    return x, lengths_t, y


FULL = [PROBE_LEN] * PROBE_BATCH
PADDED = [PROBE_LEN, 2, 4, 1]


def _losses(answer, lstm, head, batches, lr) -> list[float]:
    return [float(v) for v in answer(lstm, head, batches, lr)]


def _probe_state_leak(answer, seed: int) -> float:
    """The loss of the second of two unrelated batches, nothing updated (lr = 0). Full lengths (padding cannot
    show), labels all 1 (a loss that broadcasts (B, 1) against (B,) gives the same mean), a head that reads the
    forward half only (which half holds the backward state cannot show), lr = 0 (zero_grad cannot show): the
    loss differs only if the first batch's state is passed into the second."""
    lstm, head = _probe_modules(seed)
    batches = [_probe_batch(seed + 1, FULL, 1.0), _probe_batch(seed + 2, FULL, 1.0)]
    return _losses(answer, lstm, head, batches, 0.0)[1]


def _probe_padding(answer, seed: int) -> float:
    """The loss of one padded batch, the head reading the forward half only: only where the forward final state is
    read from can change it (one batch: no state to leak, no gradient to accumulate; labels all 1)."""
    lstm, head = _probe_modules(seed)
    return _losses(answer, lstm, head, [_probe_batch(seed + 1, PADDED, 1.0)], 0.0)[0]


def _probe_direction(answer, seed: int) -> float:
    """The loss of one padded batch through two layers, the head reading the backward half only: only which row of
    h_n (or place of output) feeds the backward half can change it."""
    lstm, head = _probe_modules(seed, num_layers=2, read="backward")
    return _losses(answer, lstm, head, [_probe_batch(seed + 1, PADDED, 0.0)], 0.0)[0]


def _probe_loss_shape(answer, seed: int) -> float:
    """The loss of one full-length batch with mixed labels, the head reading the forward half: a loss of (B, 1)
    logits against (B,) labels averages a (B, B) table and differs."""
    lstm, head = _probe_modules(seed)
    return _losses(answer, lstm, head, [_probe_batch(seed + 1, FULL, None)], 0.0)[0]


def _probe_zero_grad(answer, seed: int) -> float:
    """Do gradients accumulate across steps? Three runs of the learner's own loop on one batch (T = 1, lr = 0.1),
    on memoryless modules: A, one step from p0 to p1; B, two steps from p0 to p2; C, one step from p1 to p1'.
    A loop that clears gradients has p2 = p1' (its second step of B is C's step); one that forgets adds the first
    gradient again, so p1' - p2 = p0 - p1. Returns |p1' - p2| / |p1 - p0| (0, or 1 when gradients accumulate).
    Padding, directions and the loss's form change the gradients but not this relation; a leaked state changes
    no output of a memoryless LSTM, and only the gradient of W_hh, which is left out."""
    lr = 0.1
    batch = _probe_batch(seed + 1, [1] * PROBE_BATCH, None, seq_len=1)

    def run(state, steps):
        lstm, head = _probe_modules(seed, memoryless=True)
        if state is not None:
            lstm.load_state_dict(state[0])
            head.load_state_dict(state[1])
        if steps:
            _losses(answer, lstm, head, [batch] * steps, lr)
        return {k: v.detach().clone() for k, v in lstm.state_dict().items()}, \
            {k: v.detach().clone() for k, v in head.state_dict().items()}

    def flat(state):
        return torch.cat([v.flatten() for part in state for k, v in part.items() if not k.startswith("weight_hh")])

    p0 = flat(run(None, 0))
    after_a = run(None, 1)
    p1, p2, p1c = flat(after_a), flat(run(None, 2)), flat(run(after_a, 1))
    return float((p1c - p2).norm() / (p1 - p0).norm())


PROBE_RUNS = {"state leak": _probe_state_leak, "padding": _probe_padding, "direction": _probe_direction,
              "zero_grad": _probe_zero_grad, "loss shape": _probe_loss_shape}
PROBE_ADVICE = {
    "state leak": "the batches are unrelated: start each from a zero state (a state leak carries the last "
                  "batch's state into this one; detach() cuts the graph but keeps the leak)",
    "padding": "on a padded batch output[:, -1] is padding for every shorter sequence: take the forward final "
               "state at each sequence's own length (h_n of the packed batch)",
    "direction": "the top layer's backward final state is h_n[-1] (h_n[-2] is its forward one)",
    "zero_grad": "gradients accumulate across steps: clear them (optimizer.zero_grad()) before each backward()",
    "loss shape": "the logits are (B, 1) and the labels (B,): the loss broadcasts to a (B, B) table; squeeze the "
                  "logits to (B,)",
}


def _call_debug(answer, case):
    """Run every probe (a probe whose run fails gives NaN, so one crash costs one probe), then train a fresh
    Classifier with the learner's loop on the case's batches; plain numbers and weights come back."""
    probes = []
    for name in PROBES:
        try:
            probes.append(PROBE_RUNS[name](answer, case["seed"]))
        except NotImplementedError:
            raise
        except Exception:  # the learner's loop failed on this probe
            probes.append(math.nan)
    torch.manual_seed(case["seed"])
    model = Classifier()
    generator = torch.Generator().manual_seed(case["seed"])
    batches = [ends_agree(BATCH, generator) for _ in range(case["steps"])]
    answer(model.lstm, model.head, batches, case["lr"])
    return {"probes": probes, "weights": model.state_dict()}


def _hyper(shapes: dict[str, tuple]) -> dict:
    shape = shapes.get("lstm.weight_hh_l0", ())
    if len(shape) != 2 or shape[1] != HIDDEN_SIZE:
        raise BadAnswer(f"expected a Classifier's weights (lstm.weight_hh_l0 of shape (32, {HIDDEN_SIZE})), got "
                        f"{sorted(shapes)[:6]}")
    return {}


def _accuracy(model, data) -> float:
    x, lengths, y = data
    return float(((model(x, lengths) > 0).to(y.dtype) == y).double().mean())


TRAINED = TrainedModel(
    name="a Classifier", hyper=_hyper, build=Classifier, metric=_accuracy, unit="accuracy",
    data=lambda generator: ends_agree(2000, generator), full=TARGET_ACCURACY, half=HALF_ACCURACY,
    higher_is_better=True, advice="Guessing gives 0.5.",
)


def _grade_debug(value, case, key):
    """A share of the points per probe that agrees with the reference loop's (computed here); when all agree,
    the rest for the trained model on data from the grader's key."""
    got = value.get("probes") if isinstance(value, dict) else None
    if not isinstance(got, list) or len(got) != len(PROBES):
        return 0.0, f"expected {len(PROBES)} probe results and the weights, got {type(value).__name__}"
    fixed, lines = 0, []
    for name, number in zip(PROBES, got):
        expected = PROBE_RUNS[name](train_classifier, case["seed"])
        ok = isinstance(number, float) and math.isfinite(number) and abs(number - expected) <= 1e-6 + 1e-6 * abs(
            expected)
        fixed += ok
        lines.append(f"{name}: fixed" if ok else f"{name}: not fixed ({PROBE_ADVICE[name]})")
    summary = f"{fixed} of {len(PROBES)} bugs fixed [" + "; ".join(lines) + "]"
    if fixed < len(PROBES):
        return fixed / (len(PROBES) + 1), summary + "; the trained model is scored once every bug is fixed."
    fraction, message = TRAINED(value.get("weights"), case, key)
    return (fixed + fraction) / (len(PROBES) + 1), f"{summary}; trained model: {message}"


DEBUG_LOOP = Exercise(
    id="debug_training_loop", notebook=NOTEBOOK, name="train_classifier", points=60,
    cases=lambda rng: [{"about": f"five probes, then {TRAIN_STEPS} steps of training", "seed": int(rng.integers(2**20)),
                        "steps": TRAIN_STEPS, "lr": LEARNING_RATE}],
    call=_call_debug, reference=train_classifier, grade=_grade_debug,
)

EXERCISES = (FINAL_STATES, DEBUG_LOOP)
