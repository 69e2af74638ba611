"""Which mentions a cue governs: denial, history, possibility and open questions, and how far each reaches.

A cue before a mention governs it within its clause and window unless another concept or a word that ends its
scope stands between; a list ("no weapons or violence") carries it on. A cue after a mention governs only that
mention. The rules lean one way on purpose: denying a danger that is there is the risky error, so a denial stops
early and a danger word stands when in doubt. Pure functions of the tokens and the phrase spans `text` found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BREAK = "@break"
NEGATE_BEFORE = "@negate"
NEGATE_AFTER = "@negate_after"
HISTORY_BEFORE = "@history"
HISTORY_AFTER = "@history_after"
UNCERTAIN = "@uncertain"
UNCERTAIN_AFTER = "@uncertain_after"
UNKNOWN = "@unknown"
UNKNOWN_AFTER = "@unknown_after"
CUE_IDS = frozenset(
    {
        BREAK,
        NEGATE_BEFORE,
        NEGATE_AFTER,
        HISTORY_BEFORE,
        HISTORY_AFTER,
        UNCERTAIN,
        UNCERTAIN_AFTER,
        UNKNOWN,
        UNKNOWN_AFTER,
    }
)

CLAUSE_MARKS = frozenset(".;!,")
_LIST_JOINERS = frozenset({"or", "nor"})  # not "and": "no weapons and threatening people"
# Words a denial does not reach past: another clause's subject ("without warning he stabbed her"), "and" ("no
# meds and threatening"), "let" ("please don't let him hurt me"), a word that affirms ("DENIES SI/ENDORSES HI"), or
# a stop ("never stopped choking her"). Not an object: "didn't see him touch anyone" is a denial.
_SUBJECTS = frozenset({"he", "she", "they", "it", "i", "we", "you", "i'm", "he's", "she's", "hes", "shes"})
_SCOPE_ENDS = _SUBJECTS | frozenset(
    {
        "and", "y", "e", "let", "stop", "stopped", "stopping", "stops", "quit", "endorses", "endorsed", "endorsing",
        "admits", "admitted", "admitting", "pos", "positive", "yes",
    }
)  # fmt: skip
_DENYING_VERBS = frozenset(
    {"denies", "denied", "deny", "denying", "niega", "niegan", "nego", "think", "aware", "of"}
)
# Words a denial may reach two further through, with a verb of seeing or having: "did not see any type of weapon".
_FILLERS = frozenset(
    {
        "any", "a", "an", "the", "type", "kind", "sort", "of", "that", "ever", "sign", "signs", "evidence",
        "indication", "mention", "visible", "obvious", "apparent", "access", "to", "have", "has", "had", "having",
    }
)  # fmt: skip
_SEEING = frozenset({"see", "notice", "observe", "find", "spot", "carry", "own", "possess"})
# The only words a denial or an open question may stand after its word by ("WPNS AT THIS TIME NONE").
_AFTER_FILLERS = frozenset(
    {"at", "this", "time", "per", "rp", "caller", "currently", "is", "are", "was", "were", "seen"}
)
# "never without his gun", "nunca sin su pistola": a denial of "without" affirms. Other denials in a row are one
# denial said twice ("he ain't got no gun", "no, no tiene pistola").
_WITHOUT = frozenset({"without", "sin"})


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in text: where, the words as written (normalised), and how it is qualified."""

    concept: str
    text: str
    start: int
    negated: bool = False
    historical: bool = False
    uncertain: bool = False
    unknown: bool = False  # raised but unanswered: "not sure if he has a gun", "WPNS UNK"


