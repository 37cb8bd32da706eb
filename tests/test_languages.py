"""Language identification: the shipped words, their split and vocabulary, the classifier, the baseline, the app."""

import importlib.util
from importlib import resources

import pytest
import torch

from lstm_course.language_id import (
    NgramNaiveBayes,
    WordClassifier,
    accuracy,
    char_ngrams,
    confusion_matrix,
    per_class_accuracy,
    predict_proba,
    train_classifier,
)
from lstm_course.languages import (
    LANGUAGES,
    CharVocabulary,
    WordSet,
    fixed_split,
    load_words,
    split_words,
)


@pytest.fixture(scope="module")
def words():
    return load_words()


@pytest.fixture(scope="module")
def split():
    return fixed_split()


# --- the shipped file ---------------------------------------------------------------------------------------


def test_shipped_words_are_balanced_lower_case_and_unique(words):
    assert torch.bincount(words.labels).tolist() == [3500] * len(LANGUAGES)
    assert len(set(words.words)) == len(words), "a spelling must have one language only"
    assert all(w.isalpha() and w == w.lower() and 3 <= len(w) <= 14 for w in words.words)


def test_each_word_has_a_frequency_in_its_own_languages_list(words):
    own = words.zipf[torch.arange(len(words)), words.labels]
    assert bool((own > 0).all()), "every word comes from its own language's list"


def test_shipped_data_stays_small():
    size = len(resources.files("lstm_course").joinpath("data", "language_words.tsv").read_bytes())
    assert size <= 2_000_000, f"the word list must stay under 2 MB, it is {size:,} bytes"


@pytest.mark.skipif(importlib.util.find_spec("wordfreq") is None,
                    reason="needs the data extra: pip install -c constraints.txt -e '.[data]'")
def test_derivation_reproduces_the_shipped_file_byte_for_byte():
    from tools.derive_language_words import OUTPUT, derive

    text, stats = derive()
    assert text.encode("utf-8") == OUTPUT.read_bytes()
    assert stats["shared spellings"] > 0


def test_derivation_drops_spellings_shared_by_two_pools():
    from tools.derive_language_words import is_word, shared_spellings

    pools = {"en": ["taxi", "house"], "fr": ["taxi", "maison"], "de": ["haus"]}
    assert shared_spellings(pools) == {"taxi"}
    assert is_word("straße".replace("ß", "ss"), "de") and not is_word("señor", "fr") and not is_word("ab", "en")


# --- split and vocabulary -------------------------------------------------------------------------------------


def test_fixed_split_is_stratified_disjoint_and_the_same_every_time(words, split):
    assert [len(part) for part in split] == [16800, 2100, 2100]
    for part in split:
        assert torch.bincount(part.labels, minlength=6).unique().numel() == 1
    seen = [set(part.words) for part in split]
    assert not (seen[0] & seen[1] or seen[0] & seen[2] or seen[1] & seen[2])
    assert set.union(*seen) == set(words.words)
    assert fixed_split().test.words == split.test.words


def test_split_words_depends_on_its_seed(words):
    assert split_words(words, 1).test.words != split_words(words, 2).test.words


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.8, 0.3, -0.1), (0.7, 0.2, 0.2)])
def test_split_words_rejects_bad_fractions(words, fractions):
    with pytest.raises(ValueError, match="three positive shares"):
        split_words(words, 0, fractions)


def test_split_words_rejects_a_seed_that_is_not_an_int(words):
    with pytest.raises(TypeError, match="seed must be an int"):
        split_words(words, 1.5)


def test_wordset_checks_its_shapes():
    with pytest.raises(ValueError, match="labels"):
        WordSet(("a", "b"), torch.zeros(3, dtype=torch.long), torch.zeros(2, 6))


