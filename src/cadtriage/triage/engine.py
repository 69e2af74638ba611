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
from typing import Any

from cadtriage.triage.protocol import Protocol
from cadtriage.triage.risk import Treatment, derive
from cadtriage.triage.runtime import Condition, FactReading, Reader, Runtime
from cadtriage.triage.scope import Mention
from cadtriage.triage.text import Reading
from cadtriage.triage.types import CallText, Decision, Evidence, Question, ResponseType

Mentions = dict[str, list[tuple[str, Mention]]]
Values = dict[str, bool | None]
# Mentions the caller could not answer ("not sure if he has a gun") are kept under this prefix: they answer no
# question, but they say a question is open.
UNANSWERED = "?"
OUTCOME_CACHE_SIZE = 50_000
DECISION_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class Fact:
    """A resolved fact: true, false or unknown (None), with the evidence for it, and any text it overrules."""

    value: bool | None
    evidence: tuple[Evidence, ...] = ()
    overruled: tuple[Evidence, ...] = ()


UNKNOWN = Fact(None)


@dataclass(frozen=True, slots=True)
class _Outcome:
    decider: Any  # the Rule that decided
    modifiers: tuple[Any, ...]
    ask: tuple[Question, ...]


def decide(call: CallText, protocol: Protocol) -> Decision:
    """Triage one call under one protocol. Deterministic; no I/O."""
    rt = protocol.runtime
    if call.narrative:
        return _decide(call, rt)
    # Without a narrative a call is its type and its answers: a closed set a centre repeats all day, so the
    # decision is remembered (bounded). Narratives are free text and always read.
    key = (
        call.call_type,
        tuple(sorted((k, v) for k, v in call.screening.items() if v is not None)),
        call.language,
    )
    decision: Decision | None = rt.decisions.get(key)
    if decision is None:
        decision = _decide(call, rt)
        if len(rt.decisions) >= DECISION_CACHE_SIZE:
            rt.decisions.clear()
        rt.decisions[key] = decision
    return decision


def _decide(call: CallText, rt: Runtime) -> Decision:
    mentions, narrative = _mentions(call, rt)
    present = _present_treatments(rt, mentions, call)
    facts = _resolve_all(call, rt, mentions, present, narrative)
    outcome = _outcome(rt, {name: fact.value for name, fact in facts.items()}, present, call)
    decider = outcome.decider
    fired = [decider, *outcome.modifiers]
    priority = min([decider.priority] + [m.priority for m in outcome.modifiers if m.priority is not None])
    return Decision(
        response_type=decider.response_type,
        priority=priority,
        notify_ems=any(rule.notify_ems for rule in fired),
        protocol_version=rt.version,
        rules=tuple(rule.id for rule in fired),
        reasons=tuple(_reason(rt, rule, facts) for rule in fired) + _overruled(rt, fired, facts),
        evidence=_evidence_for(rt, fired, facts),
        ask=outcome.ask,
        consult=rt.desk.judge(decider.response_type, facts),
        plan=rt.plans.needs({name: fact.value for name, fact in facts.items()}, call.language),
    )


def resolve_facts(call: CallText, protocol: Protocol) -> dict[str, Fact]:
    """Every fact the protocol defines, resolved for this call (the risk model's derived facts included)."""
    rt = protocol.runtime
    mentions, narrative = _mentions(call, rt)
    return _resolve_all(call, rt, mentions, _present_treatments(rt, mentions, call), narrative)


def _mentions(call: CallText, rt: Runtime) -> tuple[Mentions, Reading | None]:
    # The call type's mentions (remembered per call type), and the narrative read once: its mentions for the rules,
    # its words and spans for the learned readers.
    by_concept: Mentions = {}
    narrative = rt.lexicon.read(call.narrative) if call.narrative else None
    for source, found in (
        (
            "call_type",
            rt.call_type_lexicon.mentions(call.call_type, call_type=True) if call.call_type else (),
        ),
        ("narrative", narrative.mentions if narrative else ()),
    ):
        for mention in found:
            key = UNANSWERED + mention.concept if mention.unknown else mention.concept
            by_concept.setdefault(key, []).append((source, mention))
    return by_concept, narrative


def _resolve_all(
    call: CallText, rt: Runtime, mentions: Mentions, present: frozenset[Treatment], narrative: Reading | None
) -> dict[str, Fact]:
    # Most facts are untouched by a call: unknown unless a screening answer or a mention reaches them.
    facts = dict.fromkeys(rt.fact_names, UNKNOWN)
    touched = {r.name: r for r in rt.screened if call.screening.get(r.screening or "") is not None}
    for concept in mentions:
        for reading in rt.readers.get(concept, ()):
            touched[reading.name] = reading
    for name, reading in touched.items():
        facts[name] = _resolve(reading, call, mentions)
    if narrative is not None:
        for reader in rt.readers_of_text:
            facts[reader.fact] = _read(reader, narrative, call, facts)
    _add_derived_facts(rt, facts, mentions, present)
    return facts


