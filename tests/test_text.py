"""The shipped text, the character vocabulary, training windows and temperature sampling."""

import pytest
import torch
from torch import nn

from lstm_course.text import (
    DEFAULT_TEXT,
    CharVocab,
    available_texts,
    load_text,
    random_chunks,
    sample,
    temperature_probs,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


class TinyCharModel(nn.Module):
    """The interface `sample` expects: (tokens (B, T), state) -> (logits (B, T, V), state)."""

    def __init__(self, vocab_size, hidden_size=8):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden_size)
        self.lstm = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state


class NextCharModel(nn.Module):
    """A stateless model whose logits always favour `(last id + 1) mod V` by a margin of 10."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size

    def forward(self, tokens, state=None):
        calls = 0 if state is None else state + 1
        return 10 * nn.functional.one_hot((tokens + 1) % self.vocab_size, self.vocab_size).float(), calls


# --- the shipped text


def test_the_default_text_ships_with_the_package_and_is_tens_of_kilobytes_of_ascii():
    assert DEFAULT_TEXT in available_texts()
    text = load_text()
    assert 15_000 < len(text) < 100_000
    assert text.isascii()
    assert text.startswith("ALICE'S ADVENTURES IN WONDERLAND")
    assert "Down the Rabbit-Hole" in text and "The Pool of Tears" in text


def test_unknown_text_name_lists_what_is_shipped():
    with pytest.raises(ValueError, match="alice.txt"):
        load_text("missing.txt")


# --- vocabulary


def test_vocab_round_trips_the_whole_text_with_a_small_sorted_alphabet():
    text = load_text()
    vocab = CharVocab(text)
    assert vocab.chars == sorted(vocab.chars) and len(set(vocab.chars)) == len(vocab)
    assert 40 < len(vocab) < 90
    ids = vocab.encode(text)
    assert ids.dtype == torch.long and ids.shape == (len(text),)
    assert vocab.decode(ids) == text


def test_vocab_ids_follow_sorted_characters():
    vocab = CharVocab("hello")
    assert vocab.encode("hello").tolist() == [1, 0, 2, 2, 3]
    assert vocab.decode([3, 2]) == "ol"


@pytest.mark.parametrize("bad,error", [("", ValueError), (None, TypeError), (3, TypeError)])
def test_vocab_needs_a_non_empty_string(bad, error):
    with pytest.raises(error, match="text must be a non-empty string"):
        CharVocab(bad)


def test_unknown_characters_and_out_of_range_ids_are_named():
    vocab = CharVocab("abc")
    with pytest.raises(ValueError, match=r"\['z'\]"):
        vocab.encode("abz")
    with pytest.raises(ValueError, match="0 .. 2"):
        vocab.decode([0, 3])


# --- batches


def test_targets_are_the_inputs_shifted_by_one_character():
    data = torch.arange(100)
    inputs, targets = random_chunks(data, 16, 10, gen())
    assert inputs.shape == targets.shape == (16, 10)
    assert torch.equal(targets[:, :-1], inputs[:, 1:])
    assert torch.equal(targets, inputs + 1)  # consecutive ids: each window is a contiguous slice


def test_windows_are_reproducible_with_a_generator_and_cover_the_text():
    data = torch.arange(50)
    a, _ = random_chunks(data, 200, 5, gen(1))
    b, _ = random_chunks(data, 200, 5, gen(1))
    assert torch.equal(a, b)
    starts = set(a[:, 0].tolist())
    assert starts == set(range(45))  # every start 0 .. N-T-1 drawn; the last target is id 49


@pytest.mark.parametrize("data, B, T, error", [
    (torch.arange(10), 2, 10, ValueError),
    (torch.arange(10).float(), 2, 3, TypeError),
    ([0, 1, 2, 3], 2, 3, TypeError),
    (torch.arange(10).view(2, 5), 2, 3, ValueError),
    (torch.arange(10), 0, 3, ValueError),
    (torch.arange(10), 2, 2.5, TypeError),
])
def test_bad_batch_arguments_raise_clear_errors(data, B, T, error):
    with pytest.raises(error):
        random_chunks(data, B, T)


# --- temperature and sampling


def test_temperature_one_is_softmax_low_sharpens_high_flattens():
    logits = torch.tensor([2.0, 1.0, 0.0])
    torch.testing.assert_close(temperature_probs(logits, 1.0), torch.softmax(logits, 0))
    cold, hot = temperature_probs(logits, 0.25), temperature_probs(logits, 4.0)
    assert cold[0] > 0.98
    assert hot.max() - hot.min() < 0.25
    assert torch.equal(temperature_probs(logits, 0), torch.tensor([1.0, 0.0, 0.0]))


@pytest.mark.parametrize("bad,error", [(-0.1, ValueError), ("1", TypeError), (True, TypeError)])
def test_temperature_must_be_a_non_negative_number(bad, error):
    with pytest.raises(error, match="temperature must be"):
        temperature_probs(torch.zeros(3), bad)


def test_greedy_sampling_follows_the_model_and_carries_its_state():
    vocab = CharVocab("abcd")
    assert sample(NextCharModel(4), vocab, "ab", 6, temperature=0) == "abcdabcd"


def test_sampling_is_reproducible_and_temperature_changes_diversity():
    text = load_text()[:2000]
    vocab = CharVocab(text)
    torch.manual_seed(0)
    model = TinyCharModel(len(vocab))
    a = sample(model, vocab, "Alice", 200, temperature=1.0, generator=gen(3))
    b = sample(model, vocab, "Alice", 200, temperature=1.0, generator=gen(3))
    assert a == b and a.startswith("Alice") and len(a) == 205
    cold = sample(model, vocab, "Alice", 200, temperature=0.05, generator=gen(3))
    assert len(set(cold[5:])) < len(set(a[5:]))  # a cold sampler repeats its favourite characters


def test_sampling_leaves_a_training_model_in_training_mode():
    vocab = CharVocab("abc")
    model = TinyCharModel(len(vocab)).train()
    sample(model, vocab, "a", 3)
    assert model.training


def test_sampling_needs_a_prompt_and_a_positive_length():
    vocab = CharVocab("abc")
    with pytest.raises(ValueError, match="prompt"):
        sample(NextCharModel(3), vocab, "", 3)
    with pytest.raises(TypeError, match="prompt must be a non-empty string, got list"):
        sample(NextCharModel(3), vocab, ["a"], 3)
    with pytest.raises(ValueError, match="length"):
        sample(NextCharModel(3), vocab, "a", 0)
