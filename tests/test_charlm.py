"""The character model's pieces: ids, contiguous and random batches, training with a carried state, sampling,
n-gram baselines, the cell-state trace and the shipped weights."""

import collections
import math

import pytest
import torch
from torch import nn

from lstm_course.charlm import (
    VOCAB_SIZE,
    CharLM,
    RandomWindows,
    StreamBatches,
    cell_trace,
    decode,
    detach_state,
    encode,
    load_pretrained,
    next_char_probs,
    ngram_loss,
    pretrained_path,
    sample,
    stream_loss,
    train_lm,
)
from lstm_course.pycorpus import ALPHABET, load_corpus
from lstm_course.runtime import one_thread
from tools.train_char_model import train


@pytest.fixture(autouse=True)
def _one_thread():
    """These models are tiny: a thread pool would spend more time handing off than computing."""
    with one_thread():
        yield


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_encode_decode_round_trip_and_unknown_characters():
    text = "def f(x):\n    return 'ok'  # ~\n"
    assert decode(encode(text)) == text
    assert encode("a\tb\u00e9").tolist() == [ALPHABET.index("a"), 0, ALPHABET.index("b"), 0]
    assert encode("").shape == (0,)
    with pytest.raises(ValueError, match="0 .. 96"):
        decode([97])
    with pytest.raises(TypeError, match="str"):
        encode(b"abc")


def test_stream_batches_continue_each_row_where_the_last_chunk_ended():
    batches = StreamBatches(torch.arange(13), batch_size=2, seq_len=2)
    assert batches.chunks_per_epoch == 2  # streams of 6: chunks [0 1], [2 3]; the rest lacks a target
    first, second, third = batches(0), batches(1), batches(2)
    assert first.inputs.tolist() == [[0, 1], [6, 7]] and first.targets.tolist() == [[1, 2], [7, 8]]
    assert second.inputs.tolist() == [[2, 3], [8, 9]] and second.targets.tolist() == [[3, 4], [9, 10]]
    assert (first.continues, second.continues) == (False, True)
    assert third.inputs.tolist() == first.inputs.tolist() and not third.continues  # a new epoch resets


def test_random_windows_are_reproducible_fresh_starts():
    ids = torch.arange(100)
    a, b = RandomWindows(ids, 4, 8, gen(1))(0), RandomWindows(ids, 4, 8, gen(1))(0)
    assert torch.equal(a.inputs, b.inputs) and not a.continues
    assert torch.equal(a.targets, a.inputs + 1)


@pytest.mark.parametrize("make", [lambda: StreamBatches(torch.arange(5), 2, 4),
                                  lambda: RandomWindows(torch.arange(3), 2, 4)])
def test_batches_refuse_a_text_too_short_for_their_sizes(make):
    with pytest.raises(ValueError, match="at least"):
        make()


def test_batches_refuse_float_ids():
    with pytest.raises(TypeError, match="int64"):
        StreamBatches(torch.zeros(100), 2, 4)


def test_detach_state_keeps_values_and_cuts_the_graph():
    h = torch.ones(1, 2, 3, requires_grad=True) * 2
    hx = detach_state((h, h + 1))
    assert all(not s.requires_grad for s in hx) and torch.equal(hx[1], h.detach() + 1)
    assert detach_state(None) is None


def test_training_on_streams_carries_the_state_and_learns_a_pattern_longer_than_a_chunk():
    # a period of 9 read in chunks of 4: the next character is only predictable from context
    # older than the chunk when the state is carried
    text = "abcdefghi" * 300
    ids = encode(text)
    torch.manual_seed(0)
    model = CharLM(hidden_size=32, embedding_size=8)
    history = train_lm(model, StreamBatches(ids, 4, 4), 300, lr=1e-2)
    assert history[-1] < 0.1 < history[0]
    assert stream_loss(model, ids, batch_size=2, seq_len=4) < 0.1


def test_on_step_is_called_after_every_step_with_that_step_and_its_loss():
    model = CharLM(hidden_size=8, embedding_size=4)
    seen = []
    history = train_lm(model, RandomWindows(encode("abc" * 50), 2, 4, gen()), 10, lr=1e-2, final_lr=1e-3,
                       on_step=lambda step, loss: seen.append((step, loss)))
    assert seen == list(enumerate(history))


def test_char_lm_shapes_and_bad_input():
    model = CharLM(hidden_size=16)
    logits, (h, c) = model(torch.zeros(3, 5, dtype=torch.long))
    assert logits.shape == (3, 5, VOCAB_SIZE) and h.shape == c.shape == (1, 3, 16)
    with pytest.raises(ValueError, match=r"\(B, T\) int64"):
        model(torch.zeros(3, 5))