def test_vocabulary_pads_with_zero_and_maps_unseen_characters_to_unknown():
    vocab = CharVocabulary(["abc", "ca"])
    ids, lengths = vocab.encode(["ab", "cabz", "a"])
    assert ids.shape == (3, 4) and ids.dtype == torch.long
    assert lengths.tolist() == [2, 4, 1]
    assert ids[0, 2:].tolist() == [vocab.pad_id] * 2 and ids[1, 3] == vocab.unk_id
    assert vocab.decode(ids[0]) == "ab" and vocab.decode(ids[1]) == "cab<unk>"


@pytest.mark.parametrize("bad, error, message", [
    ("word", TypeError, "single string"),
    ([], ValueError, "at least one word"),
    (["ok", ""], ValueError, "at least one character"),
    (["ok", 3], TypeError, "must be a str"),
])
def test_vocabulary_encode_rejects_bad_input(bad, error, message):
    with pytest.raises(error, match=message):
        CharVocabulary(["ok"]).encode(bad)


def test_vocabulary_decode_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match="ids must be in 0 .. 3"):
        CharVocabulary(["ab"]).decode(torch.tensor([2, 9]))


# --- the classifier ---------------------------------------------------------------------------------------------


def test_packed_bidirectional_summary_ignores_padding_and_batch_mates():
    torch.manual_seed(0)
    vocab = CharVocabulary(["abcdef"])
    model = WordClassifier(len(vocab), 3, hidden_size=5).double()
    ids, lengths = vocab.encode(["ab", "abcdef"])
    together = model(ids, lengths)
    alone = model(*vocab.encode(["ab"]))
    torch.testing.assert_close(together[0], alone[0])


def test_unpacked_model_reads_the_padding():
    torch.manual_seed(0)
    vocab = CharVocabulary(["abcdef"])
    model = WordClassifier(len(vocab), 3, hidden_size=5, packed=False).double()
    ids, lengths = vocab.encode(["ab", "abcdef"])
    assert not torch.allclose(model(ids, lengths)[0], model(*vocab.encode(["ab"]))[0])


def test_bidirectional_summary_is_forward_last_step_and_backward_first_step():
    torch.manual_seed(0)
    vocab = CharVocabulary(["abcdef"])
    model = WordClassifier(len(vocab), 3, hidden_size=4).double()
    ids, lengths = vocab.encode(["abc"])
    output, _ = model.lstm(model.embedding(ids))  # (1, T, 2H), no padding in a batch of one
    expected = model.head(torch.cat([output[:, -1, :4], output[:, 0, 4:]], dim=1))
    torch.testing.assert_close(model(ids, lengths), expected)


def test_one_direction_model_has_half_the_summary():
    model = WordClassifier(10, 6, hidden_size=7, bidirectional=False)
    assert model.head.in_features == 7 and not model.lstm.bidirectional


@pytest.mark.parametrize("kwargs, error", [
    (dict(hidden_size=0), ValueError), (dict(hidden_size=2.5), TypeError), (dict(bidirectional=1), TypeError),
])
def test_classifier_rejects_bad_sizes(kwargs, error):
    with pytest.raises(error):
        WordClassifier(10, 6, **kwargs)


def test_classifier_rejects_lengths_that_do_not_match_the_batch():
    model = WordClassifier(10, 6)
    with pytest.raises(ValueError, match=r"ids \(B, T\) and lengths \(B,\)"):
        model(torch.ones(3, 4, dtype=torch.long), torch.tensor([4, 4]))


def _tiny_task():
    """Two made-up 'languages': words of a/b letters and words of x/y letters."""
    g = torch.Generator().manual_seed(0)

    def words(alphabet, n):
        return tuple("".join(alphabet[i] for i in torch.randint(2, (int(torch.randint(3, 7, (1,), generator=g)),),
                                                                  generator=g)) for _ in range(n))

    def make(n):
        w = words("ab", n) + words("xy", n)
        return WordSet(w, torch.tensor([0] * n + [1] * n), torch.zeros(2 * n, 6))

    return make(60), make(20)


