"""A learned reader of the remarks, behind the rules: how much a narrative reads like the calls the programs keep
from a civilian team alone.

The phrase lists read what a call-taker would flag; on each new author's calls they missed the same kinds of
danger — threats in paraphrase ("he'll make me pay"), means named by circumstance ("bought a gun yesterday to end
things"), medical emergencies told by what happened ("heard her hip crack") — and tuning phrases on one author's
misses did not carry to the next. This reader weighs every word and word pair instead: a logistic model trained on
the development corpus (`tests/bench/train_reader.py`), shipped as a data file beside the protocol.

It can only hold a civilian team back. Its fact bars a civilian team (the protocol's structural guard), and the
rule it feeds sends a co-responder: it never sends police and never lowers a decision. What reassures is not read:
the cue words, what a denial covers and the reassurance concepts the protocol names ("no weapons", "calm and
cooperative", "NEG WPNS, not aggressive") leave the score as it was, so adding them can never raise it. Pure: no
I/O.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import pairwise

from cadtriage.triage.scope import BREAK, CLAUSE_MARKS, CUE_IDS
from cadtriage.triage.text import Reading


def features(reading: Reading, quiet: Collection[str], unread: Collection[str] = ()) -> frozenset[str]:
    """The words and adjacent word pairs of a narrative a reader weighs. A clause (between clause marks and the
    words that break one, such as "but") that denies something or reassures (a concept in `quiet`) is not read at
    all: "no wpns seen, not a threat" adds nothing. Cue words and the words of an `unread` concept (a word in
    another sense, "flu shot") are never read, but the rest of their clause is: "threw his mom across the room and
    pulled off her oxygen" still reads the throwing. Pairs never span a clause."""
    tokens, spans = reading.tokens, reading.spans
    breaks = {start for concept, start, _ in spans if concept == BREAK}
    breaks.update(i for i, token in enumerate(tokens) if token in CLAUSE_MARKS)
    silent = {
        i
        for concept, start, end in spans
        if concept in CUE_IDS or concept in unread
        for i in range(start, end)
    }
    quieted = {start for concept, start, _ in spans if concept in quiet}
    quieted.update(m.start for m in reading.mentions if m.negated)
    found: set[str] = set()
    clause: list[int] = []
    for index in [*range(len(tokens)), len(tokens)]:
        if index < len(tokens) and index not in breaks:
            clause.append(index)
            continue
        if not quieted.intersection(clause):
            words = [tokens[i] if i not in silent else None for i in clause]
            found.update(w for w in words if w is not None)
            found.update(f"{a} {b}" for a, b in pairwise(words) if a is not None and b is not None)
        clause = []
    return frozenset(found)


@dataclass(frozen=True)
class LearnedReader:
    """The trained weights, and the score from which a narrative is held back from a civilian team alone."""

    bias: float
    weights: Mapping[str, float]
    threshold: float
    quiet: frozenset[str]
    trained_on: str
    unread: frozenset[str] = frozenset()
    unnamed: frozenset[str] = frozenset()  # words in so many calls that naming them explains nothing ("the")

    def score(self, found: Collection[str]) -> float:
        """The probability the model gives that such a call is not one for a civilian team alone."""
        z = self.bias + sum(self.weights.get(feature, 0.0) for feature in found)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def read(self, reading: Reading) -> tuple[float, tuple[str, ...]]:
        """The narrative's score and the words that weighed most toward it (at most three)."""
        found = features(reading, self.quiet, self.unread)
        named = (f for f in found if self.weights.get(f, 0.0) > 0 and f not in self.unnamed)
        heaviest = sorted(named, key=lambda f: (-self.weights[f], f))
        return self.score(found), tuple(heaviest[:3])