def test_next_char_probs_temperature_and_top_k():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])
    assert torch.allclose(next_char_probs(logits, 1.0), torch.softmax(logits, 0))
    assert next_char_probs(logits, 0).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert next_char_probs(logits, 5.0, top_k=1).tolist() == [1.0, 0.0, 0.0, 0.0]
    two = next_char_probs(logits, 1.0, top_k=2)
    assert torch.allclose(two, torch.tensor([math.e / (math.e + 1), 1 / (math.e + 1), 0, 0]))

    def entropy(p):
        return -(p[p > 0] * p[p > 0].log()).sum().item()

    assert entropy(next_char_probs(logits, 0.5)) < entropy(next_char_probs(logits, 1.0)) < entropy(
        next_char_probs(logits, 2.0))
    with pytest.raises(ValueError, match=">= 0"):
        next_char_probs(logits, -1.0)
    with pytest.raises(TypeError, match="number"):
        next_char_probs(logits, "hot")
    with pytest.raises(ValueError, match="top_k"):
        next_char_probs(logits, 1.0, top_k=0)


def test_sample_is_reproducible_and_top_k_one_is_greedy():
    torch.manual_seed(0)
    model = CharLM(hidden_size=16)
    one = sample(model, "def ", 30, 1.0, generator=gen(3))
    assert one == sample(model, "def ", 30, 1.0, generator=gen(3)) and one.startswith("def ") and len(one) == 34
    assert sample(model, "x", 20, 1.0, top_k=1, generator=gen(1)) == sample(model, "x", 20, 0, generator=gen(2))
    with pytest.raises(ValueError, match="prompt"):
        sample(model, "", 5)


def test_ngram_losses_match_counts_done_by_hand():
    train, heldout = "abracadabra" * 20, "abcabd"
    counts = collections.Counter(train)
    alpha = 0.01
    by_hand = -sum(math.log((counts[ch] + alpha) / (len(train) + alpha * VOCAB_SIZE)) for ch in heldout) / 6
    assert ngram_loss(encode(train), encode(heldout), 1, alpha) == pytest.approx(by_hand, rel=1e-9)
    pairs = collections.Counter(zip(train, train[1:]))
    firsts = collections.Counter(train[:-1])
    bigram = -sum(math.log((pairs[a, b] + alpha) / (firsts[a] + alpha * VOCAB_SIZE))
                  for a, b in zip(heldout, heldout[1:])) / 5
    assert ngram_loss(encode(train), encode(heldout), 2, alpha) == pytest.approx(bigram, rel=1e-9)
    with pytest.raises(ValueError, match="order"):
        ngram_loss(encode(train), encode(heldout), 4)


def test_cell_trace_matches_nn_lstm_output_and_final_cell_state():
    torch.manual_seed(0)
    model = CharLM(hidden_size=12, embedding_size=6)
    ids = encode("for x in range(3):\n    print(x)\n")
    h, c = cell_trace(model, ids)
    with torch.no_grad():
        output, (h_n, c_n) = model.lstm(model.embed(ids[None]))
    torch.testing.assert_close(h, output[0])
    torch.testing.assert_close(c[-1], c_n[0, 0], atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="L = 1"):
        cell_trace(CharLM(hidden_size=4, num_layers=2), ids)


def test_shipped_weights_load_safely_and_reproduce_their_recorded_heldout_loss():
    assert pretrained_path().is_file()
    raw = torch.load(pretrained_path(), weights_only=True)  # plain tensors and numbers, no code
    assert set(raw) == {"config", "state_dict", "info"}
    model, info = load_pretrained()
    assert isinstance(model.lstm, nn.LSTM) and info["steps"] >= 1000
    corpus = load_corpus()
    if not corpus.is_python:
        pytest.skip(corpus.note)
    # the held-out text differs slightly between Python versions: agree within a tolerance
    assert stream_loss(model, encode(corpus.heldout)) == pytest.approx(info["heldout_loss"], abs=0.1)


def test_the_training_script_gives_the_same_weights_from_the_same_seed():
    first, info = train(steps=2, seed=5)
    second, _ = train(steps=2, seed=5, compare=False)
    other, _ = train(steps=2, seed=6, compare=False)
    assert info["random_windows_heldout_loss"] > 0  # the comparison model's score is recorded
    assert info["steps"] == 2 and info["python"] and info["heldout_loss"] > 0
    for name, tensor in first["state_dict"].items():
        assert tensor.dtype == torch.float16 and torch.equal(tensor, second["state_dict"][name])
    assert not torch.equal(first["state_dict"]["head.weight"], other["state_dict"]["head.weight"])
