"""Derive `lstm_course/data/language_words.tsv` from wordfreq's word lists.

    pip install -c constraints.txt -e '.[data]'    # wordfreq, for this script only
    python -m tools.derive_language_words           # writes the file
    python -m tools.derive_language_words --check   # exits 1 if the shipped file differs

The course reads the shipped file and never imports wordfreq. wordfreq (Speer 2022, version 3.1.1)
ships its frequency lists under CC BY-SA 4.0, so the derived file carries that licence; see
`lstm_course/data/README.md` for the attribution.

The rules, in order (all deterministic, so the output is the same byte for byte on every run):

1. For each language, walk wordfreq's "large" list from the most frequent word down.
2. Keep a word if it is 3 to 14 letters long and every character is a letter of that language's
   alphabet (a-z plus its accented letters). wordfreq's lists are already lower-cased (case-folded,
   so German "ß" is written "ss"); digits, apostrophes, hyphens and foreign letters drop the word.
3. Stop at the first `POOL` such words: the language's candidate pool.
4. A spelling found in more than one language's pool ("taxi", "hotel", "die", "de") is dropped from
   every pool: its label would be a coin toss, not a property of its letters.
5. Keep the first `PER_LANGUAGE` remaining words of each pool, so every language has the same count.

Each row also gives the word's Zipf frequency (log10 of occurrences per billion words, 0 if absent)
in every language's large list, so a lesson can show which errors are spellings another language
also uses, without wordfreq.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

LANGUAGES = ("en", "fr", "de", "es", "it", "nl")
LATIN = "abcdefghijklmnopqrstuvwxyz"
ALPHABETS = {
    "en": LATIN,
    "fr": LATIN + "àâæçéèêëîïôœùûüÿ",
    "de": LATIN + "äöü",
    "es": LATIN + "áéíñóúü",
    "it": LATIN + "àèéìíîòóù",
    "nl": LATIN + "áéèëïóöü",
}
MIN_LENGTH, MAX_LENGTH = 3, 14
POOL = 5000
PER_LANGUAGE = 3500
WORDFREQ_VERSION = "3.1.1"
OUTPUT = Path(__file__).resolve().parent.parent / "lstm_course" / "data" / "language_words.tsv"


def is_word(word: str, language: str) -> bool:
    """Rule 2: a lower-case word of 3 to 14 letters of the language's alphabet."""
    alphabet = ALPHABETS[language]
    return MIN_LENGTH <= len(word) <= MAX_LENGTH and all(ch in alphabet for ch in word)


def pools(top_words) -> dict[str, list[str]]:
    """Rules 1-3: each language's first POOL words that pass `is_word`, most frequent first.

    `top_words(language)` yields the language's words from the most frequent down.
    """
    result = {}
    for language in LANGUAGES:
        pool = []
        for word in top_words(language):
            if is_word(word, language):
                pool.append(word)
                if len(pool) == POOL:
                    break
        if len(pool) < POOL:
            raise ValueError(f"{language}: only {len(pool)} words pass the filter, {POOL} needed")
        result[language] = pool
    return result


def shared_spellings(candidate_pools: dict[str, list[str]]) -> set[str]:
    """Rule 4: spellings in more than one language's pool."""
    seen: dict[str, int] = {}
    for pool in candidate_pools.values():
        for word in set(pool):
            seen[word] = seen.get(word, 0) + 1
    return {word for word, count in seen.items() if count > 1}


def select(candidate_pools: dict[str, list[str]]) -> tuple[dict[str, list[str]], set[str]]:
    """Rules 4-5: drop shared spellings, keep PER_LANGUAGE words per language."""
    shared = shared_spellings(candidate_pools)
    chosen = {}
    for language, pool in candidate_pools.items():
        kept = [word for word in pool if word not in shared]
        if len(kept) < PER_LANGUAGE:
            raise ValueError(f"{language}: {len(kept)} words left after dropping shared ones, {PER_LANGUAGE} needed")
        chosen[language] = kept[:PER_LANGUAGE]
    return chosen, shared


def zipf(frequency: float) -> str:
    """A frequency as a Zipf value with one decimal, by integer rounding so every platform agrees."""
    if frequency <= 0:
        return "0.0"
    centibels = round(100 * math.log10(frequency)) + 900  # wordfreq stores frequencies in whole centibels
    tenths = (centibels + 5) // 10
    return f"{tenths // 10}.{tenths % 10}"


def render(chosen: dict[str, list[str]], frequencies: dict[str, dict[str, float]]) -> str:
    """The TSV text: a header, then one row per word, languages in LANGUAGES order, frequent words first."""
    lines = ["word\tlanguage\t" + "\t".join(f"zipf_{lang}" for lang in LANGUAGES)]
    for language in LANGUAGES:
        for word in chosen[language]:
            zipfs = "\t".join(zipf(frequencies[lang].get(word, 0.0)) for lang in LANGUAGES)
            lines.append(f"{word}\t{language}\t{zipfs}")
    return "\n".join(lines) + "\n"


def derive() -> tuple[str, dict]:
    """Build the file's text from the installed wordfreq; also return counts for the report."""
    try:
        import wordfreq
    except ImportError as error:
        raise RuntimeError("this script needs wordfreq: pip install -c constraints.txt -e '.[data]'") from error
    from importlib.metadata import version

    if version("wordfreq") != WORDFREQ_VERSION:
        raise RuntimeError(f"expected wordfreq {WORDFREQ_VERSION} (the pinned version), found {version('wordfreq')}")
    frequencies = {lang: wordfreq.get_frequency_dict(lang, "large") for lang in LANGUAGES}
    candidate_pools = pools(lambda lang: wordfreq.iter_wordlist(lang, "large"))
    chosen, shared = select(candidate_pools)
    dropped = {lang: sum(word in shared for word in pool) for lang, pool in candidate_pools.items()}
    stats = {"shared spellings": len(shared), "pool entries dropped": dropped}
    return render(chosen, frequencies), stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args(argv)
    try:
        text, stats = derive()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.check:
        same = OUTPUT.read_bytes() == text.encode("utf-8")
        print(f"{OUTPUT.name}: {'identical to' if same else 'DIFFERS from'} a fresh derivation")
        return 0 if same else 1
    OUTPUT.write_bytes(text.encode("utf-8"))  # bytes: the same "\n" line ends on every platform
    size = len(text.encode("utf-8"))
    print(f"wrote {OUTPUT.name}: {size:,} bytes, {PER_LANGUAGE} words x {len(LANGUAGES)} languages")
    print(f"spellings in more than one language's pool of {POOL}, dropped: {stats['shared spellings']} "
          f"(entries per language: {stats['pool entries dropped']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
