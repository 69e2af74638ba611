"""A protocol compiled for the engine's hot path: plain tuples, sets and dicts, read once per decision.

The protocol's pydantic models are for validation and for people; reading their fields and private attributes
on every decision cost about a third of the engine's time, so `Protocol` builds one `Runtime` when it loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from typing import Protocol as Structural

from cadtriage.triage.catalogue import LANGUAGE_SLOT
from cadtriage.triage.reader import LearnedReader
from cadtriage.triage.risk import Treatment
from cadtriage.triage.text import Lexicon
from cadtriage.triage.types import NO_DESK, Consult, Evidence, Need, ResponseType

# (fact name, accepted values) pairs: a rule's `when`, or one group of its `any`.
Condition = tuple[tuple[str, frozenset[bool | None]], ...]


@dataclass(frozen=True, slots=True)
class FactReading:
    """How one fact is read: a screening field, concepts that say yes, concepts that say no, or the past."""

    name: str
    screening: str | None
    concepts: frozenset[str]
    reassured_by: frozenset[str]
    outweighed_by: frozenset[str]
    history_of: frozenset[str]
    from_risk: Treatment | None
    watched: frozenset[str]  # every concept whose mention can change this fact
    screening_no_settles: bool = True  # False: a screening "no" gives way to the text's "yes"


class KnownFact(Structural):
    """A resolved fact as the engine holds it."""

    @property
    def value(self) -> bool | None: ...

    @property
    def evidence(self) -> tuple[Evidence, ...]: ...


@dataclass(frozen=True, slots=True)
class DeskRule:
    """The protocol's desk section, compiled: `mode` off means no desk, and nothing is eligible."""

    mode: str
    max_wait_s: int
    max_claim_s: int
    response_types: frozenset[ResponseType]
    when: Condition
    reason: str
    descriptions: Mapping[str, str]  # fact name -> what it means, for the reason a call is not eligible

    def judge(self, response_type: ResponseType, facts: Mapping[str, KnownFact]) -> Consult:
        """Whether a call triaged as `response_type`, with these facts, may go to the desk, and why."""
        if self.mode == "off":
            return NO_DESK
        if response_type not in self.response_types:
            return Consult(False, f"not for the crisis desk: triage sends {response_type.value}")
        for name, accepted in self.when:
            fact = facts[name]
            if fact.value not in accepted:
                return Consult(False, self._why_not(name, fact.value), fact.evidence)
        evidence: dict[Evidence, None] = {}
        for name, _ in self.when:
            for item in facts[name].evidence:
                evidence.setdefault(item, None)
        return Consult(True, self.reason, tuple(evidence))

    def _why_not(self, name: str, value: bool | None) -> str:
        what = self.descriptions.get(name) or name.replace("_", " ")
        if value is True:
            return f"not for the crisis desk: {what}"
        lacking = "no sign of" if value is None else "not"
        return f"not for the crisis desk: {lacking} {what}"


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    """A response plan, compiled: the capability may hold the language slot."""

    rule: str
    response_types: tuple[ResponseType, ...]
    when: Condition
    other_language: bool
    capability: str
    required: bool
    within_m: float | None


@dataclass(frozen=True, slots=True)
class Plans:
    """The protocol's response plans, and what they need to name a capability the catalogue has."""

    plans: tuple[CompiledPlan, ...]
    catalogue: frozenset[str]
    centre_language: str

    def needs(self, values: Mapping[str, bool | None], language: str | None) -> tuple[Need, ...]:
        """The capabilities a call with these facts and this caller's language needs, for each type of unit it
        may be sent to: every type, not only triage's, so a call escalated, overridden or routed by a clinician
        keeps the plan for the type it is sent as. Each need says which types it is for."""
        found: list[Need] = []
        for plan in self.plans:
            if any(values[name] not in accepted for name, accepted in plan.when):
                continue
            capability = plan.capability
            if plan.other_language:
                if not language or language == self.centre_language:
                    continue
                capability = capability.replace(LANGUAGE_SLOT, language)
            # An interpreter the catalogue does not list is no unit's; a capability named twice for a type, the
            # first plan's.
            if capability in self.catalogue and not any(
                need.capability == capability and set(need.response_types) & set(plan.response_types)
                for need in found
            ):
                found.append(Need(capability, plan.required, plan.within_m, plan.response_types, plan.rule))
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Reader:
    """A learned reader, the fact it sets, and what leaves it silent: screening questions all answered "no", or a
    fact that is true."""

    name: str
    model: LearnedReader
    fact: str
    deferred_by: tuple[str, ...]
    silent_with: tuple[str, ...]  # facts that, true, leave the call to the rules


@dataclass(slots=True)
class Runtime:
    """Everything the engine reads of a protocol, precomputed."""

    version: str
    lexicon: Lexicon
    call_type_lexicon: Lexicon  # the lexicon and the phrases read in call types only
    readers_of_text: tuple[Reader, ...]  # the protocol's learned readers of the remarks
    facts: tuple[FactReading, ...]
    fact_names: tuple[str, ...]
    rules: tuple[tuple[Any, Condition, tuple[Condition, ...]], ...]  # (Rule, when, any)
    treatments: Mapping[str, Treatment]
    call_type_treatments: Mapping[str, Treatment]  # for a need named by the call type alone
    questions: tuple[str, ...]
    question_concepts: tuple[str, ...]
    strict: bool
    answers: Mapping[str, Treatment]  # screening fields whose "yes" names a need, and its treatment
    need_fields: Mapping[str, tuple[str, ...]]  # need concept -> the screening fields whose "no" rules it out
    readers: Mapping[str, tuple[FactReading, ...]]  # concept -> the facts its mention can change
    screened: tuple[FactReading, ...]  # the facts a screening answer decides
    rule_facts: Mapping[str, tuple[str, ...]]  # rule id -> the facts it reads, sorted
    desk: DeskRule  # who may go to the crisis desk
    plans: Plans  # which capabilities the unit sent should have
    # The engine's memory: outcomes by fact values, and whole decisions by call type and answers for calls
    # without text.
    outcomes: dict[Any, Any] = field(default_factory=dict)
    decisions: dict[Any, Any] = field(default_factory=dict)