def _read(reader: Reader, narrative: Reading, call: CallText, facts: dict[str, Fact]) -> Fact:
    # A learned reader speaks only where the call-taker has not answered every question it defers to (a call
    # screened "no weapons, no violence" is left to the rules), and not on calls the protocol leaves to the rules.
    if reader.deferred_by and all(call.screening.get(field) is False for field in reader.deferred_by):
        return Fact(False)
    if any(facts[name].value is True for name in reader.silent_with):
        return Fact(False)
    score, words = reader.model.read(narrative)
    if score < reader.model.threshold:
        return Fact(False)
    said = ", ".join(f"'{word}'" for word in words) or "the remarks as a whole"
    text = f"read as {score:.2f} (from {reader.model.threshold:g}); weighed most: {said}"
    return Fact(True, (Evidence("narrative", reader.fact, text=text, concept=f"{reader.name}_reader"),))


def _resolve(reading: FactReading, call: CallText, by_concept: Mentions) -> Fact:
    name = reading.name
    if reading.screening is not None:
        answer = call.screening.get(reading.screening)
        if answer is not None:
            screened = (Evidence("screening", name, field=reading.screening, value=answer),)
            if answer or reading.screening_no_settles or not _said_yes(reading, by_concept):
                return Fact(answer, screened, _contradicted(reading, by_concept, answer))
            # The narrative outranks the "no"; the call type, picked before the answer, is no evidence against it.
            current = _text_evidence(name, by_concept, reading.concepts, historical=False)
            return Fact(True, tuple(e for e in current if e.source == "narrative" and not e.negated))
    if reading.history_of:
        past = _text_evidence(name, by_concept, reading.history_of, historical=True)
        earlier = tuple(e for e in past if not e.negated)
        return Fact(True, earlier) if earlier else UNKNOWN
    current = _text_evidence(name, by_concept, reading.concepts, historical=False)
    positive = tuple(e for e in current if not e.negated)
    if positive and reading.outweighed_by:
        outweighing = _reassurance(reading, by_concept, reading.outweighed_by)
        if outweighing:
            return Fact(False, tuple(outweighing))
    if positive:
        return Fact(True, positive)
    denials = [e for e in current if e.negated] + _reassurance(reading, by_concept, reading.reassured_by)
    return Fact(False, tuple(denials)) if denials else UNKNOWN


def _said_yes(reading: FactReading, by_concept: Mentions) -> bool:
    # The narrative tells of it now, not denied: the call-taker's account outranks a screening "no" to a
    # narrower question. A call type is a category picked before the answer, and does not.
    if reading.concepts.isdisjoint(by_concept.keys()):
        return False
    current = _text_evidence(reading.name, by_concept, reading.concepts, historical=False)
    return any(e.source == "narrative" and not e.negated for e in current)


def _reassurance(reading: FactReading, by_concept: Mentions, concepts: frozenset[str]) -> list[Evidence]:
    # "calm", "cooperative", "not a threat": an answer "no" to this fact. Negated ("not calm") it says nothing.
    found = _text_evidence(reading.name, by_concept, concepts, historical=False)
    return [
        Evidence(e.source, reading.name, text=e.text, concept=e.concept, negated=True)
        for e in found
        if not e.negated
    ]


def _contradicted(reading: FactReading, by_concept: Mentions, answer: bool) -> tuple[Evidence, ...]:
    # The text that disagrees with a screening answer: kept so the decision can say the answer outranked it.
    if reading.concepts.isdisjoint(by_concept.keys()):
        return ()
    current = _text_evidence(reading.name, by_concept, reading.concepts, historical=False)
    return tuple(e for e in current if e.negated is answer)


def _text_evidence(
    name: str, by_concept: Mentions, concepts: Iterable[str], *, historical: bool
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
            unanswered=m.unknown,
        )
        for source, m in found
    ]


def _present_treatments(rt: Runtime, mentions: Mentions, call: CallText) -> frozenset[Treatment]:
    present: set[Treatment] = set()
    for concept, found in mentions.items():
        treatment = rt.treatments.get(concept)
        if treatment is None or _screened_out(rt, concept, call):
            continue
        current = [source for source, m in found if not m.negated and not m.historical]
        if current and "narrative" not in current and any(s == "narrative" and m.negated for s, m in found):
            continue  # the remarks deny what the call type names ("SUICIDAL PERSON" ... "she's not suicidal")
        if current:
            if not call.narrative and concept in rt.call_type_treatments:
                treatment = rt.call_type_treatments[concept]  # a call type alone: the program's by-type rule
            present.add(treatment)
    present.update(t for field, t in rt.answers.items() if call.screening.get(field) is True)
    if present and any(UNANSWERED + concept in mentions for concept in rt.question_concepts):
        # A danger raised and left unanswered is risk nobody has assessed, for a need the teams could take; with
        # no such need the call is police's anyway (and an answer must never send it from a clinician to police).
        present.add("ask")
    return frozenset(present)


def _screened_out(rt: Runtime, concept: str, call: CallText) -> bool:
    # "Behavioural health: no" from the call-taker: the text's mental-health words name no need to assess.
    fields = rt.need_fields.get(concept, ())
    return bool(fields) and all(call.screening.get(field) is False for field in fields)


