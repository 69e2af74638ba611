"""Misspelt call-type words: one keystroke from exactly one word the protocol's phrases know.

A centre's call-type list is typed once by whoever set up the CAD and then read all day, typos and all
("TRESSPASSING", "BEHAVORIAL HEALTH", "SUICIDIAL SUBJECT"); a word the phrases do not know reads as nothing and
the call falls to the default. Only call types are corrected: they are a closed set, so each correction is made
once and remembered with the call type's reading, and a short capitalised label has few ordinary English words
that are one keystroke from a cue word.

Narratives are free text full of names and words no phrase knows, where a letter left out turns real words into
cue words ("stuck" into "struck", "friend" into "friends"). There only the slips of a doubled letter are restored
("SUBJ STABED WIFE", "HITING HER", "BEATTING") with transpositions, and only into the first word of a phrase of
danger (`vocabulary.spelled_in_narratives`): a correction can only make a call more guarded. Over the 6,198
development narratives that corrects seven words, each rightly ("nieghbor", "vomitting").

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
CACHE_SIZE = 20_000
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Speller:
    """Corrects a word to the one known word a typing slip away, if there is exactly one."""

    def __init__(
        self,
        words: Iterable[str],
        stems: Iterable[str],
        *,
        also_known: Iterable[str] = (),
        min_length: int = MIN_LENGTH,
        doubling_only: bool = False,
    ) -> None:
        # `words` are those a slip may be corrected to; `also_known` are never corrected, nor corrected to.
        self._words = frozenset(words)
        self._known = self._words | frozenset(also_known)
        # Prefix patterns ("suicid*") know every word they start; short stems would know too much.
        self._stems = tuple(sorted({stem for stem in stems if len(stem) >= 5}))
        self._min_length = min_length
        self._slips = _doubling_slips if doubling_only else _slips
        self._seen: dict[str, str] = {}

    def knows(self, word: str) -> bool:
        """Whether a phrase could read this word as written."""
        return word in self._known or any(word.startswith(stem) for stem in self._stems)

    def correct(self, word: str) -> str:
        """The word, or the single known word one typing slip from it."""
        if len(word) < self._min_length or not word.isalpha():
            return word
        found = self._seen.get(word)
        if found is None:  # words repeat across calls; trying every slip costs ~26 lookups per letter
            if len(self._seen) >= CACHE_SIZE:
                self._seen.clear()
            found = self._seen[word] = self._correction(word)
        return found

    def _correction(self, word: str) -> str:
        if self.knows(word):
            return word
        found = {variant for variant in self._slips(word) if variant in self._words}
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


def _doubling_slips(word: str) -> Iterator[str]:
    """Every word a doubled letter, written once or twice too many, or two letters swapped from `word`."""
    for i in range(1, len(word)):
        if word[i] == word[i - 1]:
            yield word[:i] + word[i + 1 :]  # a letter doubled
        yield word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # two letters swapped
    for i in range(len(word)):
        yield word[: i + 1] + word[i] + word[i + 1 :]  # a doubled letter written once
