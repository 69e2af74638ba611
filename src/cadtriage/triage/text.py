"""Reading CAD text: normalisation and phrase matching; the cues' scope is `scope`.

Pure functions over strings. The vocabulary (abbreviations, cue words, concept phrases) comes from the protocol;
this module only knows how to apply it.

A phrase is a sequence of token patterns separated by spaces; a pattern is one or more alternatives separated by
`|`, each either a word or a prefix ending in `*` (`threaten* to kill|hurt himself|herself`); after the first
word, `*` alone is any one word, never a clause mark (`took all his * pills`). Matching is longest first and
consumes its tokens, so `kill himself` is read as self-harm and never as a threat to kill.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cadtriage.triage.scope import BREAK, CLAUSE_MARKS, Mention, Scope
from cadtriage.triage.spelling import Speller

CALL_TYPE_CACHE_SIZE = 20_000
NARRATIVE_MIN_LENGTH = 5  # "STABED", "HITING": danger words are short
WORD_CACHE_SIZE = 50_000
# "?" is no clause mark: CAD remarks ask and answer in one breath ("WPNS? NEG").
_TOKEN = re.compile(r"[a-z0-9']+|[.;!,/]")
# A question answered in the remarks ("WEAPONS? NO. VIOLENCE? NO"): the answer denies the question's word, and
# ends there rather than reaching the next question.
_ANSWERED_NO = re.compile(r"\?\s*(?:no|neg|negative|none|nope|denies|denied)\b")
_LEADING_CODE = re.compile(r"^\d+[a-z]{0,2}\d*$")
_HYPHENED_WORDS = re.compile(r"(?<=[a-z]{3})-(?=[a-z]{3})")
_SLASH = "/"
_POSSESSIVE = re.compile(r"(?<=[a-z0-9])'s\b")
_QUOTES = re.compile(r"(?<![a-z0-9])'|'(?![a-z0-9])")
_NON_PREFIX = re.compile(r"(?<![a-z])non-(?=[a-z])")
_JOINED_WORDS = re.compile(r"(?<=[a-z]{3})[-/](?=[a-z]{3})")
# Some CAD lists fuse the discipline's letter to the call type ("EChest Pain", "FRiver Rescue"): E for EMS, F for
# fire, L or P for law enforcement. Only before a capitalised word, so "EDP" and "FALLS" keep their first letter.
_DISCIPLINE_LETTER = re.compile(r"^\s*[EFLP](?=[A-Z][a-z]{2})")


@dataclass(frozen=True, slots=True)
class Reading:
    """A text read once: its words, the phrases and cues found in them (concept, start, end), and the mentions."""

    tokens: tuple[str, ...]
    spans: tuple[tuple[str, int, int], ...]
    mentions: tuple[Mention, ...]


@dataclass(slots=True)
class _Phrase:
    concepts: list[
        str
    ]  # a phrase may mean several things: "took pills" is an attempt and a medical emergency
    patterns: tuple[tuple[str, ...], ...]  # per token: alternatives; a trailing "*" marks a prefix
    # The same, compiled for matching the words after the first: per word, exact words and prefixes.
    rest: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = ()
    length: int = 0

    def __post_init__(self) -> None:
        self.length = len(self.patterns)
        self.rest = tuple(
            (
                frozenset(a for a in alts if not a.endswith("*")),
                tuple(a[:-1] for a in alts if a.endswith("*")),
            )
            for alts in self.patterns[1:]
        )

    def matches_after(self, tokens: Sequence[str], i: int) -> bool:
        """Whether the words after the first match, the first being at `tokens[i]`."""
        k = i
        for exact, prefixes in self.rest:
            k += 1
            token = tokens[k]
            if token in exact:
                continue
            # A bare `*` is the empty prefix: any word, but a phrase never reaches across a clause mark.
            if not prefixes or not token.startswith(prefixes) or token in CLAUSE_MARKS:
                return False
        return True


@dataclass(frozen=True, slots=True)
class _Start:
    """The phrases that begin with one word: its one-word meanings, and its longer phrases (longest first) with
    the words that may follow it, so most positions are settled by one set lookup."""

    single: list[str]
    longer: tuple[_Phrase, ...]
    next_words: frozenset[str]
    next_prefixes: tuple[str, ...]
    any: bool

    @classmethod
    def of(cls, phrases: Sequence[_Phrase]) -> _Start:
        longer = tuple(sorted((p for p in phrases if p.length > 1), key=lambda p: p.length, reverse=True))
        single: list[str] = []
        for phrase in phrases:
            if phrase.length == 1:
                single.extend(c for c in phrase.concepts if c not in single)
        words = frozenset(w for p in longer for w in p.rest[0][0])
        prefixes = tuple(sorted({w for p in longer for w in p.rest[0][1]}))
        return cls(single, longer, words, prefixes, bool(phrases))

    def may_continue(self, word: str) -> bool:
        """Whether some longer phrase can go on with this next word."""
        return word in self.next_words or (bool(self.next_prefixes) and word.startswith(self.next_prefixes))


class Lexicon:
    """The compiled vocabulary: text replacements, token abbreviations, cues and concept phrases."""

    def __init__(
        self,
        replacements: Mapping[str, str],
        abbreviations: Mapping[str, str],
        phrases: Mapping[str, Iterable[str]],
        keep_codes: Iterable[str] = (),
        scope_window: int = 5,
        qualifier_window: int = 5,
        upper_abbreviations: Mapping[str, str] | None = None,
        spelled_in_narratives: Iterable[str] = (),
        slash_lists: Iterable[str] = (),
    ) -> None:
        # Longest replacement first, so "ip/jo" wins over "i/p"; bounded by non-letters on both sides.
        ordered = sorted(replacements, key=len, reverse=True)
        self._replace = _replacement_pattern(ordered) if ordered else None
        self._replacements = dict(replacements)
        # Shorthand that is a word in another sense when not in capitals ("SI" and Spanish "si"): expanded only as
        # written in capitals, standing alone (not inside "SI/HI", which the replacements read whole).
        upper = dict(upper_abbreviations or {})
        self._upper = (
            re.compile(r"(?<![A-Za-z0-9/])(?:" + "|".join(map(re.escape, upper)) + r")(?![A-Za-z0-9/])")
            if upper
            else None
        )
        self._upper_words = upper
        self._abbreviations = {k: tuple(v.split()) for k, v in abbreviations.items()}
        self._keep_codes = frozenset(keep_codes)
        self._scope = Scope(scope_window, max(qualifier_window, scope_window), frozenset(slash_lists))
        self._call_types: dict[str, tuple[Mention, ...]] = {}
        self._starting: dict[str, _Start] = {}
        self._exact: dict[str, list[_Phrase]] = {}
        self._prefix: dict[str, list[tuple[str, _Phrase]]] = {}
        self._by_patterns: dict[tuple[tuple[str, ...], ...], _Phrase] = {}
        for concept, items in phrases.items():
            for entry in items:
                for text in entry.split(" | "):
                    self._add(concept, text)
        alternatives = {alt for patterns in self._by_patterns for word in patterns for alt in word}
        words = {alt for alt in alternatives if not alt.endswith("*")} | set(self._abbreviations)
        stems = {alt[:-1] for alt in alternatives if alt.endswith("*")}
        self._speller = Speller(words, stems)
        # In narratives only into the first word of a phrase of danger: see `spelling`.
        spelled_concepts = frozenset(spelled_in_narratives)
        first_words = {
            alt
            for patterns, phrase in self._by_patterns.items()
            if not spelled_concepts.isdisjoint(phrase.concepts)
            for alt in patterns[0]
            if not alt.endswith("*") and len(alt) >= NARRATIVE_MIN_LENGTH
        }
        self._narrative_speller = (
            Speller(first_words, stems, also_known=words, min_length=NARRATIVE_MIN_LENGTH, doubling_only=True)
            if first_words
            else None
        )

    def _add(self, concept: str, text: str) -> None:
        patterns = tuple(tuple(alt for alt in word.split("|")) for word in normalise(text).split())
        if not patterns:
            raise ValueError(f"empty phrase for concept {concept!r}")
        known = self._by_patterns.get(patterns)
        if known is not None:
            if concept not in known.concepts:
                known.concepts.append(concept)
            return
        phrase = self._by_patterns[patterns] = _Phrase([concept], patterns)
        for alt in patterns[0]:
            if alt.endswith("*"):
                stem = alt[:-1]
                if len(stem) < 2:
                    raise ValueError(f"prefix {alt!r} in {concept!r} is too short to be safe")
                self._prefix.setdefault(stem[:2], []).append((stem, phrase))
            else:
                self._exact.setdefault(alt, []).append(phrase)

    def tokens(self, text: str, *, drop_leading_codes: bool = False) -> list[str]:
        """Normalise text into tokens: lower case, shorthand expanded, punctuation kept only as clause marks."""
        return self._words(text, drop_leading_codes)[0]

    def _words(self, text: str, drop_leading_codes: bool) -> tuple[list[str], frozenset[int]]:
        # The tokens, and the places a slash stood before one: in CAD remarks a slash ends what a denial denies
        # ("NO DRUGS/OD"), and the words alone do not show it.
        if drop_leading_codes:
            text = _DISCIPLINE_LETTER.sub("", text)
        if self._upper is not None and any(word in text for word in self._upper_words):
            text = self._upper.sub(lambda m: f" {self._upper_words[m.group(0)]} ", text)
        lowered = normalise(text, keep_slashes=True)
        if "?" in lowered:
            lowered = _ANSWERED_NO.sub(" none , ", lowered)
        if self._replace is not None:
            lowered = self._replace.sub(lambda m: f" {self._replacements[m.group(0)]} ", lowered)
        if "'" in lowered:  # quotes and possessives are not words: "'kill" is "kill", "gun's" is "gun"
            lowered = _QUOTES.sub(" ", _POSSESSIVE.sub("", lowered))
        raw = _TOKEN.findall(lowered.replace("_", " "))
        if drop_leading_codes:  # a call type: its codes go, and its typos are read as the word meant
            while raw and (
                raw[0] in ".,;/" or (_LEADING_CODE.match(raw[0]) and raw[0] not in self._keep_codes)
            ):
                raw.pop(0)
            raw = [self._speller.correct(token) for token in raw]
        elif self._narrative_speller is not None:  # a narrative: only a slip in a word of danger is restored
            raw = [self._narrative_speller.correct(token) for token in raw]
        expand = self._abbreviations.get
        out: list[str] = []
        slashed: set[int] = set()
        for token in raw:
            if token == _SLASH:
                slashed.add(len(out))
                continue
            words = expand(token)
            if words is None:
                out.append(token)
            else:
                out.extend(words)
        return out, frozenset(slashed)

    def _candidates(self, token: str) -> _Start:
        # The phrases that can start at a word; words repeat across calls, so this is remembered (bounded).
        found = self._starting.get(token)
        if found is None:
            phrases = list(self._exact.get(token, ()))
            phrases += [phrase for stem, phrase in self._prefix.get(token[:2], ()) if token.startswith(stem)]
            found = _Start.of(phrases)
            if len(self._starting) >= WORD_CACHE_SIZE:
                self._starting.clear()
            self._starting[token] = found
        return found

    def _match_at(self, tokens: Sequence[str], i: int, start: _Start) -> tuple[list[str], int] | None:
        # The longest phrase wins; phrases of that same length all count ("cut her wrists" is an attempt and a
        # medical emergency even when the two concepts spell it differently).
        concepts: list[str] = []
        best = 0
        if i + 1 < len(tokens) and start.may_continue(tokens[i + 1]):
            left = len(tokens) - i
            for phrase in start.longer:
                n = phrase.length
                if n < best:
                    break  # longest first: nothing shorter can win
                if n <= left and phrase.matches_after(tokens, i):
                    best = n
                    concepts.extend(c for c in phrase.concepts if c not in concepts)
        if not best and start.single:
            return start.single, 1
        return (concepts, best) if best else None

    def spans(self, tokens: Sequence[str]) -> list[tuple[str, int, int]]:
        """Every phrase found, longest first at each position, as (concept, start, end); a phrase with several
        meanings gives one span per concept, at the same place."""
        found: list[tuple[str, int, int]] = []
        i = 0
        while i < len(tokens):
            if tokens[i] in ".;!,":
                found.append((BREAK, i, i + 1))
                i += 1
                continue
            start = self._starting.get(tokens[i])
            if start is None:
                start = self._candidates(tokens[i])
            match = self._match_at(tokens, i, start) if start.any else None
            if match is None:
                i += 1
                continue
            concepts, n = match
            found.extend((concept, i, i + n) for concept in concepts)
            i += n
        return found

    def mentions(self, text: str, *, call_type: bool = False) -> tuple[Mention, ...]:
        """The concepts in a text, each qualified by the negation, history or uncertainty cues in its clause.

        A centre's call types are a closed set repeated all day, so their reading is remembered (bounded);
        narratives are free text and read every time.
        """
        if not call_type:
            return self.read(text).mentions
        found = self._call_types.get(text)
        if found is None:
            if len(self._call_types) >= CALL_TYPE_CACHE_SIZE:
                self._call_types.clear()
            found = self._call_types[text] = self.read(text, call_type=True).mentions
        return found

    def read(self, text: str, *, call_type: bool = False) -> Reading:
        """A text's words, phrases and mentions, read once (for whoever needs more than the mentions)."""
        tokens, slashed = self._words(text, call_type)
        spans = self.spans(tokens)
        return Reading(tuple(tokens), tuple(spans), self._scope.mentions(tokens, spans, slashed))


