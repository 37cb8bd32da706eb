"""A character-level LSTM language model: ids, batches for truncated BPTT, training, sampling, looking inside.

A language model predicts the next character from the ones before it. This module holds what the
Python-writing lesson and `tools/train_char_model.py` share:

- `encode` / `decode`: text <-> ids over the fixed alphabet of `pycorpus` (so weights trained on one
  Python version read text from another);
- `StreamBatches`: B contiguous streams cut into chunks of T, each chunk continuing the one before it,
  so the state can be carried across chunks and detached (truncated BPTT at B > 1; the pattern of
  fastbook's `LMDataLoader`, Howard & Gugger 2020); `RandomWindows`: B random windows, each read from
  a zero state;
- `CharLM` (embedding -> `nn.LSTM` -> linear), `train_lm`, `stream_loss`;
- `sample` with a temperature and top-k, `ngram_loss` baselines, `cell_trace` for the hidden and cell
  state at every character, `load_pretrained` for the weights shipped in `data/`.

The LSTM is `torch.nn.LSTM`: the course's own `layers.LSTM` computes the same thing (lessons 03-05
check it), but a model worth looking inside needs millions of characters of training, and
`nn.LSTM`'s compiled kernels do that faster (lesson 11 measures by how much).

Shape letters: B batch (streams), T time (characters per chunk), V vocabulary size, H hidden size, N text length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources

import torch
from torch import nn

from .gradients import layer_cell
from .pycorpus import ALPHABET
from .validation import check_positive_int

VOCAB_SIZE = len(ALPHABET)  # V = 97: unknown, newline and printable ASCII
PRETRAINED_FILE = "charlm_python.pt"
_ID_OF_BYTE = torch.zeros(128, dtype=torch.long)  # ASCII code -> id; anything else stays 0 (UNKNOWN)
for _id, _ch in enumerate(ALPHABET[1:], start=1):
    _ID_OF_BYTE[ord(_ch)] = _id
_OUTSIDE = re.compile(r"[^\n -~]")


def encode(text: str) -> torch.Tensor:
    """A string -> (N,) int64 ids; characters outside the alphabet become the UNKNOWN id 0."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    ascii_bytes = bytearray(_OUTSIDE.sub("\x00", text), "ascii")
    if not ascii_bytes:
        return torch.zeros(0, dtype=torch.long)
    return _ID_OF_BYTE[torch.frombuffer(ascii_bytes, dtype=torch.uint8).long()]


def decode(ids) -> str:
    """(N,) ids (a tensor or a list) -> the string; id 0 shows as the replacement character."""
    ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
    if any(not 0 <= i < VOCAB_SIZE for i in ids):
        raise ValueError(f"ids must be in 0 .. {VOCAB_SIZE - 1}, got {[i for i in ids if not 0 <= i < VOCAB_SIZE][:5]}")
    return "".join(ALPHABET[i] for i in ids)


def _check_ids(name, ids, min_length):
    if not isinstance(ids, torch.Tensor) or ids.dim() != 1 or ids.dtype != torch.long:
        raise TypeError(f"{name} must be a 1-D int64 tensor of ids (N,), got "
                        f"{type(ids).__name__} {getattr(ids, 'dtype', '')} {tuple(getattr(ids, 'shape', ()))}")
    if len(ids) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} ids for these sizes, got N={len(ids)}")
    return ids


@dataclass(frozen=True)
class Batch:
    """inputs (B, T) and targets (B, T) ids, targets[b, t] == the character after inputs[b, t];
    continues: True when row b continues row b of the previous batch (carry the state), False to reset it."""

    inputs: torch.Tensor
    targets: torch.Tensor
    continues: bool


