"""Misspelt call-type words: one keystroke from exactly one word the protocol's phrases know.

A centre's call-type list is typed once by whoever set up the CAD and then read all day, typos and all
("TRESSPASSING", "BEHAVORIAL HEALTH", "SUICIDIAL SUBJECT"); a word the phrases do not know reads as nothing and
the call falls to the default. Only call types are corrected: they are a closed set, so each correction is made
once and remembered with the call type's reading, and a short capitalised label has few ordinary English words
that are one keystroke from a cue word. Narratives are left as written.

The slips allowed are the common ones that rarely turn one real word into another: a letter left out, but
never the first ("LACERATIO"; a first letter added would turn "LURRING", luring misspelt, into "slurring"), a
letter doubled ("TRESSPASSING", "HARRASSING") and two letters swapped. A letter struck for another, or any other
letter added, is not: "lighting" is one letter from "fighting", "peeping" one from "peeing", "blocking" one from
"locking". A word is corrected only to a word the phrases spell out whole (a prefix pattern such as `prost*`
would take "prostest" for "protest"), only when exactly one known word is that close, and never when it is
itself known.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

MIN_LENGTH = 7  # shorter words are too often one keystroke from another real word
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Speller:
    """Corrects a word to the one known word a typing slip away, if there is exactly one."""

    def __init__(self, words: Iterable[str], stems: Iterable[str]) -> None:
        self._words = frozenset(words)
        # Prefix patterns ("suicid*") know every word they start; short stems would know too much.
        self._stems = tuple(sorted({stem for stem in stems if len(stem) >= 5}))

    def knows(self, word: str) -> bool:
        """Whether a phrase could read this word as written."""
        return word in self._words or any(word.startswith(stem) for stem in self._stems)

    def correct(self, word: str) -> str:
        """The word, or the single known word one typing slip from it."""
        if len(word) < MIN_LENGTH or not word.isalpha() or self.knows(word):
            return word
        found = {variant for variant in _slips(word) if variant in self._words}
        return found.pop() if len(found) == 1 else word


def _slips(word: str) -> Iterator[str]:
    """Every word one common typing slip from `word`."""
    for i in range(1, len(word)):
        if word[i] == word[i - 1]:
            yield word[:i] + word[i + 1 :]  # a letter doubled
        yield word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # two letters swapped
    for i in range(1, len(word) + 1):  # never before the first letter: "LURRING" is not "slurring"
        for letter in _LETTERS:
            yield word[:i] + letter + word[i:]  # a letter left out
