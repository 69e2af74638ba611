"""Reading CAD text: normalisation, phrase matching, and the scope of negation, history and uncertainty.

Pure functions over strings. The vocabulary (abbreviations, cue words, concept phrases) comes from the protocol;
this module only knows how to apply it.

A phrase is a sequence of token patterns separated by spaces; a pattern is one or more alternatives separated by
`|`, each either a word or a prefix ending in `*` (`threaten* to kill|hurt himself|herself`). Matching is longest
first and consumes its tokens, so `kill himself` is read as self-harm and never as a threat to kill.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BREAK = "@break"
NEGATE_BEFORE = "@negate"
NEGATE_AFTER = "@negate_after"
HISTORY_BEFORE = "@history"
HISTORY_AFTER = "@history_after"
UNCERTAIN = "@uncertain"
UNCERTAIN_AFTER = "@uncertain_after"
UNKNOWN = "@unknown"
CUE_IDS = frozenset(
    {BREAK, NEGATE_BEFORE, NEGATE_AFTER, HISTORY_BEFORE, HISTORY_AFTER, UNCERTAIN, UNCERTAIN_AFTER, UNKNOWN}
)

CALL_TYPE_CACHE_SIZE = 20_000
_TOKEN = re.compile(r"[a-z0-9']+|[.;!?,]")
_LEADING_CODE = re.compile(r"^\d+[a-z]{0,2}\d*$")
_LIST_JOINERS = frozenset({"or", "nor"})  # not "and": "no weapons and threatening people"
_NON_PREFIX = re.compile(r"(?<![a-z])non-(?=[a-z])")


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in text: where, the words as written (normalised), and how it is qualified."""

    concept: str
    text: str
    start: int
    negated: bool = False
    historical: bool = False
    uncertain: bool = False


@dataclass(slots=True)
class _Phrase:
    concepts: list[
        str
    ]  # a phrase may mean several things: "took pills" is an attempt and a medical emergency
    patterns: tuple[tuple[str, ...], ...]  # per token: alternatives; a trailing "*" marks a prefix


