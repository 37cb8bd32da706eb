"""The standard-library corpus: the fixed module list resolves here, the fallback, tokenize's ground truth."""

import sys

import pytest

from lstm_course.pycorpus import (
    ALPHABET,
    FALLBACK_TEXT,
    HELDOUT_MODULES,
    TRAIN_MODULES,
    UNKNOWN,
    clean,
    code_features,
    load_corpus,
    module_source_path,
    read_module,
)

MISSING = "no_such_module_in_any_standard_library"


@pytest.mark.parametrize("name", TRAIN_MODULES + HELDOUT_MODULES)
def test_every_listed_module_resolves_to_a_python_source_file(name):
    path = module_source_path(name)
    assert path is not None, f"{name} has no .py source on Python {sys.version.split()[0]}"
    assert path.suffix == ".py" and path.is_file()
    assert "def " in read_module(name)


def test_lists_are_disjoint_and_have_no_duplicates():
    assert len(set(TRAIN_MODULES)) == len(TRAIN_MODULES)
    assert len(set(HELDOUT_MODULES)) == len(HELDOUT_MODULES)
    assert not set(TRAIN_MODULES) & set(HELDOUT_MODULES)


def test_modules_without_source_resolve_to_none():
    assert module_source_path("sys") is None  # built into the interpreter
    assert module_source_path(MISSING) is None


def test_corpus_is_the_listed_files_split_by_file():
    corpus = load_corpus()
    assert corpus.is_python and not corpus.missing
    assert list(corpus.train_files) == list(TRAIN_MODULES)
    assert list(corpus.heldout_files) == list(HELDOUT_MODULES)
    assert corpus.train == "\n\n".join(read_module(name) for name in TRAIN_MODULES)
    assert corpus.heldout.startswith(read_module(HELDOUT_MODULES[0]))
    assert corpus.python == ".".join(map(str, sys.version_info[:3]))
    # the documented sizes hold within the drift between Python versions
    assert 1_400_000 < len(corpus.train) < 1_800_000 and 55_000 < len(corpus.heldout) < 80_000
    assert corpus.python in corpus.note


def test_a_missing_module_falls_back_to_the_shipped_text_and_says_so():
    corpus = load_corpus(train_modules=("argparse", MISSING))
    assert corpus.source == "fallback" and not corpus.is_python
    assert corpus.missing == (MISSING,)
    assert corpus.note.startswith("FALLBACK") and MISSING in corpus.note and FALLBACK_TEXT in corpus.note
    assert corpus.train.startswith("ALICE'S ADVENTURES IN WONDERLAND")
    assert 0.05 < len(corpus.heldout) / (len(corpus.train) + len(corpus.heldout)) < 0.15
    assert corpus.heldout not in corpus.train


@pytest.mark.parametrize("train, heldout, error", [
    ("argparse", HELDOUT_MODULES, TypeError),
    ((), HELDOUT_MODULES, ValueError),
    (("argparse", 3), HELDOUT_MODULES, TypeError),
    (("argparse", "shlex"), ("shlex",), ValueError),
])
def test_bad_module_lists_are_refused(train, heldout, error):
    with pytest.raises(error, match="module"):
        load_corpus(train, heldout)


def test_clean_maps_characters_outside_the_alphabet_to_unknown():
    assert len(ALPHABET) == 97 and ALPHABET[0] == UNKNOWN
    assert clean("a\tb\u00e9\n") == f"a{UNKNOWN}b{UNKNOWN}\n"


SOURCE = '''x = ("a(", [1,
     2])
if x:
    y = {'k': f"{x}"}  # (comment
z = 1
'''


def _at(source, values, needle, occurrence=0):
    index = -1
    for _ in range(occurrence + 1):
        index = source.index(needle, index + 1)
    return values[index]


def test_code_features_marks_strings_brackets_and_indentation():
    f = code_features(SOURCE)
    assert len(f.in_string) == len(f.bracket_depth) == len(f.indent_depth) == len(SOURCE)
    strings = "".join(ch for ch, inside in zip(SOURCE, f.in_string) if inside)
    assert strings == '"a("' + "'k'" + 'f"{x}"'
    # the bracket inside "a(" and inside the comment do not count; the newline inside [...] is at depth 2
    assert _at(SOURCE, f.bracket_depth, "x") == 0
    assert _at(SOURCE, f.bracket_depth, "(") == 1 and _at(SOURCE, f.bracket_depth, "[") == 2
    assert _at(SOURCE, f.bracket_depth, "\n") == 2
    assert _at(SOURCE, f.bracket_depth, "])") == 2 and _at(SOURCE, f.bracket_depth, ")\n") == 1
    assert _at(SOURCE, f.bracket_depth, "if") == 0 and _at(SOURCE, f.bracket_depth, "comment") == 0
    assert _at(SOURCE, f.bracket_depth, "'k'") == 1
    assert _at(SOURCE, f.indent_depth, "if") == 0 and _at(SOURCE, f.indent_depth, "y =") == 1
    assert _at(SOURCE, f.indent_depth, "z =") == 0


def test_code_features_labels_an_f_string_the_same_on_every_python_version():
    # Python 3.12+ tokenizes the replacement field {g(x)} as separate tokens; its brackets are still string text
    source = 'w = [f"{g(x)}", 1]\n'
    f = code_features(source)
    assert "".join(ch for ch, inside in zip(source, f.in_string) if inside) == 'f"{g(x)}"'
    assert [_at(source, f.bracket_depth, needle) for needle in ("{g", "(x", "x)", ", 1")] == [1, 1, 1, 1]


def test_code_features_refuses_what_tokenize_cannot_read():
    with pytest.raises(ValueError, match="tokenize"):
        code_features("x = (1,\n")
    with pytest.raises(TypeError, match="str"):
        code_features(b"x = 1")