def _replacement_pattern(keys: Sequence[str]) -> re.Pattern[str]:
    # One word-start test for all keys, then the alternatives: 13x faster than a lookbehind per alternative.
    # "w/" may run into the next word ("w/knife"); a key ending in a letter may not ("i/p" in "i/pad").
    alternatives = "|".join(re.escape(k) + (r"(?![a-z0-9])" if k[-1].isalnum() else "") for k in keys)
    return re.compile(r"(?<![a-z0-9])(?:" + alternatives + ")")


# Letters of other scripts drawn like Latin ones. Inside a word that also has Latin letters ("knіfe" with a
# Cyrillic і) they are read as the Latin letter; a word wholly in another script is left as written.
_LOOKALIKES = str.maketrans("аеорсухіјѕԁһӏοαρτνκυ", "aeopcyxijsdhloaptvku")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")
# Latin letters no decomposition takes apart: Vietnamese "đánh" (hit) is "danh", not "anh".
_UNDECOMPOSED = str.maketrans({"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


def _latin_lookalikes(word: str) -> str:
    folded = word.translate(_LOOKALIKES)
    return folded if folded != word and _LATIN.intersection(word) else word


def normalise(text: str, *, keep_slashes: bool = False) -> str:
    """Lower case without accents ("convulsión" is "convulsion"), with hyphens and slashes between words made
    spaces (but kept inside `i/p`-style shorthand, and everywhere with `keep_slashes`). Invisible characters
    (zero-width spaces and joiners, soft hyphens, direction marks) are dropped and look-alike letters read as Latin
    inside Latin words, so that neither can hide a word from triage ("kn\u200bife" is "knife")."""
    lowered = text.lower().replace("\u2019", "'")
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered.translate(_UNDECOMPOSED))
        lowered = "".join(
            ch for ch in decomposed if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
        )
        lowered = " ".join(_latin_lookalikes(word) for word in lowered.split())
    if "-" in lowered or "/" in lowered:
        lowered = _NON_PREFIX.sub("non", lowered)  # "non-crim": the prefix negates its own word, no other
        lowered = (_HYPHENED_WORDS if keep_slashes else _JOINED_WORDS).sub(" ", lowered)
    return " ".join(lowered.split())
