"""The triage engine: a pure function from a call's text and screening answers to an explained decision.

Facts are resolved first, by strength of evidence: a screening answer, when given, is the fact; only when it is
not given do the call type and the narrative speak, and between them a mention of danger outranks a denial
(conflicting text is a risk, not reassurance). Then the protocol's rules are read in order: the first matching
rule with a response type decides; rules without one (priority, EMS) apply wherever they match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cadtriage.triage.protocol import Condition, FactDef, Protocol, Rule
from cadtriage.triage.text import Mention
from cadtriage.triage.types import CallText, Decision, Evidence


@dataclass(frozen=True, slots=True)
class Fact:
    """A resolved fact: true, false or unknown (None), with the evidence for it."""

    value: bool | None
    evidence: tuple[Evidence, ...] = ()


UNKNOWN = Fact(None)


def decide(call: CallText, protocol: Protocol) -> Decision:
    """Triage one call under one protocol. Deterministic; no I/O."""
    facts = resolve_facts(call, protocol)
    decider, modifiers = _fired_rules(protocol, facts)
    applied = [m for m in modifiers if not m.only_for or decider.response_type in m.only_for]
    fired = [decider, *applied]
    assert decider.response_type is not None
    assert decider.priority is not None
    priority = min([decider.priority] + [m.priority for m in applied if m.priority is not None])
    return Decision(
        response_type=decider.response_type,
        priority=priority,
        notify_ems=any(rule.notify_ems for rule in fired),
        protocol_version=protocol.version,
        rules=tuple(rule.id for rule in fired),
        reasons=tuple(_reason(rule, facts) for rule in fired),
        evidence=_evidence_for(fired, facts),
    )


def resolve_facts(call: CallText, protocol: Protocol) -> dict[str, Fact]:
    """Every fact the protocol defines, resolved for this call."""
    lexicon = protocol.lexicon
    by_concept: dict[str, list[tuple[str, Mention]]] = {}
    for source, text, is_call_type in (
        ("call_type", call.call_type, True),
        ("narrative", call.narrative, False),
    ):
        if text:
            for mention in lexicon.mentions(text, call_type=is_call_type):
                by_concept.setdefault(mention.concept, []).append((source, mention))
    return {name: _resolve(name, fact, call, by_concept) for name, fact in protocol.facts.items()}


def _resolve(
    name: str, fact: FactDef, call: CallText, by_concept: dict[str, list[tuple[str, Mention]]]
) -> Fact:
    if fact.screening is not None:
        answer = call.screening.get(fact.screening)
        if answer is not None:
            return Fact(answer, (Evidence("screening", name, field=fact.screening, value=answer),))
    if by_concept.keys().isdisjoint(fact.history_of or fact.concepts):
        return UNKNOWN  # the text says nothing about it: the common case, decided at C speed
    if fact.history_of:
        past = _text_evidence(name, by_concept, fact.history_of, historical=True)
        found = tuple(e for e in past if not e.negated)
        return Fact(True, found) if found else UNKNOWN
    current = _text_evidence(name, by_concept, fact.concepts, historical=False)
    positive = tuple(e for e in current if not e.negated)
    if positive:
        return Fact(True, positive)
    if current:
        return Fact(False, tuple(current))
    return UNKNOWN


def _text_evidence(
    name: str, by_concept: dict[str, list[tuple[str, Mention]]], concepts: Iterable[str], *, historical: bool
) -> list[Evidence]:
    found = [
        (source, m)
        for concept in concepts
        for source, m in by_concept.get(concept, ())
        if m.historical == historical
    ]
    found.sort(key=lambda item: (item[0] != "call_type", item[1].start))  # call type first, then text order
    return [
        Evidence(
            source,
            name,
            text=m.text,
            concept=m.concept,
            negated=m.negated and not m.uncertain,
            historical=m.historical,
        )
        for source, m in found
    ]


def _holds(condition: Condition, values: dict[str, bool | None]) -> bool:
    # A plain loop: all() over a generator measured slower on this, the engine's hottest path.
    for name, accepted in condition:  # noqa: SIM110
        if values[name] not in accepted:
            return False
    return True


def _fired_rules(protocol: Protocol, facts: dict[str, Fact]) -> tuple[Rule, list[Rule]]:
    values = {name: fact.value for name, fact in facts.items()}
    decider: Rule | None = None
    modifiers: list[Rule] = []
    for rule, when, any_of in protocol.compiled_rules:
        if decider is not None and rule.response_type is not None:
            continue  # a later decider can no longer win
        if not _holds(when, values) or (any_of and not any(_holds(group, values) for group in any_of)):
            continue
        if rule.response_type is None:
            modifiers.append(rule)
        else:
            decider = rule
    assert decider is not None, "the protocol's last rule is an unconditional default"
    return decider, modifiers


def _reason(rule: Rule, facts: dict[str, Fact]) -> str:
    sources = sorted({e.source for name in rule.facts() for e in facts[name].evidence})
    return f"{rule.reason} ({', '.join(sources)})" if sources else rule.reason


def _evidence_for(fired: Sequence[Rule], facts: dict[str, Fact]) -> tuple[Evidence, ...]:
    seen: dict[Evidence, None] = {}
    for rule in fired:
        for name in sorted(rule.facts()):
            for item in facts[name].evidence:
                seen.setdefault(item, None)
    return tuple(seen)
