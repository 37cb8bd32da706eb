"""Exercise for lesson 10 (an encoder-decoder for dates): greedy decoding from the model's parts.

The learner gets the parts of a `seq2seq.Seq2Seq` (its `greedy_decode` left out on purpose) and a
`dates.DateBatch`, and writes the inference loop: encode once, start from START, feed each argmax
back in and carry the decoder's state. The check builds small encoder-decoders with random weights
(in float64, so every argmax is clear-cut and every known mistake changes the result) and compares
the learner's ids with `Seq2Seq.greedy_decode` on the same weights and dates, drawn from the
case's seed: the grader draws its own.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from ..dates import FIRST_DAY, FORMATS, SOURCE_VOCAB, TARGET_VOCAB, DateBatch, encode_source, encode_target, write_date
from ..seq2seq import Seq2Seq
from .cases import randn
from .spec import Exercise, Wrong, tensor

NOTEBOOK = "10_encoder_decoder_dates"
DAYS = 36524  # FIRST_DAY .. LAST_DAY


class EncoderDecoder(NamedTuple):
    """What a decoding loop needs from a `Seq2Seq`, and nothing more (no `greedy_decode`).

    encode: (source (B, S) int64, lengths (B,)) -> context (h_n, c_n), each (1, B, H).
    embed: target ids (B, 1) -> (B, 1, E). decoder: the decoder `nn.LSTM` (batch_first).
    head: (B, 1, H) -> logits (B, 1, V_t). start: the id of START.
    """

    encode: Callable
    embed: nn.Embedding
    decoder: nn.LSTM
    head: nn.Linear
    start: int


def parts_of(model: Seq2Seq) -> EncoderDecoder:
    """The parts of a `Seq2Seq` that `greedy_decode` is given."""
    return EncoderDecoder(model.encode, model.target_embedding, model.decoder, model.head, model.start_index)


def greedy_decode(parts, batch):
    """Reference: (B, N-1) int64, the argmax at each step, each fed back in, the state carried."""
    steps = batch.target.shape[1] - 1  # N - 1: the ten characters and END
    state = parts.encode(batch.source, batch.lengths)  # (h_n, c_n), each (1, B, H)
    previous = torch.full((batch.source.shape[0], 1), parts.start, dtype=torch.long)  # (B, 1)
    out = []
    with torch.no_grad():
        for _ in range(steps):
            output, state = parts.decoder(parts.embed(previous), state)  # (B, 1, H)
            previous = parts.head(output).argmax(-1)  # (B, 1)
            out.append(previous)
    return torch.cat(out, dim=1)  # (B, N-1)


def _case(rng, batch_size, hidden_size, embedding_dim, formats, about):
    """A random Seq2Seq's weights (float64, plain) and a batch of dates written in `formats`."""
    vs, vt, H, E = len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size, embedding_dim
    weights = {"source_embedding.weight": randn(rng, vs, E), "target_embedding.weight": randn(rng, vt, E)}
    for part in ("encoder", "decoder"):
        weights |= {f"{part}.weight_ih_l0": randn(rng, 4 * H, E, scale=0.6),
                    f"{part}.weight_hh_l0": randn(rng, 4 * H, H, scale=0.6),
                    f"{part}.bias_ih_l0": randn(rng, 4 * H, scale=0.3),
                    f"{part}.bias_hh_l0": randn(rng, 4 * H, scale=0.3)}
    weights |= {"head.weight": randn(rng, vt, H, scale=1.5), "head.bias": randn(rng, vt, scale=0.5)}
    days = [FIRST_DAY + datetime.timedelta(days=int(k)) for k in rng.integers(DAYS, size=batch_size)]
    names = [formats[int(k)] for k in rng.integers(len(formats), size=batch_size)]
    texts = [write_date(d, f) for d, f in zip(days, names)]
    return {"about": about, "sizes": [H, E], "weights": weights, "texts": texts,
            "isos": [d.isoformat() for d in days], "formats": names}


def _cases(rng):
    names = sorted(FORMATS)
    return [_case(rng, 4, 16, 8, names, "B=4 dates in any format, H=16"),
            _case(rng, 3, 8, 4, names, "B=3, H=8, sources of different lengths"),
            _case(rng, 1, 12, 6, names, "a single date, H=12")]


def _model(case) -> Seq2Seq:
    H, E = case["sizes"]
    model = Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=H, embedding_dim=E).double()
    model.load_state_dict({name: tensor(value) for name, value in case["weights"].items()})
    return model.eval()


def _batch(case) -> DateBatch:
    source, lengths = encode_source(case["texts"])
    return DateBatch(source, lengths, encode_target(case["isos"]), list(case["texts"]), list(case["isos"]),
                     list(case["formats"]))


def _call(answer, case):
    ids = answer(parts_of(_model(case)), _batch(case))
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"greedy_decode must return a (B, N-1) tensor of ids, got {type(ids).__name__}")
    return ids


def _oracle(case):
    """The lesson's own `Seq2Seq.greedy_decode` on the same weights and dates."""
    batch = _batch(case)
    return _model(case).greedy_decode(batch.source, batch.lengths, batch.target.shape[1] - 1)


def _teacher_forcing(parts, batch):
    state = parts.encode(batch.source, batch.lengths)
    output, _ = parts.decoder(parts.embed(batch.target[:, :-1]), state)  # (B, N-1, H): the true previous symbols
    return parts.head(output).argmax(-1)


def _state_not_carried(parts, batch):
    context = parts.encode(batch.source, batch.lengths)
    previous = torch.full((batch.source.shape[0], 1), parts.start, dtype=torch.long)
    out = []
    for _ in range(batch.target.shape[1] - 1):
        output, _ = parts.decoder(parts.embed(previous), context)  # every step restarts from the context
        previous = parts.head(output).argmax(-1)
        out.append(previous)
    return torch.cat(out, dim=1)


def _without_start(parts, batch):
    state = parts.encode(batch.source, batch.lengths)
    previous = torch.zeros((batch.source.shape[0], 1), dtype=torch.long)  # PAD where START belongs
    out = []
    for _ in range(batch.target.shape[1] - 1):
        output, state = parts.decoder(parts.embed(previous), state)
        previous = parts.head(output).argmax(-1)
        out.append(previous)
    return torch.cat(out, dim=1)


def _start_every_step(parts, batch):
    state = parts.encode(batch.source, batch.lengths)
    start = torch.full((batch.source.shape[0], 1), parts.start, dtype=torch.long)
    out = []
    for _ in range(batch.target.shape[1] - 1):
        output, state = parts.decoder(parts.embed(start), state)  # never reads its own prediction
        out.append(parts.head(output).argmax(-1))
    return torch.cat(out, dim=1)


GREEDY_DECODE = Exercise(
    id="greedy_decode", notebook=NOTEBOOK, name="greedy_decode", points=100, oracle=_oracle,
    cases=_cases, call=_call, reference=greedy_decode, atol=0.0, rtol=0.0,
    wrong=(
        Wrong(_teacher_forcing, "these are the decoder's outputs when it reads the true previous symbols "
              "(batch.target): teacher forcing is for training; at inference feed back your own argmax"),
        Wrong(_state_not_carried, "every step restarts from the encoder's context: carry the (h, c) the decoder "
              "returns into the next step"),
        Wrong(_without_start, "the first step read id 0 (padding): start every row from START (parts.start)"),
        Wrong(_start_every_step, "every step read START: feed the previous step's argmax back in"),
    ),
)

EXERCISES = (GREEDY_DECODE,)
