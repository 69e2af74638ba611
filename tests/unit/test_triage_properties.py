"""Safety invariants of triage, as properties over generated calls.

Calls are built from the corpus's real call types and from the protocol's own vocabulary (concept phrases,
negation, history and uncertainty cues, clause breaks), so the generator reaches the phrasings the engine reads.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cadtriage.protocol_files import load_protocol, shipped_protocol_text
from cadtriage.triage.engine import decide, resolve_facts
from cadtriage.triage.protocol import parse_protocol
from cadtriage.triage.types import SCREENING_FIELDS, CallText, ResponseType
from tests.corpus import load_corpus

PROTOCOL = load_protocol()
CALL_TYPES = sorted({c.call.call_type for c in load_corpus() if c.call.call_type})
DANGER_FIELDS = ("weapons", "violence", "crime_in_progress", "domestic_violence")


def _readable(phrase: str) -> str:
    # One concrete wording of a phrase pattern: the first alternative of each word, prefixes completed.
    return " ".join(re.sub(r"\*$", "", word.split("|")[0]) for word in phrase.split())


def _fragments() -> list[str]:
    cues = PROTOCOL.vocabulary.cues
    words = [p for entry in PROTOCOL.concepts.values() for item in entry for p in item.split(" | ")]
    words += cues.negate + cues.history + cues.history_after + cues.uncertain + cues.clause_break
    return [*sorted({_readable(w) for w in words}), "subj", "RP says", "the", "he", "she", "and", ",", "."]


narratives = st.lists(st.sampled_from(_fragments()), max_size=14).map(" ".join)
answers = st.sampled_from([True, False, None])
screenings = st.fixed_dictionaries({name: answers for name in SCREENING_FIELDS})
calls = st.builds(
    CallText,
    call_type=st.one_of(st.none(), st.sampled_from(CALL_TYPES)),
    narrative=st.one_of(st.none(), narratives),
    screening=screenings,
)


@settings(max_examples=400)
@given(call=calls, danger=st.sampled_from(DANGER_FIELDS))
def test_a_danger_answer_never_yields_a_civilian_team(call: CallText, danger: str) -> None:
    screened = CallText(call.call_type, call.narrative, {**call.screening, danger: True})
    assert decide(screened, PROTOCOL).response_type is not ResponseType.civilian_crisis


@settings(max_examples=400)
@given(call=calls)
def test_text_never_overrides_a_screening_answer(call: CallText) -> None:
    facts = resolve_facts(call, PROTOCOL)
    for name, fact in PROTOCOL.facts.items():
        answer = call.screening.get(fact.screening or "")
        if answer is not None:
            assert facts[name].value is answer
            assert all(e.source == "screening" for e in facts[name].evidence)


@settings(max_examples=300)
@given(call=calls, other=narratives)
def test_a_screened_weapon_outranks_any_narrative(call: CallText, other: str) -> None:
    answered = {**call.screening, "weapons": True}
    first = decide(CallText(call.call_type, call.narrative, answered), PROTOCOL)
    second = decide(CallText(call.call_type, other, answered), PROTOCOL)
    assert ResponseType.civilian_crisis not in (first.response_type, second.response_type)


@settings(max_examples=400)
@given(call=calls)
def test_missing_information_is_not_evidence_of_safety(call: CallText) -> None:
    facts = resolve_facts(call, PROTOCOL)
    decision = decide(call, PROTOCOL)
    if decision.response_type is ResponseType.civilian_crisis:
        assert facts["weapons"].value is False
        assert facts["violence"].value is False or facts["calm"].value is True
        assert any(e.fact == "weapons" for e in decision.evidence), (
            "civilian decisions show the weapons evidence"
        )
        for name in ("crime", "domestic_violence", "medical"):
            assert facts[name].value is not True


@settings(max_examples=200)
@given(call=calls)
def test_decisions_are_deterministic_under_the_same_protocol(call: CallText) -> None:
    again = parse_protocol(shipped_protocol_text(), "reloaded")
    assert decide(call, PROTOCOL) == decide(call, PROTOCOL) == decide(call, again)


@settings(max_examples=300)
@given(call=calls)
def test_every_decision_is_explained(call: CallText) -> None:
    decision = decide(call, PROTOCOL)
    assert decision.rules
    assert len(decision.reasons) == len(decision.rules)
    assert 1 <= decision.priority <= 5
    assert decision.protocol_version == PROTOCOL.version