def test_training_learns_a_separable_task_and_keeps_the_best_epoch():
    train, validation = _tiny_task()
    vocab = CharVocabulary(train.words)
    torch.manual_seed(0)
    model = WordClassifier(len(vocab), 2, hidden_size=8)
    history = train_classifier(model, vocab, train, validation, max_epochs=6, batch_size=16, lr=0.03,
                               patience=2, generator=torch.Generator().manual_seed(0))
    assert not model.training
    assert history.validation_accuracy[history.best_epoch] == max(history.validation_accuracy) == 1.0
    probs = predict_proba(model, vocab, ["abba", "xyxy"])
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))
    assert probs.argmax(-1).tolist() == [0, 1]


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    train, validation = _tiny_task()
    vocab = CharVocabulary(train.words)
    model = WordClassifier(len(vocab), 2, hidden_size=8)
    history = train_classifier(model, vocab, train, validation, max_epochs=50, batch_size=16, lr=0.03,
                               patience=1, generator=torch.Generator().manual_seed(0))
    assert len(history.train_loss) == history.best_epoch + 2 or len(history.train_loss) == 50


def test_training_rejects_a_non_positive_epoch_count():
    train, validation = _tiny_task()
    vocab = CharVocabulary(train.words)
    with pytest.raises(ValueError, match="max_epochs"):
        train_classifier(WordClassifier(len(vocab), 2), vocab, train, validation, max_epochs=0)


# --- baseline and metrics ---------------------------------------------------------------------------------------


def test_char_ngrams_mark_the_word_boundaries():
    assert char_ngrams("ab", 3) == ["<", "a", "b", ">", "<a", "ab", "b>", "<ab", "ab>"]


def test_naive_bayes_scores_equal_a_direct_count():
    words, labels = ["aab", "abb", "xy"], torch.tensor([0, 0, 1])
    model = NgramNaiveBayes(max_n=1, alpha=1.0).fit(words, labels, 2)
    grams = sorted({"<", ">", "a", "b", "x", "y"})  # G = 6
    count0 = {"<": 2, ">": 2, "a": 3, "b": 3}  # class 0 has 10 unigrams
    expected = torch.log(torch.tensor(2 / 3)) + sum(
        torch.log(torch.tensor((count0.get(g, 0) + 1) / (10 + 6))) for g in ["<", "b", "a", ">"])
    assert len(grams) == 6
    torch.testing.assert_close(model.log_scores(["ba"])[0, 0], expected.double())
    assert model.predict(["ab", "yx"]).tolist() == [0, 1]


def test_naive_bayes_skips_ngrams_never_seen_in_training():
    model = NgramNaiveBayes(max_n=1, alpha=1.0).fit(["aab", "abb", "xy"], torch.tensor([0, 0, 1]), 2)
    torch.testing.assert_close(model.log_scores(["bza"]), model.log_scores(["ba"]))  # "z" was never counted


def test_naive_bayes_rejects_scoring_before_fit_bad_alpha_and_a_single_string():
    with pytest.raises(ValueError, match="call fit"):
        NgramNaiveBayes().log_scores(["abc"])
    with pytest.raises(ValueError, match="alpha"):
        NgramNaiveBayes(alpha=0)
    with pytest.raises(TypeError, match="alpha"):
        NgramNaiveBayes(alpha="0.1")
    model = NgramNaiveBayes(max_n=1).fit(["ab", "cd"], torch.tensor([0, 1]), 2)
    with pytest.raises(TypeError, match="single string"):
        model.log_scores("ab")
    with pytest.raises(TypeError, match="single string"):
        NgramNaiveBayes().fit("ab", torch.tensor([0, 1]), 2)


def test_confusion_matrix_rows_are_true_classes():
    matrix = confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 0, 1, 2]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert per_class_accuracy(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 0, 1, 2]), 3).tolist() == [0.5, 1, 1]
    assert accuracy(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 0, 1, 2])) == 0.75
    with pytest.raises(ValueError, match=r"\(N,\)"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 2)