def _add_derived_facts(
    rt: Runtime, facts: dict[str, Fact], mentions: Mentions, present: frozenset[Treatment]
) -> None:
    flags = derive({q: facts[q].value for q in rt.questions}, rt.questions, present, strict=rt.strict)
    for reading in rt.facts:
        if reading.from_risk is None:
            continue
        if not flags[reading.from_risk]:
            facts[reading.name] = Fact(False)
            continue
        needs = [c for c, t in rt.treatments.items() if t == reading.from_risk]
        if reading.from_risk == "ask":
            needs += [UNANSWERED + c for c in rt.question_concepts]
        found = _text_evidence(reading.name, mentions, needs, historical=False)
        facts[reading.name] = Fact(True, tuple(e for e in found if not e.negated))


def _holds(condition: Condition, values: Values) -> bool:
    # A plain loop: all() over a generator measured slower on this, the engine's hottest path.
    for name, accepted in condition:  # noqa: SIM110
        if values[name] not in accepted:
            return False
    return True


def _fired_rules(rt: Runtime, values: Values) -> tuple[Any, tuple[Any, ...]]:
    decider = None
    modifiers = []
    for rule, when, any_of in rt.rules:
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


def _with_risk(rt: Runtime, values: Values, present: frozenset[Treatment]) -> Values:
    flags = derive(values, rt.questions, present, strict=rt.strict)
    full = dict(values)
    for reading in rt.facts:
        if reading.from_risk is not None:
            full[reading.name] = flags[reading.from_risk]
    return full


def _outcome(rt: Runtime, values: Values, present: frozenset[Treatment], call: CallText) -> _Outcome:
    # The rules are a pure function of the fact values; real calls repeat a few hundred combinations, so the
    # outcome (and the questions that would change it, which cost a rule pass per answer) is remembered.
    unanswered = tuple(
        r.name
        for r in rt.screened
        if values[r.name] is None and call.screening.get(r.screening or "") is None
    )
    # A reader goes silent when the call-taker answers "no" to every question it defers to, so which of those the
    # screening has answered "no" is part of what the questions would change.
    said_no = frozenset(
        f for r in rt.readers_of_text for f in r.deferred_by if call.screening.get(f) is False
    )
    key = (tuple(values.values()), present, unanswered, said_no)
    found: _Outcome | None = rt.outcomes.get(key)
    if found is None:
        decider, modifiers = _fired_rules(rt, values)
        ems = any(rule.notify_ems for rule in (decider, *modifiers))
        ask = tuple(
            question
            for name in unanswered
            for answer in (True, False)
            if (question := _question(rt, values, present, (name, answer), said_no, decider, ems)) is not None
        )
        found = _Outcome(decider, modifiers, ask)
        if len(rt.outcomes) >= OUTCOME_CACHE_SIZE:
            rt.outcomes.clear()
        rt.outcomes[key] = found
    return found


def _question(
    rt: Runtime,
    values: Values,
    present: frozenset[Treatment],
    asked: tuple[str, bool],
    said_no: frozenset[str],
    decider: Any,
    ems: bool,
) -> Question | None:
    name, answer = asked
    base = dict(values)
    base[name] = answer
    field = next(r.screening for r in rt.facts if r.name == name)
    assert field is not None
    no = said_no | {field} if answer is False else said_no
    for reader in rt.readers_of_text:
        if reader.deferred_by and no.issuperset(reader.deferred_by):
            base[reader.fact] = False
    treatment = rt.answers.get(field)
    if answer and treatment is not None:  # "yes" to a question that names a need brings the need's treatment
        present = present | {treatment}
    other, modifiers = _fired_rules(rt, _with_risk(rt, base, present))
    other_ems = any(rule.notify_ems for rule in (other, *modifiers))
    if other.response_type == decider.response_type and other_ems == ems:
        return None
    return Question(field, answer, ResponseType(other.response_type), other_ems)


def _reason(rt: Runtime, rule: Any, facts: dict[str, Fact]) -> str:
    sources = sorted({e.source for name in rt.rule_facts[rule.id] for e in facts[name].evidence})
    return f"{rule.reason} ({', '.join(sources)})" if sources else str(rule.reason)


def _overruled(rt: Runtime, fired: Sequence[Any], facts: dict[str, Fact]) -> tuple[str, ...]:
    names = sorted({name for rule in fired for name in rt.rule_facts[rule.id] if facts[name].overruled})
    return tuple(
        f"screening answer {facts[name].evidence[0].field} = {str(facts[name].value).lower()} outranks the "
        + ", ".join(f'{e.source}\'s "{e.text}"' for e in facts[name].overruled)
        for name in names
    )


def _evidence_for(rt: Runtime, fired: Sequence[Any], facts: dict[str, Fact]) -> tuple[Evidence, ...]:
    seen: dict[Evidence, None] = {}
    for rule in fired:
        for name in rt.rule_facts[rule.id]:
            for item in facts[name].evidence:
                seen.setdefault(item, None)
    return tuple(seen)
