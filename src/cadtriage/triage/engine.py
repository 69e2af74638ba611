"""The triage engine: a pure function from a call's text and screening answers to an explained decision.

Facts are resolved first, by strength of evidence: a screening answer, when given, is the fact; only when it is
not given do the call type and the narrative speak, and between them a mention of danger outranks a denial
(conflicting text is a risk, not reassurance). Then the protocol's rules are read in order: the first matching
rule with a response type decides; rules without one (priority, EMS) apply wherever they match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cadtriage.triage.protocol import Expect, FactDef, Protocol, Rule
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
    decider, modifiers = _fired_rules(protocol.rules, facts)
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
    by_source: dict[str, list[Mention]] = {
        "call_type": lexicon.mentions(call.call_type, call_type=True) if call.call_type else [],
        "narrative": lexicon.mentions(call.narrative) if call.narrative else [],
    }
    return {name: _resolve(name, fact, call, by_source) for name, fact in protocol.facts.items()}


def _resolve(name: str, fact: FactDef, call: CallText, by_source: dict[str, list[Mention]]) -> Fact:
    if fact.screening is not None:
        answer = call.screening.get(fact.screening)
        if answer is not None:
            return Fact(answer, (Evidence("screening", name, field=fact.screening, value=answer),))
    if fact.history_of:
        past = _text_evidence(name, by_source, fact.history_of, historical=True)
        found = [e for e in past if not e.negated]
        return Fact(True, tuple(found)) if found else UNKNOWN
    current = _text_evidence(name, by_source, fact.concepts, historical=False)
    positive = tuple(e for e in current if not e.negated)
    if positive:
        return Fact(True, positive)
    if current:
        return Fact(False, tuple(current))
    return UNKNOWN


def _text_evidence(
    name: str, by_source: dict[str, list[Mention]], concepts: Iterable[str], *, historical: bool
) -> list[Evidence]:
    wanted = set(concepts)
    return [
        Evidence(
            source,
            name,
            text=m.text,
            concept=m.concept,
            negated=m.negated and not m.uncertain,
            historical=m.historical,
        )
        for source, mentions in by_source.items()
        for m in mentions
        if m.concept in wanted and m.historical == historical
    ]


def _holds(expect: Expect, fact: Fact) -> bool:
    value = fact.value
    if isinstance(expect, bool):
        return value is expect
    return {
        "unknown": value is None,
        "known": value is not None,
        "not_false": value is not False,
        "not_true": value is not True,
    }[expect]


def rule_matches(rule: Rule, facts: dict[str, Fact]) -> bool:
    """Whether every `when` condition holds and, if `any` is given, at least one of its groups does."""
    if not all(_holds(expect, facts[name]) for name, expect in rule.when.items()):
        return False
    return not rule.any or any(
        all(_holds(expect, facts[name]) for name, expect in group.items()) for group in rule.any
    )


def _fired_rules(rules: Sequence[Rule], facts: dict[str, Fact]) -> tuple[Rule, list[Rule]]:
    decider: Rule | None = None
    modifiers: list[Rule] = []
    for rule in rules:
        if not rule_matches(rule, facts):
            continue
        if rule.response_type is None:
            modifiers.append(rule)
        elif decider is None:
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