# --- the "type a word" app ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_identifier():
    train, _ = _tiny_task()
    vocab = CharVocabulary(train.words)
    torch.manual_seed(0)
    model = WordClassifier(len(vocab), len(LANGUAGES), hidden_size=4)
    labels = torch.tensor([0, 3] * (len(train) // 2))
    baseline = NgramNaiveBayes(max_n=2).fit(train.words, labels, len(LANGUAGES))
    return model, vocab, baseline


def test_language_guesser_shows_both_models_probabilities_and_updates_when_typing(tiny_identifier):
    from lstm_course.widgets import language_guesser

    model, vocab, baseline = tiny_identifier
    app = language_guesser("abba", model=model, vocab=vocab, baseline=baseline)
    assert app.data["word"] == "abba" and set(app.data["probabilities"]) == {"BiLSTM", "n-gram naive Bayes"}
    for p in app.data["probabilities"].values():
        assert p.shape == (len(LANGUAGES),) and abs(float(p.sum()) - 1) < 1e-5
    assert "BiLSTM:" in app.readout and "n-gram naive Bayes:" in app.readout
    updates = app.updates
    app.word.value = "  XYZ "
    assert app.updates == updates + 1 and app.data["word"] == "xyz" and app.data["unknown"] == ["z"]
    assert "<unk>" in app.readout
    bundle = app._repr_mimebundle_()
    assert bundle["image/png"] and "Which language" in bundle["text/plain"]


def test_language_guesser_keeps_its_figure_and_says_what_to_type_on_bad_input(tiny_identifier):
    from lstm_course.widgets import LanguageGuesser

    model, vocab, baseline = tiny_identifier
    app = LanguageGuesser("abba", model=model, vocab=vocab)
    figure = app.figure
    app.word.value = "two words"
    assert app.figure is figure and "one word of letters" in app.readout
    with pytest.raises(ValueError, match="word of letters"):
        LanguageGuesser("", model=model, vocab=vocab)
    with pytest.raises(TypeError, match="word must be a str"):
        LanguageGuesser(3, model=model, vocab=vocab)
    with pytest.raises(ValueError, match="vocab="):
        LanguageGuesser("abba", model=model)


def test_trained_language_identifier_is_cached_and_beats_chance():
    from lstm_course.language_id import trained_language_identifier

    first = trained_language_identifier(0)
    assert trained_language_identifier(0) is first and not first.model.training
    _, validation, _ = fixed_split()
    guesses = predict_proba(first.model, first.vocab, validation.words).argmax(-1)
    assert accuracy(guesses, validation.labels) > 0.6
    assert accuracy(first.baseline.predict(validation.words), validation.labels) > 0.6


# --- the lesson's figures ---------------------------------------------------------------------------------------------


def test_confusion_matrix_figure_labels_every_cell_with_its_count():
    from lstm_course.plots import plot_confusion_matrix

    fig = plot_confusion_matrix(torch.tensor([[5, 1], [0, 3]]), ["en", "fr"], title="t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "0", "3"]
    assert ax.images[0].get_array()[0, 0] == pytest.approx(5 / 6)  # coloured by the share of its row
    with pytest.raises(ValueError, match=r"\(C, C\) with C = 3"):
        plot_confusion_matrix(torch.zeros(2, 2), ["en", "fr", "de"])


def test_class_probability_bars_have_one_group_per_model():
    from lstm_course.plots import plot_class_probabilities

    fig = plot_class_probabilities({"a": torch.tensor([0.2, 0.8]), "b": [0.5, 0.5]}, ["en", "fr"])
    widths = sorted(round(p.get_width(), 3) for p in fig.axes[0].patches)
    assert widths == [0.2, 0.5, 0.5, 0.8]
    with pytest.raises(ValueError, match=r"must be \(C,\) = \(2,\)"):
        plot_class_probabilities({"a": [1.0]}, ["en", "fr"])