def _token_matches(token: str, alternatives: tuple[str, ...]) -> bool:
    for alt in alternatives:
        if alt.endswith("*"):
            if token.startswith(alt[:-1]):
                return True
        elif token == alt:
            return True
    return False


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
    ) -> None:
        # Longest replacement first, so "ip/jo" wins over "i/p"; bounded by non-letters on both sides.
        ordered = sorted(replacements, key=len, reverse=True)
        self._replace = re.compile("|".join(_bounded(k) for k in ordered)) if ordered else None
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
        self.scope_window = scope_window
        self.qualifier_window = max(qualifier_window, scope_window)
        self._call_types: dict[str, tuple[Mention, ...]] = {}
        self._exact: dict[str, list[_Phrase]] = {}
        self._prefix: dict[str, list[tuple[str, _Phrase]]] = {}
        self._by_patterns: dict[tuple[tuple[str, ...], ...], _Phrase] = {}
        for concept, items in phrases.items():
            for entry in items:
                for text in entry.split(" | "):
                    self._add(concept, text)
        for bucket in self._exact.values():
            bucket.sort(key=lambda p: len(p.patterns), reverse=True)

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
        if self._upper is not None:
            text = self._upper.sub(lambda m: f" {self._upper_words[m.group(0)]} ", text)
        lowered = normalise(text)
        if self._replace is not None:
            lowered = self._replace.sub(lambda m: f" {self._replacements[m.group(0)]} ", lowered)
        raw = _TOKEN.findall(lowered.replace("_", " "))
        if drop_leading_codes:
            while raw and (
                raw[0] in ".,;" or (_LEADING_CODE.match(raw[0]) and raw[0] not in self._keep_codes)
            ):
                raw.pop(0)
        out: list[str] = []
        for token in raw:
            # Quotes and possessives are not words: "'kill" is "kill", "gun's" is "gun".
            token = token.strip("'")
            if token.endswith("'s"):
                token = token[:-2]
            if token:
                out.extend(self._abbreviations.get(token, (token,)))
        return out

    def _candidates(self, token: str) -> list[_Phrase]:
        found = list(self._exact.get(token, ()))
        for stem, phrase in self._prefix.get(token[:2], ()):
            if token.startswith(stem):
                found.append(phrase)
        return found

    def _match_at(self, tokens: Sequence[str], i: int) -> tuple[list[str], int] | None:
        # The longest phrase wins; phrases of that same length all count ("cut her wrists" is an attempt and a
        # medical emergency even when the two concepts spell it differently).
        concepts: list[str] = []
        best = 0
        for phrase in self._candidates(tokens[i]):
            n = len(phrase.patterns)
            if i + n > len(tokens) or n < best:
                continue
            if all(_token_matches(tokens[i + k], phrase.patterns[k]) for k in range(1, n)):
                if n > best:
                    best, concepts = n, []
                concepts.extend(c for c in phrase.concepts if c not in concepts)
        return (concepts, best) if best else None

    def spans(self, tokens: Sequence[str]) -> list[tuple[str, int, int]]:
        """Every phrase found, longest first at each position, as (concept, start, end); a phrase with several
        meanings gives one span per concept, at the same place."""
        found: list[tuple[str, int, int]] = []
        i = 0
        while i < len(tokens):
            if tokens[i] in ".;!?,":
                found.append((BREAK, i, i + 1))
                i += 1
                continue
            match = self._match_at(tokens, i)
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
            return self._read(text, call_type=False)
        found = self._call_types.get(text)
        if found is None:
            if len(self._call_types) >= CALL_TYPE_CACHE_SIZE:
                self._call_types.clear()
            found = self._call_types[text] = self._read(text, call_type=True)
        return found

    def _read(self, text: str, *, call_type: bool) -> tuple[Mention, ...]:
        tokens = self.tokens(text, drop_leading_codes=call_type)
        spans = self.spans(tokens)
        result: list[Mention] = []
        for index, (concept, start, end) in enumerate(spans):
            if concept in CUE_IDS:
                continue
            before = self._cue_before(spans, index, start, tokens)
            if before == UNKNOWN:
                continue  # "don't know if he has a gun": a question nobody answered, neither yes nor no
            after = self._cue_after(spans, index, end)
            # "hasn't hit her yet": a denial that expects the thing is no denial.
            uncertain = before == UNCERTAIN or after == UNCERTAIN_AFTER
            result.append(
                Mention(
                    concept=concept,
                    text=" ".join(tokens[start:end]),
                    start=start,
                    negated=not uncertain and (before == NEGATE_BEFORE or after == NEGATE_AFTER),
                    historical=before == HISTORY_BEFORE or after == HISTORY_AFTER,
                    uncertain=uncertain,
                )
            )
        return tuple(result)

    def _cue_before(
        self, spans: Sequence[tuple[str, int, int]], index: int, start: int, tokens: Sequence[str]
    ) -> str | None:
        # The nearest cue before the mention, in the same clause and within the window, governs it, unless another
        # concept stands between. A list carries the cue on: in "no weapons or violence" the "no" reaches
        # "violence" through "weapons or".
        for concept, span_start, span_end in reversed(spans[:index]):
            distance = start - span_end
            if concept == BREAK or distance > self.qualifier_window:
                return None
            if concept == NEGATE_BEFORE:  # a denial reaches only nearby words: denying a danger is the risky error
                return concept if distance <= self.scope_window else None
            if concept in (HISTORY_BEFORE, UNCERTAIN, UNKNOWN):
                return concept
            if concept in CUE_IDS or span_end > start:  # a cue of another kind, or another meaning of our words
                continue
            if not _LIST_JOINERS.issuperset(tokens[span_end:start]):
                return None  # another concept stands between: "no weapons and threatening" denies only weapons
            start = span_start
        return None

    def _cue_after(self, spans: Sequence[tuple[str, int, int]], index: int, end: int) -> str | None:
        for concept, cue_start, _ in spans[index + 1 :]:
            if cue_start < end:  # another meaning of the same words
                continue
            if concept == BREAK or cue_start - end > 3:
                return None
            if concept in (NEGATE_AFTER, HISTORY_AFTER, UNCERTAIN_AFTER):
                return concept
            if concept not in CUE_IDS:
                return None
        return None


def _bounded(key: str) -> str:
    # "w/" may run into the next word ("w/knife"); a key ending in a letter may not ("i/p" in "i/pad").
    tail = r"(?![a-z0-9])" if key[-1].isalnum() else ""
    return r"(?<![a-z0-9])" + re.escape(key) + tail


def normalise(text: str) -> str:
    """Lower case without accents ("convulsión" is "convulsion"), with hyphens and slashes between words made
    spaces (but kept inside `i/p`-style shorthand)."""
    lowered = text.lower().replace("\u2019", "'")
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = _NON_PREFIX.sub("non", lowered)  # "non-crim": the prefix belongs to its word, it negates no other
    lowered = re.sub(r"(?<=[a-z]{3})[-/](?=[a-z]{3})", " ", lowered)
    return re.sub(r"\s+", " ", lowered).strip()