@dataclass(frozen=True, slots=True)
class Scope:
    """How far cues reach: a denial `scope_window` words, history and possibility `qualifier_window`; the words a
    slash lists after a denial (`vocabulary.slash_lists`)."""

    scope_window: int
    qualifier_window: int
    slash_listed: frozenset[str]

    def mentions(
        self, tokens: Sequence[str], spans: Sequence[tuple[str, int, int]], slashed: frozenset[int]
    ) -> tuple[Mention, ...]:
        """The concepts among `spans`, each qualified by the cues that govern it; `slashed` holds the positions a
        slash stood before."""
        result: list[Mention] = []
        governed: dict[int, str | None] = {}  # each mention's cue before it, for the lists that follow
        for index, (concept, start, end) in enumerate(spans):
            if concept in CUE_IDS:
                continue
            listed = (
                end - start == 1
                and tokens[start] in self.slash_listed
                and start in slashed
                and _stands_alone(tokens, end, slashed)
            )
            before = governed[index] = self._cue_before(
                spans, index, start, tokens, slashed, listed, governed
            )
            after = self._cue_after(spans, index, end, tokens)
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
                    unknown=before == UNKNOWN or after == UNKNOWN_AFTER,
                )
            )
        return tuple(result)

    def _cue_before(
        self,
        spans: Sequence[tuple[str, int, int]],
        index: int,
        start: int,
        tokens: Sequence[str],
        slashed: frozenset[int],
        listed: bool,
        governed: dict[int, str | None],
    ) -> str | None:
        # The nearest cue before the mention, in the same clause and within the window, governs it, unless another
        # concept stands between. A list carries the cue on: in "no weapons or violence" the "no" reaches
        # "violence" through "weapons or". Whatever governs the list item before us governs us too, so that answer
        # (in `governed`) is reused: walking the whole list again for every item made a long list quadratic.
        for j in range(index - 1, -1, -1):
            concept, span_start, span_end = spans[j]
            distance = start - span_end
            if concept == BREAK or distance > self.qualifier_window:
                return None
            if concept == NEGATE_BEFORE:
                # A denial reaches only nearby words, and not past a word that ends its scope: denying a danger
                # is the risky error. "Never without his gun" affirms.
                ends, window = _SCOPE_ENDS.intersection(tokens[span_end:start]), self.scope_window
                if _clause_denial(tokens, span_end):  # the clause's subject takes a word of its own
                    ends, window = ends - _SUBJECTS, window + 1
                if (
                    not _within(tokens[span_end:start], window)
                    or ends
                    or any(span_end < k <= start for k in slashed)
                ):
                    return None
                return None if _denial_denied(spans, tokens, j) else concept
            if concept in (HISTORY_BEFORE, UNCERTAIN, UNKNOWN):
                return concept
            if concept in CUE_IDS or span_end > start:
                continue  # a cue of another kind, or another meaning of our words
            between = tokens[span_end:start]
            if not (_LIST_JOINERS.issuperset(between) if between else listed):
                # Another concept stands between ("no weapons and threatening" denies only weapons), or two sit
                # side by side with no "or" to list them: "no weapons husband beating wife". A slash lists only
                # a screening question's word, alone ("NO WPNS/VIOLENCE", "DENIES SI/HI/WEAPONS"): in CAD remarks
                # it separates clauses as often ("NO WPNS/DV IN PROGRESS", "NO WPNS/ROBBERY", "NO WPNS/UNRESP").
                return None
            if j in governed:
                return governed[j]
            start = span_start
        return None

    def _cue_after(
        self, spans: Sequence[tuple[str, int, int]], index: int, end: int, tokens: Sequence[str]
    ) -> str | None:
        # A cue after the mention governs it only within its own phrase: "off his meds and last week smashed..."
        # dates the smashing, not the meds.
        for j in range(index + 1, len(spans)):
            concept, cue_start, _ = spans[j]
            if cue_start < end:  # another meaning of the same words
                continue
            if concept == BREAK or cue_start - end > 3 or "and" in tokens[end:cue_start]:
                return None
            if concept in (NEGATE_AFTER, UNKNOWN_AFTER) and (
                not _AFTER_FILLERS.issuperset(tokens[end:cue_start]) or self._denies_ahead(spans, j)
            ):
                # A denial or an open question after its word names that word only: "stabbed her none seen",
                # "robbery just occurred suspect not seen", "man not breathing cause unknown", "chest pain denies
                # SOB" leave the stabbing, the robbery, the breathing and the pain as said.
                return None
            if concept in (NEGATE_AFTER, HISTORY_AFTER, UNCERTAIN_AFTER, UNKNOWN_AFTER):
                return concept
            if concept not in CUE_IDS:
                return None
        return None

    def _denies_ahead(self, spans: Sequence[tuple[str, int, int]], j: int) -> bool:
        # A word that denies either way ("denies", "negative", "none") with a concept right after it denies that
        # concept, not the one before: "chest pain denies SOB", "shots fired none injured".
        start, end = spans[j][1], spans[j][2]
        if not any(
            c == NEGATE_BEFORE and s == start and e == end for c, s, e in spans[max(0, j - 2) : j + 2]
        ):
            return False
        for concept, span_start, _ in spans[j + 1 :]:
            if concept == BREAK or span_start - end > self.scope_window:
                return False
            if concept not in CUE_IDS:
                return True
        return False


def _within(between: Sequence[str], window: int) -> bool:
    # A denial reaches `window` words, or two more through fillers and a verb of seeing or having: "did not see any
    # type of weapon", "does not have access to any firearms" — but not "has not heard of the order violation".
    if len(between) <= window:
        return True
    return len(between) <= window + 2 and _FILLERS.union(_SEEING).issuperset(between)


def _stands_alone(tokens: Sequence[str], end: int, slashed: frozenset[int]) -> bool:
    # A list item between slashes, or ending the clause: nothing of its own follows it.
    return end == len(tokens) or end in slashed or tokens[end] in CLAUSE_MARKS


def _clause_denial(tokens: Sequence[str], end: int) -> bool:
    # "denies he has any weapons": a verb of denial takes a whole clause, its subject too.
    return tokens[end - 1] in _DENYING_VERBS


def _denial_denied(spans: Sequence[tuple[str, int, int]], tokens: Sequence[str], j: int) -> bool:
    # "never without his gun", "never goes anywhere without his knife": "without" after a denial affirms.
    start = spans[j][1]
    if tokens[start] not in _WITHOUT:
        return False
    for concept, _, end in reversed(spans[max(0, j - 4) : j]):
        if concept == BREAK or end < start - 2:
            return False
        if concept == NEGATE_BEFORE and end <= start:
            return True
    return False
