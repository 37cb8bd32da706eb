"""The date task's data (lstm_course.dates) and the encoder-decoder (lstm_course.seq2seq)."""

import datetime

import pytest
import torch

from lstm_course.dates import (
    FIRST_DAY,
    FORMATS,
    HELD_OUT_FORMATS,
    LAST_DAY,
    TARGET_VOCAB,
    TRAIN_FORMATS,
    date_batch,
    decode_target,
    encode_source,
    encode_target,
    ordinal_suffix,
    ordinal_word,
    split_days,
    write_date,
)
from lstm_course.seq2seq import Seq2Seq, teacher_forcing_loss

# Formats that strptime can read back, so the text is checked against the standard library.
STRPTIME = {
    "iso": "%Y-%m-%d",
    "us_slash": "%m/%d/%Y",
    "us_slash_short_year": "%m/%d/%y",
    "european_dots": "%d.%m.%Y",
    "compact": "%Y%m%d",
    "year_slash": "%Y/%m/%d",
    "month_day_comma": "%b %d, %Y",
    "long_month_day_comma": "%B %d, %Y",
    "day_long_month": "%d %B %Y",
    "day_dash_short": "%d-%b-%Y",
    "weekday_day_month": "%A, %d %B %Y",
    "day_short_month": "%d %b %Y",
    "european_slash": "%d/%m/%Y",
    "weekday_long_month_day": "%A, %B %d, %Y",
}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread avoids hand-offs that cost far more than the arithmetic on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


EVERY_DAY = [FIRST_DAY + datetime.timedelta(days=k) for k in range((LAST_DAY - FIRST_DAY).days + 1)]


@pytest.mark.parametrize("name", sorted(STRPTIME))
def test_written_dates_read_back_with_strptime_over_the_whole_range(name):
    for day in EVERY_DAY[::37]:
        assert datetime.datetime.strptime(write_date(day, name), STRPTIME[name]).date() == day


def test_two_digit_years_follow_the_strptime_pivot_on_every_day():
    for day in EVERY_DAY:
        assert datetime.datetime.strptime(write_date(day, "us_slash_short_year"), "%m/%d/%y").date() == day


def test_ordinals_in_words_and_digits():
    assert [ordinal_word(d) for d in (1, 2, 3, 11, 12, 20, 21, 22, 30, 31)] == [
        "first", "second", "third", "eleventh", "twelfth", "twentieth", "twenty-first", "twenty-second",
        "thirtieth", "thirty-first"]
    assert [ordinal_suffix(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_every_format_of_every_day_is_in_the_source_vocabulary():
    texts = [write_date(day, name) for day in EVERY_DAY[::11] for name in FORMATS]
    ids, lengths = encode_source(texts)
    assert ids.shape == (len(texts), max(map(len, texts))) and lengths.tolist() == list(map(len, texts))


def test_held_out_formats_are_not_trained_on():
    assert set(HELD_OUT_FORMATS).isdisjoint(TRAIN_FORMATS)
    assert set(HELD_OUT_FORMATS) | set(TRAIN_FORMATS) == set(FORMATS)


def test_split_days_is_a_partition_and_reproducible():
    train, held = split_days(0.1, torch.Generator().manual_seed(0))
    assert set(train).isdisjoint(held) and len(train) + len(held) == len(EVERY_DAY)
    assert split_days(0.1, torch.Generator().manual_seed(0)) == (train, held)


def test_targets_round_trip_and_reject_non_iso_strings():
    isos = ["1999-03-03", "2068-12-31"]
    target = encode_target(isos)
    assert target.shape == (2, 12) and TARGET_VOCAB[target[0, 0]] == "^" and TARGET_VOCAB[target[0, -1]] == "$"
    assert decode_target(target) == isos
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        encode_target(["3 March 1999"])


def test_bad_input_names_what_was_expected():
    with pytest.raises(ValueError, match="format_name must be one of"):
        write_date(datetime.date(2000, 1, 1), "klingon")
    with pytest.raises(ValueError, match="two-digit years"):
        write_date(datetime.date(1900, 1, 1), "iso")
    with pytest.raises(TypeError, match="datetime.date"):
        write_date("2000-01-01", "iso")
    with pytest.raises(ValueError, match="outside the source vocabulary"):
        encode_source(["3 März 1999"])
    with pytest.raises(ValueError, match="batch_size"):
        date_batch(EVERY_DAY, TRAIN_FORMATS, 0)


def test_reversed_source_is_the_characters_backwards():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    plain, backwards = date_batch(EVERY_DAY, TRAIN_FORMATS, 5, g1), date_batch(EVERY_DAY, TRAIN_FORMATS, 5, g2,
                                                                                   reverse_source=True)
    assert plain.texts == backwards.texts
    assert torch.equal(backwards.source, encode_source([t[::-1] for t in plain.texts])[0])


def _model():
    torch.manual_seed(0)
    from lstm_course.dates import SOURCE_VOCAB
    return Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), hidden_size=16, embedding_dim=8).eval()


def test_context_ignores_padding_because_the_source_is_packed():
    model = _model()
    source, lengths = encode_source(["3 March 1999", "19990303"])
    padded = torch.cat([source, torch.zeros(2, 7, dtype=torch.long)], dim=1)
    for a, b in zip(model.encode(source, lengths), model.encode(padded, lengths)):
        torch.testing.assert_close(a, b)


def test_greedy_decoding_equals_teacher_forcing_on_its_own_guesses():
    model = _model()
    source, lengths = encode_source(["3 March 1999", "19990303", "the third of March, 1999"])
    guesses = model.greedy_decode(source, lengths, steps=11)  # (B, 11)
    fed = torch.cat([torch.full((3, 1), model.start_index), guesses[:, :-1]], dim=1)
    torch.testing.assert_close(model(source, lengths, fed).argmax(-1), guesses)


def test_teacher_forcing_loss_falls_when_trained():
    model = _model().train()
    batch = date_batch(EVERY_DAY, TRAIN_FORMATS, 16, torch.Generator().manual_seed(0))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = teacher_forcing_loss(model, batch).item()
    for _ in range(60):
        loss = teacher_forcing_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.7 * first, (first, loss.item())


def test_the_shipped_date_model_loads_as_plain_tensors_and_decodes_held_out_days():
    from lstm_course.seq2seq import load_date_model

    model = load_date_model()
    _, held_out = split_days(0.1, torch.Generator().manual_seed(0))
    batch = date_batch(held_out, TRAIN_FORMATS, 200, torch.Generator().manual_seed(5))
    guesses = decode_target(model.greedy_decode(batch.source, batch.lengths, steps=11))
    assert sum(g == iso for g, iso in zip(guesses, batch.isos)) / 200 > 0.9
