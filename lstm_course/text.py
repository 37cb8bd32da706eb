"""Text for a character-level language model: the shipped corpus, a character vocabulary, batches, sampling.

A character model reads text one character at a time and predicts the next one. Everything it
needs is here and works offline: `load_text` reads a public-domain text shipped inside the
package (see `lstm_course/data/README.md`), `CharVocab` turns characters into ids and back,
`random_chunks` cuts training batches out of the encoded text, and `sample` generates text
from a trained model with a temperature.

The model itself is the lesson's to write; `sample` only needs it to be called as
`model(tokens, state) -> (logits, state)`, with tokens (B, T) ids, logits (B, T, V) and any
recurrent state (None at the start).

Shape letters: B batch, T time, V vocabulary size.
"""

from __future__ import annotations

from importlib import resources

import torch

from .validation import check_number, check_positive_int, check_type

DEFAULT_TEXT = "alice.txt"
SHOWN_IN_ERRORS = 10
"""How many ids an error message quotes, so a long bad sequence does not flood the screen."""


def available_texts() -> list[str]:
    """Names of the texts shipped in `lstm_course/data/`."""
    folder = resources.files("lstm_course").joinpath("data")
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".txt"))


def load_text(name: str = DEFAULT_TEXT) -> str:
    """The text of a shipped file, read from the installed package (never from the network).

    Example:
        >>> load_text()[:29]
        "ALICE'S ADVENTURES IN WONDERL"
    """
    check_type("name", name, str, "the file name of a shipped text")
    names = available_texts()
    if name not in names:
        raise ValueError(f"no shipped text named {name!r}; the package has: {', '.join(names)}")
    return resources.files("lstm_course").joinpath("data", name).read_text(encoding="utf-8")


class CharVocab:
    """Characters <-> ids for one text: every distinct character gets an id, in sorted order.

    Example:
        >>> vocab = CharVocab("hello")
        >>> vocab.chars, vocab.encode("hell")
        (['e', 'h', 'l', 'o'], tensor([1, 0, 2, 2]))
        >>> vocab.decode([1, 0, 3])
        'heo'
    """

    def __init__(self, text: str):
        check_type("text", text, str, "a non-empty string")
        if not text:
            raise ValueError("text must be a non-empty string, got ''")
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters: {''.join(self.chars)!r})"

    def encode(self, text: str) -> torch.Tensor:
        """A string -> (T,) int64 ids."""
        unknown = sorted(set(text) - self.index.keys())
        if unknown:
            raise ValueError(f"character(s) {unknown} are not in this vocabulary of {len(self)} characters")
        return torch.tensor([self.index[ch] for ch in text], dtype=torch.long)

    def decode(self, ids) -> str:
        """(T,) ids (a tensor or a list) -> the string."""
        ids = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        if any(not 0 <= i < len(self) for i in ids):
            raise ValueError(f"ids must be in 0 .. {len(self) - 1}, got {ids[:SHOWN_IN_ERRORS]}")
        return "".join(self.chars[i] for i in ids)


def random_chunks(data: torch.Tensor, batch_size: int, seq_len: int, generator: torch.Generator | None = None):
    """B random windows of an encoded text, with the next character as the target of each position.

    A language model learns p(x_{t+1} | x_1 .. x_t), so the target is the input shifted by one:
    `targets[b, t] == inputs[b, t + 1]`, and the last target is the character after the window.

    Args:
        data: (N,) int64 ids of the whole text. batch_size: B. seq_len: T (at most N - 1).
        generator: a `torch.Generator` for the window starts.

    Returns:
        inputs (B, T), targets (B, T), both int64.
    """
    B = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    check_type("data", data, torch.Tensor, "a 1-D int64 tensor of ids (N,)")
    if data.dtype != torch.long:
        raise TypeError(f"data must be a 1-D int64 tensor of ids (N,), got dtype {data.dtype}")
    if data.dim() != 1:
        raise ValueError(f"data must be a 1-D int64 tensor of ids (N,), got shape {tuple(data.shape)}")
    if T >= len(data):
        raise ValueError(f"seq_len T={T} must be smaller than the text's length N={len(data)}")
    starts = torch.randint(len(data) - T, (B,), generator=generator)  # (B,)
    window = starts[:, None] + torch.arange(T + 1)  # (B, T+1)
    chunk = data[window]  # (B, T+1)
    return chunk[:, :-1], chunk[:, 1:]  # (B, T), (B, T)


def temperature_probs(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(logits / temperature) over the last dimension.

    A temperature below 1 sharpens the distribution towards the most likely character (0 is the
    limit: always the argmax, returned here as a one-hot); above 1 it flattens it towards uniform.
    """
    check_number("temperature", temperature, low=0)
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    return torch.softmax(logits / temperature, dim=-1)


@torch.no_grad()
def sample(model, vocab: CharVocab, prompt: str, length: int, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> str:
    """Generate `length` characters after `prompt`, one at a time, feeding each back in.

    The prompt is read in one call (to warm up the state); then each new character is drawn
    from `temperature_probs(logits of the last step, temperature)` and fed in with the state
    carried over, so the model never re-reads the text it has already seen.

    Args:
        model: `model(tokens (1, T), state) -> (logits (1, T, V), state)`; state None at the start.
        vocab: the `CharVocab` the model was trained with. prompt: a non-empty string.
        length: number of characters to generate. temperature: >= 0 (0: always the likeliest).
        generator: a `torch.Generator` for the draws.

    Returns:
        The prompt followed by the generated characters.
    """
    length = check_positive_int("length", length)
    check_type("prompt", prompt, str, "a non-empty string")
    if not prompt:
        raise ValueError("prompt must be a non-empty string: the model needs at least one character to start")
    was_training = getattr(model, "training", False)
    if was_training:
        model.eval()
    try:
        logits, state = model(vocab.encode(prompt)[None], None)  # (1, T, V)
        ids = []
        for _ in range(length):
            probs = temperature_probs(logits[0, -1], temperature)  # (V,)
            next_id = torch.multinomial(probs, 1, generator=generator)  # (1,)
            ids.append(int(next_id))
            logits, state = model(next_id[None], state)  # (1, 1, V)
    finally:
        if was_training:
            model.train()
    return prompt + vocab.decode(ids)