class StreamBatches:
    """The text as B contiguous streams, read T characters at a time: batch k+1 continues batch k.

    The N ids are cut into B equal streams (row b is characters b·S .. b·S + S - 1, S = N // B) and each
    stream into chunks of T. Row b of chunk k+1 starts where row b of chunk k ended, so the final
    state of one chunk is the right initial state for the next. After the last chunk the streams
    start again from the beginning (`continues` is then False: reset the state).

        text 0 1 2 3 4 5 6 7 8 9 10 11 12, B = 2, T = 2:  chunk 0 = [[0 1] [6 7]], chunk 1 = [[2 3] [8 9]], ...

    Args:
        ids: (N,) int64. batch_size: B. seq_len: T.
    """

    def __init__(self, ids: torch.Tensor, batch_size: int, seq_len: int):
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.seq_len = check_positive_int("seq_len", seq_len)
        ids = _check_ids("ids", ids, batch_size * (seq_len + 1))
        length = len(ids) // batch_size
        self.streams = ids[: length * batch_size].view(batch_size, length)  # (B, S)
        self.chunks_per_epoch = (length - 1) // seq_len

    def __call__(self, step: int) -> Batch:
        k = step % self.chunks_per_epoch
        window = self.streams[:, k * self.seq_len: (k + 1) * self.seq_len + 1]  # (B, T+1)
        return Batch(window[:, :-1], window[:, 1:], continues=k > 0)


class RandomWindows:
    """B windows of T characters at random places, each a fresh start (`continues` is always False).

    Args:
        ids: (N,) int64. batch_size: B. seq_len: T. generator: a `torch.Generator` for the starts.
    """

    def __init__(self, ids: torch.Tensor, batch_size: int, seq_len: int, generator: torch.Generator | None = None):
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.seq_len = check_positive_int("seq_len", seq_len)
        self.ids = _check_ids("ids", ids, seq_len + 1)
        self.generator = generator

    def __call__(self, step: int) -> Batch:
        starts = torch.randint(len(self.ids) - self.seq_len, (self.batch_size,), generator=self.generator)  # (B,)
        window = self.ids[starts[:, None] + torch.arange(self.seq_len + 1)]  # (B, T+1)
        return Batch(window[:, :-1], window[:, 1:], continues=False)


class CharLM(nn.Module):
    """Embedding -> one-directional `nn.LSTM` -> linear: logits for the next character at every position.

    One direction, because a model that generates text cannot read the characters it has not written.

    Args:
        vocab_size: V. embedding_size: E. hidden_size: H. num_layers: L.

    Inputs: input (B, T) ids, hx = (h_0, c_0), each (L, B, H), or None for zeros.
    Outputs: logits (B, T, V), (h_n, c_n) to pass back in for the next chunk.
    """

    def __init__(self, vocab_size: int = VOCAB_SIZE, embedding_size: int = 32, hidden_size: int = 128,
                 num_layers: int = 1):
        super().__init__()
        self.config = {"vocab_size": check_positive_int("vocab_size", vocab_size),
                       "embedding_size": check_positive_int("embedding_size", embedding_size),
                       "hidden_size": check_positive_int("hidden_size", hidden_size),
                       "num_layers": check_positive_int("num_layers", num_layers)}
        self.embed = nn.Embedding(vocab_size, embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, input: torch.Tensor, hx=None):
        if not isinstance(input, torch.Tensor) or input.dim() != 2 or input.dtype != torch.long:
            raise ValueError(f"input must be (B, T) int64 character ids, got "
                             f"{getattr(input, 'dtype', type(input).__name__)} {tuple(getattr(input, 'shape', ()))}")
        output, hx = self.lstm(self.embed(input), hx)  # (B, T, H)
        return self.head(output), hx  # (B, T, V)


