"""An LSTM encoder-decoder (Sutskever, Vinyals & Le 2014) whose only context is the encoder's (h_n, c_n).

    encoder:  (h_n, c_n) = LSTM_enc(embed(x_1), ..., embed(x_S))          read the whole source
    decoder:  h_0, c_0 = h_n, c_n;  h_t, c_t = LSTM_dec(embed(y_{t-1}), (h_{t-1}, c_{t-1}))
              p(y_t | y_<t, x) = softmax(W h_t + b)

Training uses teacher forcing: the decoder reads the true previous symbol y_{t-1}, so all steps run
in one call. At inference the true symbols are unknown, so `greedy_decode` feeds back its own
argmax, one step at a time. Both LSTMs are `torch.nn.LSTM`: lessons 03 and 05 proved the course's
`layers.LSTM` computes the same thing, and lesson 11 shows why `nn.LSTM` is the faster of the two.

Shapes: B batch, S source length, N target length (with START and END), H hidden size, V vocabulary.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .dates import SOURCE_VOCAB, TARGET_VOCAB

DATE_MODEL_FILE = "date_seq2seq.pt"


class Seq2Seq(nn.Module):
    """Encoder-decoder with one fixed-size context: the encoder's final `(h_n, c_n)`.

    Args:
        source_vocab: V_s, number of source symbols (index 0 is padding).
        target_vocab: V_t, number of target symbols.
        hidden_size: H of both LSTMs.
        embedding_dim: E, width of both embeddings.
        start_index: the target symbol that starts every decoding.

    Inputs of `forward(source, lengths, target_in)`:
        source (B, S) int64, right-padded; lengths (B,) the real lengths;
        target_in (B, N) int64, the target shifted right (START, y_1, ..., y_{N-1}).
    Output: logits (B, N, V_t) for y_1, ..., y_N.
    """

    def __init__(self, source_vocab: int, target_vocab: int, hidden_size: int = 128, embedding_dim: int = 32,
                 start_index: int = 1):
        super().__init__()
        self.start_index = start_index
        self.source_embedding = nn.Embedding(source_vocab, embedding_dim, padding_idx=0)
        self.target_embedding = nn.Embedding(target_vocab, embedding_dim)
        self.encoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, target_vocab)

    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The context `(h_n, c_n)`, each (1, B, H), read from the real characters only (packed)."""
        packed = pack_padded_sequence(self.source_embedding(source), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, context = self.encoder(packed)
        return context

    def forward(self, source: torch.Tensor, lengths: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        context = self.encode(source, lengths)
        states, _ = self.decoder(self.target_embedding(target_in), context)  # (B, N, H): teacher forcing
        return self.head(states)  # (B, N, V_t)

    @torch.no_grad()
    def greedy_decode(self, source: torch.Tensor, lengths: torch.Tensor, steps: int) -> torch.Tensor:
        """The argmax symbol at each of `steps` decoding steps, feeding each back in: (B, steps) int64."""
        state = self.encode(source, lengths)
        previous = torch.full((source.shape[0], 1), self.start_index, dtype=torch.long)  # (B, 1)
        out = []
        for _ in range(steps):
            step_out, state = self.decoder(self.target_embedding(previous), state)  # (B, 1, H)
            previous = self.head(step_out).argmax(-1)  # (B, 1)
            out.append(previous)
        return torch.cat(out, dim=1)


def teacher_forcing_loss(model: Seq2Seq, batch) -> torch.Tensor:
    """Cross-entropy of every target symbol given the true previous ones (a `dates.DateBatch`)."""
    logits = model(batch.source, batch.lengths, batch.target[:, :-1])  # (B, N, V): reads START, y_1, ..., y_{N-1}
    return nn.functional.cross_entropy(logits.flatten(0, 1), batch.target[:, 1:].flatten())  # predicts y_1, ..., y_N


def train_seq2seq(model: Seq2Seq, make_batch, steps: int, lr: float = 1e-2, max_norm: float = 1.0,
                  on_step=None) -> list[float]:
    """Adam on `teacher_forcing_loss` for `steps` steps; `make_batch(step)` gives a `DateBatch`.

    `on_step(step, losses)` is called after every step (for printing progress). Returns the losses;
    leaves the model in eval mode.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for step in range(steps):
        loss = teacher_forcing_loss(model, make_batch(step))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        losses.append(loss.item())
        if on_step is not None:
            model.eval()
            on_step(step, losses)
            model.train()
    model.eval()
    return losses


def load_date_model(path: str | Path | None = None) -> Seq2Seq:
    """The date model shipped with the course (made by `python -m tools.train_date_model`), in eval mode.

    Loaded with `torch.load(weights_only=True)`: plain tensors only, never pickled code. The sizes are
    read from the weights, so a model saved with another hidden size loads too.
    """
    resource = files("lstm_course").joinpath("data", DATE_MODEL_FILE) if path is None else Path(path)
    with resource.open("rb") as f:
        state = torch.load(f, weights_only=True)
    model = Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=state["decoder.weight_hh_l0"].shape[1],
                    embedding_dim=state["target_embedding.weight"].shape[1])
    model.load_state_dict(state)
    return model.eval()
