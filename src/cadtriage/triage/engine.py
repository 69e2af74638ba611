"""The triage engine: a pure function from a call's text and screening answers to an explained decision.

Facts are resolved first, by strength of evidence: a screening answer, when given, is the fact; only when it is
not given do the call type and the narrative speak, and between them a mention of danger outranks a denial or a
reassurance (conflicting text is a risk, not reassurance). The risk model then says what the questions nobody
answered mean for the needs the call names. Then the protocol's rules are read in order: the first matching rule
with a response type decides; rules without one (priority, EMS) apply wherever they match. Last, each unanswered
screening question is tried both ways, so the decision can say which answers would change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cadtriage.triage.protocol import Condition, FactDef, Protocol, Rule
from cadtriage.triage.risk import Treatment, derive
from cadtriage.triage.text import Mention
from cadtriage.triage.types import CallText, Decision, Evidence, Question, ResponseType

Mentions = dict[str, list[tuple[str, Mention]]]
Values = dict[str, bool | None]


@dataclass(frozen=True, slots=True)
class Fact:
    """A resolved fact: true, false or unknown (None), with the evidence for it, and any text it overrules."""

    value: bool | None
    evidence: tuple[Evidence, ...] = ()
    overruled: tuple[Evidence, ...] = ()


UNKNOWN = Fact(None)


@dataclass(frozen=True, slots=True)
class _Outcome:
    decider: Rule
    modifiers: tuple[Rule, ...]
    ask: tuple[Question, ...]


def decide(call: CallText, protocol: Protocol) -> Decision:
    """Triage one call under one protocol. Deterministic; no I/O."""
    mentions = _mentions(call, protocol)
    present = _present_treatments(protocol, mentions, call)
    facts = _resolve_all(call, protocol, mentions, present)
    values = {name: fact.value for name, fact in facts.items()}
    outcome = _outcome(protocol, values, present, call)
    decider = outcome.decider
    fired = [decider, *outcome.modifiers]
    assert decider.response_type is not None
    assert decider.priority is not None
    priority = min([decider.priority] + [m.priority for m in outcome.modifiers if m.priority is not None])
    return Decision(
        response_type=decider.response_type,
        priority=priority,
        notify_ems=any(rule.notify_ems for rule in fired),
        protocol_version=protocol.version,
        rules=tuple(rule.id for rule in fired),
        reasons=tuple(_reason(rule, facts) for rule in fired) + _overruled(fired, facts),
        evidence=_evidence_for(fired, facts),
        ask=outcome.ask,
    )


def resolve_facts(call: CallText, protocol: Protocol) -> dict[str, Fact]:
    """Every fact the protocol defines, resolved for this call (the risk model's derived facts included)."""
    mentions = _mentions(call, protocol)
    return _resolve_all(call, protocol, mentions, _present_treatments(protocol, mentions, call))


def _mentions(call: CallText, protocol: Protocol) -> Mentions:
    lexicon = protocol.lexicon
    by_concept: Mentions = {}
    for source, text, is_call_type in (
        ("call_type", call.call_type, True),
        ("narrative", call.narrative, False),
    ):
        if text:
            for mention in lexicon.mentions(text, call_type=is_call_type):
                by_concept.setdefault(mention.concept, []).append((source, mention))
    return by_concept


def _resolve_all(
    call: CallText, protocol: Protocol, mentions: Mentions, present: frozenset[Treatment]
) -> dict[str, Fact]:
    facts = {
        name: _resolve(name, fact, call, mentions)
        for name, fact in protocol.facts.items()
        if fact.from_risk is None
    }
    derived = _derived_facts(protocol, facts, mentions, present)
    return {name: derived.get(name) or facts[name] for name in protocol.facts}


def _resolve(name: str, fact: FactDef, call: CallText, by_concept: Mentions) -> Fact:
    if fact.screening is not None:
        answer = call.screening.get(fact.screening)
        if answer is not None:
            screened = (Evidence("screening", name, field=fact.screening, value=answer),)
            return Fact(answer, screened, _contradicted(name, fact, by_concept, answer))
    if by_concept.keys().isdisjoint(fact.history_of or fact.concepts) and by_concept.keys().isdisjoint(
        fact.reassured_by
    ):
        return UNKNOWN  # the text says nothing about it: the common case, decided at C speed
    if fact.history_of:
        past = _text_evidence(name, by_concept, fact.history_of, historical=True)
        found = tuple(e for e in past if not e.negated)
        return Fact(True, found) if found else UNKNOWN
    current = _text_evidence(name, by_concept, fact.concepts, historical=False)
    positive = tuple(e for e in current if not e.negated)
    if positive:
        return Fact(True, positive)
    denials = [e for e in current if e.negated] + _reassurance(name, fact, by_concept)
    return Fact(False, tuple(denials)) if denials else UNKNOWN


def _reassurance(name: str, fact: FactDef, by_concept: Mentions) -> list[Evidence]:
    # "calm", "cooperative", "not a threat": an answer "no" to this fact. Negated ("not calm") it says nothing.
    found = _text_evidence(name, by_concept, fact.reassured_by, historical=False)
    return [Evidence(e.source, name, text=e.text, concept=e.concept, negated=True) for e in found if not e.negated]


def _contradicted(name: str, fact: FactDef, by_concept: Mentions, answer: bool) -> tuple[Evidence, ...]:
    # The text that disagrees with a screening answer: kept so the decision can say the answer outranked it.
    if by_concept.keys().isdisjoint(fact.concepts):
        return ()
    current = _text_evidence(name, by_concept, fact.concepts, historical=False)
    return tuple(e for e in current if e.negated is answer)


def _text_evidence(name: str, by_concept: Mentions, concepts: Iterable[str], *, historical: bool) -> list[Evidence]:
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


def _present_treatments(protocol: Protocol, mentions: Mentions, call: CallText) -> frozenset[Treatment]:
    treatments = protocol.treatments
    present = {
        treatments[concept]
        for concept, found in mentions.items()
        if concept in treatments
        and any(not m.negated and not m.historical for _, m in found)
        and not _screened_out(protocol, concept, call)
    }
    present.update(t for field, t in protocol.risk.answers.items() if call.screening.get(field) is True)
    return frozenset(present)


def _screened_out(protocol: Protocol, concept: str, call: CallText) -> bool:
    # "Behavioural health: no" from the call-taker: the text's mental-health words name no need to assess.
    fields = protocol.need_fields.get(concept, ())
    return bool(fields) and all(call.screening.get(field) is False for field in fields)


def _derived_facts(
    protocol: Protocol, facts: dict[str, Fact], mentions: Mentions, present: frozenset[Treatment]
) -> dict[str, Fact]:
    questions = tuple(protocol.risk.questions)
    flags = derive(
        {q: facts[q].value for q in questions}, questions, present, strict=protocol.risk.mode == "strict"
    )
    out: dict[str, Fact] = {}
    for name, fact in protocol.facts.items():
        if fact.from_risk is None:
            continue
        if not flags[fact.from_risk]:
            out[name] = Fact(False)
            continue
        needs = [c for c, t in protocol.treatments.items() if t == fact.from_risk]
        found = tuple(e for e in _text_evidence(name, mentions, needs, historical=False) if not e.negated)
        out[name] = Fact(True, found)
    return out


def _holds(condition: Condition, values: Values) -> bool:
    # A plain loop: all() over a generator measured slower on this, the engine's hottest path.
    for name, accepted in condition:  # noqa: SIM110
        if values[name] not in accepted:
            return False
    return True


def _fired_rules(protocol: Protocol, values: Values) -> tuple[Rule, tuple[Rule, ...]]:
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
    applied = tuple(m for m in modifiers if not m.only_for or decider.response_type in m.only_for)
    return decider, applied


def _with_risk(protocol: Protocol, values: Values, present: frozenset[Treatment]) -> Values:
    questions = tuple(protocol.risk.questions)
    flags = derive(values, questions, present, strict=protocol.risk.mode == "strict")
    full = dict(values)
    for name, fact in protocol.facts.items():
        if fact.from_risk is not None:
            full[name] = flags[fact.from_risk]
    return full


def _outcome(protocol: Protocol, values: Values, present: frozenset[Treatment], call: CallText) -> _Outcome:
    # The rules are a pure function of the fact values; real calls repeat a few hundred combinations, so the
    # outcome (and the questions that would change it, which cost a rule pass per answer) is remembered.
    unanswered = tuple(
        name
        for name, fact in protocol.facts.items()
        if fact.screening is not None and values[name] is None and call.screening.get(fact.screening) is None
    )
    key = (tuple(values.values()), present, unanswered)
    cache = protocol.outcome_cache
    found = cache.get(key)
    if found is None:
        decider, modifiers = _fired_rules(protocol, values)
        ems = any(rule.notify_ems for rule in (decider, *modifiers))
        ask = tuple(
            question
            for name in unanswered
            for answer in (True, False)
            if (question := _question(protocol, values, present, name, answer, decider, ems)) is not None
        )
        found = _Outcome(decider, modifiers, ask)
        if len(cache) >= OUTCOME_CACHE_SIZE:
            cache.clear()
        cache[key] = found
    return found


OUTCOME_CACHE_SIZE = 50_000


def _question(
    protocol: Protocol,
    values: Values,
    present: frozenset[Treatment],
    name: str,
    answer: bool,
    decider: Rule,
    ems: bool,
) -> Question | None:
    base = dict(values)
    base[name] = answer
    field = protocol.facts[name].screening
    assert field is not None
    treatment = protocol.risk.answers.get(field)
    if answer and treatment is not None:  # "yes" to a question that names a need brings the need's treatment
        present = present | {treatment}
    other, modifiers = _fired_rules(protocol, _with_risk(protocol, base, present))
    other_ems = any(rule.notify_ems for rule in (other, *modifiers))
    if other.response_type == decider.response_type and other_ems == ems:
        return None
    assert other.response_type is not None
    return Question(field, answer, ResponseType(other.response_type), other_ems)


def _reason(rule: Rule, facts: dict[str, Fact]) -> str:
    sources = sorted({e.source for name in rule.facts() for e in facts[name].evidence})
    return f"{rule.reason} ({', '.join(sources)})" if sources else rule.reason


def _overruled(fired: Sequence[Rule], facts: dict[str, Fact]) -> tuple[str, ...]:
    names = sorted({name for rule in fired for name in rule.facts() if facts[name].overruled})
    return tuple(
        f"screening answer {facts[name].evidence[0].field} = {str(facts[name].value).lower()} outranks the "
        + ", ".join(f"{e.source}'s \"{e.text}\"" for e in facts[name].overruled)
        for name in names
    )


def _evidence_for(fired: Sequence[Rule], facts: dict[str, Fact]) -> tuple[Evidence, ...]:
    seen: dict[Evidence, None] = {}
    for rule in fired:
        for name in sorted(rule.facts()):
            for item in facts[name].evidence:
                seen.setdefault(item, None)
    return tuple(seen)
