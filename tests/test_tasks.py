"""The synthetic tasks: their structure, their baselines, and what each direction of reading can know."""

from collections import Counter, defaultdict

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from lstm_course.tasks import (
    ADDING_BASELINE_MSE,
    BANK_CUES,
    BANK_SENSES,
    BANK_VOCAB,
    IGNORE_INDEX,
    RECALL_NAMES,
    RECALL_PETS,
    RECALL_VOCAB,
    TEMPORAL_CLASSES,
    TEMPORAL_VOCAB,
    Vocab,
    adding_problem,
    bank_task,
    parity_task,
    recall_task,
    temporal_order,
    variable_length_batch,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --- adding problem


@pytest.mark.parametrize("seq_len", [2, 3, 10, 51])
def test_adding_problem_has_two_markers_one_per_half_and_y_is_their_sum(seq_len):
    x, y = adding_problem(64, seq_len, gen())
    assert x.shape == (64, seq_len, 2) and y.shape == (64,)
    values, markers = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (markers.sum(1) == 2).all() and ((markers == 0) | (markers == 1)).all()
    half = seq_len // 2
    assert (markers[:, :half].sum(1) == 1).all() and (markers[:, half:].sum(1) == 1).all()
    torch.testing.assert_close(y, (values * markers).sum(1))


def test_adding_constant_prediction_mse_is_one_sixth():
    """y = u1 + u2 with u ~ U(0,1): mean 1, variance 2/12. The estimate's standard error at n = 200k is ~4e-4."""
    _, y = adding_problem(200_000, 10, gen(1), dtype=torch.float64)
    assert ADDING_BASELINE_MSE == pytest.approx(1 / 6)
    assert ((y - 1) ** 2).mean().item() == pytest.approx(ADDING_BASELINE_MSE, abs=3e-3)
    assert y.mean().item() == pytest.approx(1.0, abs=3e-3)  # so 1 is the best constant


def test_same_generator_seed_same_data_and_other_seed_other_data():
    a, b, c = adding_problem(4, 8, gen(0)), adding_problem(4, 8, gen(0)), adding_problem(4, 8, gen(1))
    torch.testing.assert_close(a[0], b[0])
    assert not torch.equal(a[0], c[0])
    torch.testing.assert_close(recall_task(4, 5, gen(3)).tokens, recall_task(4, 5, gen(3)).tokens)
    torch.testing.assert_close(bank_task(4, generator=gen(3)).tokens, bank_task(4, generator=gen(3)).tokens)


def test_adding_problem_dtype():
    x, y = adding_problem(2, 4, gen(), dtype=torch.float64)
    assert x.dtype == y.dtype == torch.float64


# --- recall


@pytest.mark.parametrize("gap", [0, 1, 25])
def test_recall_sentence_names_the_pet_at_the_start_and_asks_about_the_same_name(gap):
    batch = recall_task(32, gap, gen(2))
    assert batch.tokens.shape == (32, gap + 9) and batch.target.shape == (32,)
    pet_ids = {RECALL_VOCAB.index[p] for p in RECALL_PETS}
    name_ids = {RECALL_VOCAB.index[n] for n in RECALL_NAMES}
    for tokens, target in zip(batch.tokens, batch.target):
        words = RECALL_VOCAB.decode(tokens).split()
        assert words[0] in RECALL_NAMES
        assert words[1:4] == ["is", "my", RECALL_PETS[target]]
        assert words[-5:] == ["however", words[0], ",", "my", "pet"]
        # nothing after position 3 mentions a pet, and no other name appears: the answer is 4 words in
        later = tokens[4:].tolist()
        assert not pet_ids & set(later)
        assert set(later) & name_ids == {tokens[0].item()}


def test_recall_sentence_layout_word_by_word():
    batch = recall_task(1, 2, gen(5))
    words = RECALL_VOCAB.decode(batch.tokens[0]).split()
    name, pet = words[0], RECALL_PETS[batch.target[0]]
    assert words[:4] == [name, "is", "my", pet]
    assert words[6:] == ["however", name, ",", "my", "pet"]


def test_recall_targets_cover_all_pets_evenly():
    counts = Counter(recall_task(6000, 0, gen(6)).target.tolist())
    assert set(counts) == set(range(len(RECALL_PETS)))
    assert all(800 < n < 1200 for n in counts.values()), counts  # 1000 expected, sd ≈ 29


# --- bank


@pytest.mark.parametrize("cue", ["before", "after", "random"])
def test_bank_sentences_have_one_bank_one_cue_of_the_labelled_sense(cue):
    batch = bank_task(200, cue, gen(7))
    assert batch.tokens.shape == batch.tags.shape == (200, 8)
    sense_of = {BANK_VOCAB.index[w]: s for s, words in enumerate(BANK_CUES.values()) for w in words}
    bank = BANK_VOCAB.index["bank"]
    for b in range(200):
        tokens = batch.tokens[b].tolist()
        assert tokens.count(bank) == 1 and tokens[batch.position[b]] == bank
        cues = [(t, tok) for t, tok in enumerate(tokens) if tok in sense_of]
        assert len(cues) == 1
        where, word = cues[0]
        assert sense_of[word] == batch.label[b]
        assert (where > batch.position[b]) == bool(batch.cue_after[b])
        expected_tags = [IGNORE_INDEX] * 8
        expected_tags[batch.position[b]] = batch.label[b].item()
        assert batch.tags[b].tolist() == expected_tags
    if cue != "random":
        assert batch.cue_after.all() == (cue == "after") and batch.cue_after.any() == (cue == "after")
    else:
        assert 50 < batch.cue_after.sum() < 150


def majority_accuracy(train, test, key):
    """Accuracy of the best possible predictor that sees only key(sentence): the majority label per key."""
    votes = defaultdict(Counter)
    for b in range(len(train.label)):
        votes[key(train, b)][train.label[b].item()] += 1
    correct = [votes[key(test, b)].most_common(1)[0][0] == test.label[b].item() if votes[key(test, b)] else False
               for b in range(len(test.label))]
    return sum(correct) / len(correct)


def prefix(batch, b):
    return tuple(batch.tokens[b, : batch.position[b] + 1].tolist())  # what a left-to-right reader has seen


def whole(batch, b):
    return tuple(batch.tokens[b].tolist())


def test_left_to_right_reader_is_at_chance_when_the_cue_comes_after_and_a_whole_sentence_reader_is_not():
    train, test = bank_task(20_000, "after", gen(8)), bank_task(4_000, "after", gen(9))
    left = majority_accuracy(train, test, prefix)
    assert abs(left - 0.5) < 0.04, left  # sd of a 4000-sample coin is 0.008
    assert majority_accuracy(train, test, whole) > 0.99
    before_train, before_test = bank_task(20_000, "before", gen(10)), bank_task(4_000, "before", gen(11))
    assert majority_accuracy(before_train, before_test, prefix) > 0.99


def test_bank_vocab_round_trips_and_senses_are_named():
    assert BANK_SENSES == ("river", "money")
    sentence = "they left the bank with the cash today"
    assert BANK_VOCAB.decode(BANK_VOCAB.encode(sentence)) == sentence


# --- parity, variable length


def test_parity_is_the_count_of_ones_mod_two():
    x, y = parity_task(500, 13, gen(12))
    assert x.shape == (500, 13, 1) and x.dtype == torch.float32 and y.dtype == torch.long
    assert set(x.unique().tolist()) == {0.0, 1.0}
    torch.testing.assert_close(y, x[..., 0].sum(1).long() % 2)
    assert 180 < y.sum() < 320


@pytest.mark.parametrize("batch_first", [True, False])
def test_variable_length_batch_pads_after_each_end_and_target_ignores_padding(batch_first):
    batch = variable_length_batch(40, 3, 9, input_size=2, generator=gen(13), batch_first=batch_first,
                                  padding_value=-7.0)
    x = batch.input if batch_first else batch.input.transpose(0, 1)  # (B, T, I)
    T = int(batch.lengths.max())
    assert x.shape == (40, T, 2) and batch.lengths.dtype == torch.int64
    assert ((batch.lengths >= 3) & (batch.lengths <= 9)).all()
    for b, n in enumerate(batch.lengths.tolist()):
        assert (x[b, n:] == -7.0).all() and not (x[b, :n] == -7.0).any()
        torch.testing.assert_close(batch.target[b], x[b, :n, 0].sum())
    packed = pack_padded_sequence(batch.input, batch.lengths, batch_first=batch_first, enforce_sorted=False)
    assert packed.data.shape == (int(batch.lengths.sum()), 2)


def test_vocab_encode_decode_and_errors():
    vocab = Vocab(["a", "b", "a"])
    assert len(vocab) == 3 and vocab.words == ["<pad>", "a", "b"]
    assert vocab.encode(["b", "a"]).tolist() == [2, 1]
    assert vocab.decode(torch.tensor([1, 0, 2])) == "a b"
    with pytest.raises(ValueError, match=r"unknown word\(s\) \['c'\]"):
        vocab.encode("a c")
    with pytest.raises(ValueError, match="token ids must be in 0 .. 2"):
        vocab.decode([5])


def test_clear_errors():
    with pytest.raises(ValueError, match="seq_len must be at least 2"):
        adding_problem(2, 1)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        adding_problem(2.0, 5)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        parity_task(0, 5)
    with pytest.raises(TypeError, match="torch.Generator or None, got int"):
        adding_problem(2, 5, generator=0)
    with pytest.raises(ValueError, match="gap must be at least 0, got -1"):
        recall_task(2, -1)
    with pytest.raises(TypeError, match="gap must be an int, got float 2.0"):
        recall_task(2, 2.0)
    with pytest.raises(ValueError, match="cue must be 'before', 'after' or 'random', got 'middle'"):
        bank_task(2, cue="middle")
    with pytest.raises(TypeError, match="cue must be 'before', 'after' or 'random', got NoneType"):
        bank_task(2, cue=None)
    with pytest.raises(ValueError, match="min_len must be <= max_len"):
        variable_length_batch(2, 5, 3)


def test_docstring_examples_are_true():
    import doctest

    from lstm_course import tasks

    result = doctest.testmod(tasks, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0, result


@pytest.mark.parametrize("seq_len", [4, 5, 30])
def test_temporal_order_has_two_relevant_symbols_one_per_half_and_the_class_is_their_order(seq_len):
    tokens, y = temporal_order(300, seq_len, gen(14))
    assert tokens.shape == (300, seq_len) and y.shape == (300,)
    x_id, y_id = TEMPORAL_VOCAB.index["X"], TEMPORAL_VOCAB.index["Y"]
    inner = seq_len - 2
    for row, label in zip(tokens.tolist(), y.tolist()):
        words = TEMPORAL_VOCAB.decode(row).split()
        assert words[0] == "B" and words[-1] == "E"
        where = [t for t, tok in enumerate(row) if tok in (x_id, y_id)]
        assert len(where) == 2
        assert 1 <= where[0] <= inner // 2 < where[1] <= inner
        assert " ".join(words[t] for t in where) == TEMPORAL_CLASSES[label]
        assert set(words[1:-1]) - {"X", "Y"} <= set("abcd")
    assert set(y.tolist()) == {0, 1, 2, 3}


def test_temporal_order_needs_room_for_both_symbols():
    with pytest.raises(ValueError, match="seq_len must be at least 4"):
        temporal_order(2, 3)