def detach_state(hx):
    """(h, c) cut from the graph: the next chunk starts from these values but backpropagates no further."""
    return None if hx is None else tuple(s.detach() for s in hx)


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy in nats per character: logits (B, T, V), targets (B, T)."""
    return nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


def train_lm(model: CharLM, batches, steps: int, lr: float = 3e-3, max_norm: float = 1.0, final_lr: float | None = None,
             on_step=None) -> list[float]:
    """Adam for `steps` steps on `batches(step)`, carrying the state across batches that continue.

    When a batch continues the previous one the state is carried over and *detached*: the forward
    pass starts from where the last chunk ended (context beyond T characters), while the backward
    pass stops at the chunk boundary (truncated BPTT: memory and time stay those of T steps).

    Args:
        model: a `CharLM`. batches: `step -> Batch` (`StreamBatches` or `RandomWindows`).
        steps: optimiser steps. lr: Adam's learning rate. max_norm: gradient clipping.
        final_lr: if given, the learning rate falls from `lr` to `final_lr` along a cosine (else constant).
        on_step: optional `(step, loss) -> None`, called after each step (for printing samples).

    Returns:
        The training loss after each step (nats per character).
    """
    steps = check_positive_int("steps", steps)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if final_lr is not None:
        def factor(step):  # cosine from 1 to final_lr / lr
            return final_lr / lr + (1 - final_lr / lr) * 0.5 * (1 + math.cos(math.pi * step / steps))
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    model.train()
    hx, history = None, []
    for step in range(steps):
        batch = batches(step)
        hx = detach_state(hx) if batch.continues else None
        logits, hx = model(batch.inputs, hx)  # (B, T, V)
        loss = lm_loss(logits, batch.targets)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        if final_lr is not None:
            schedule.step()
        history.append(loss.item())
        if on_step is not None:
            model.eval()
            on_step(step, history[-1])
            model.train()
    model.eval()
    return history


@torch.no_grad()
def stream_loss(model: CharLM, ids: torch.Tensor, batch_size: int = 8, seq_len: int = 256, carry: bool = True) -> float:
    """Mean loss (nats per character) over B contiguous streams of `ids`, read T characters at a time.

    carry=True passes the state from chunk to chunk (how the model reads text when it generates);
    carry=False starts every chunk from a zero state (how a random-window model was trained). The last
    (S - 1) mod T characters of each stream, too few for a chunk, are not scored.
    """
    batches = StreamBatches(ids, batch_size, seq_len)
    model.eval()
    total, hx = 0.0, None
    for k in range(batches.chunks_per_epoch):
        batch = batches(k)
        logits, hx = model(batch.inputs, hx if carry else None)
        total += lm_loss(logits, batch.targets).item()
    return total / batches.chunks_per_epoch


def ngram_loss(train_ids: torch.Tensor, heldout_ids: torch.Tensor, order: int, alpha: float = 0.01) -> float:
    """Held-out loss (nats per character) of an add-alpha n-gram model counted on the training ids.

    order 1 (unigram): p(x_t) from character frequencies; order 2 (bigram): p(x_t | x_{t-1}).
    p = (count + alpha) / (context count + alpha V). The first order-1 held-out characters are skipped.
    """
    order = check_positive_int("order", order)
    if order > 3:
        raise ValueError(f"order must be 1, 2 or 3 (a table of V^order counts), got {order}")
    _check_ids("train_ids", train_ids, order)
    _check_ids("heldout_ids", heldout_ids, order)

    def grams(ids):  # (N - order + 1,) one index per n-gram
        index = torch.zeros(len(ids) - order + 1, dtype=torch.long)
        for k in range(order):
            index = index * VOCAB_SIZE + ids[k: len(ids) - order + 1 + k]
        return index

    counts = torch.bincount(grams(train_ids), minlength=VOCAB_SIZE**order).double().view(-1, VOCAB_SIZE) + alpha
    log_p = (counts / counts.sum(1, keepdim=True)).log().flatten()  # (V^order,)
    return -log_p[grams(heldout_ids)].mean().item()


def next_char_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None) -> torch.Tensor:
    """softmax(logits / temperature) over the top_k largest logits (the rest get probability 0).

    temperature < 1 sharpens towards the likeliest character (0: always it), > 1 flattens towards
    uniform; top_k cuts the long tail of unlikely characters that a high temperature would otherwise
    draw. logits: (..., V) -> probabilities (..., V).
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise TypeError(f"temperature must be a number, got {type(temperature).__name__} {temperature!r}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None:
        top_k = check_positive_int("top_k", top_k)
        kth = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values[..., -1:]  # (..., 1)
        logits = logits.masked_fill(logits < kth, -math.inf)
    if temperature == 0:
        return nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return torch.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def sample(model: CharLM, prompt: str, length: int, temperature: float = 1.0, top_k: int | None = None,
           generator: torch.Generator | None = None) -> str:
    """The prompt and `length` characters drawn one at a time, each fed back in with the state carried.

    Args:
        model: a `CharLM`. prompt: a non-empty string. length: characters to generate.
        temperature, top_k: as in `next_char_probs`. generator: a `torch.Generator` for the draws
            (the same generator state gives the same text).

    Returns:
        prompt + the generated text.
    """
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty string (the model needs a first character), got {prompt!r}")
    length = check_positive_int("length", length)
    model.eval()
    logits, hx = model(encode(prompt)[None], None)  # (1, T, V)
    ids = []
    for _ in range(length):
        probs = next_char_probs(logits[0, -1], temperature, top_k)  # (V,)
        next_id = torch.multinomial(probs, 1, generator=generator)  # (1,)
        ids.append(int(next_id))
        logits, hx = model(next_id[None], hx)  # (1, 1, V)
    return prompt + decode(ids)


@torch.no_grad()
def cell_trace(model: CharLM, ids: torch.Tensor):
    """The hidden state h_t and cell state c_t of a one-layer model after every character, from a zero state.

    `nn.LSTM` returns h_t for every step but c_t only for the last. The gates depend on h_{t-1}, not on
    c, so all of them come from one call of the course's `LSTMCell.gates` on the N steps as a batch;
    then c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t is run forward (checked: h_t == o_t ⊙ tanh(c_t)).

    Returns:
        h (N, H) and c (N, H).
    """
    _check_ids("ids", ids, 1)
    if model.lstm.num_layers != 1:
        raise ValueError(f"cell_trace reads a one-layer model (L = 1), got L = {model.lstm.num_layers}")
    model.eval()
    x = model.embed(ids[None])  # (1, N, E)
    h = model.lstm(x)[0][0]  # (N, H)
    h_prev = torch.cat([torch.zeros_like(h[:1]), h[:-1]])  # (N, H)
    cell = layer_cell(model.lstm)
    gates = cell.gates(x[0], (h_prev, torch.zeros_like(h_prev)))  # i, f, g, o each (N, H)
    update = gates.i * gates.g  # (N, H)
    c = torch.empty_like(h)
    c_t = torch.zeros_like(h[0])
    for t in range(len(ids)):
        c_t = gates.f[t] * c_t + update[t]
        c[t] = c_t
    torch.testing.assert_close(gates.o * torch.tanh(c), h, atol=1e-4, rtol=0)
    return h, c


def pretrained_path():
    """Where the shipped weights are: `lstm_course/data/charlm_python.pt`."""
    return resources.files("lstm_course").joinpath("data", PRETRAINED_FILE)


def load_pretrained() -> tuple[CharLM, dict]:
    """The model shipped with the course, made by `python -m tools.train_char_model`, and how it was made.

    Read with `torch.load(weights_only=True)`: plain tensors, numbers and strings only, no pickled code.

    Returns:
        (model in eval mode, info): info holds the config, seed, steps, batch sizes, training time, the
        Python version whose library it read, and its losses.
    """
    with resources.as_file(pretrained_path()) as path:
        saved = torch.load(path, weights_only=True)
    model = CharLM(**saved["config"])
    model.load_state_dict({name: tensor.float() for name, tensor in saved["state_dict"].items()})
    return model.eval(), saved["info"]
