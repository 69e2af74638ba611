"""Safety invariants of triage, as properties over generated calls.

Calls are built from the corpus's real call types and from the protocol's own vocabulary (concept phrases,
negation, history and uncertainty cues, clause breaks), so the generator reaches the phrasings the engine reads.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cadtriage.protocol_files import load_protocol, parse, shipped_protocol_text
from cadtriage.triage.engine import decide, resolve_facts
from cadtriage.triage.protocol import DESK_DANGER_FIELDS
from cadtriage.triage.types import RESTRICTIVENESS, SCREENING_FIELDS, CallText, ResponseType
from tests.corpus import load_split

PROTOCOL = load_protocol()
CALL_TYPES = sorted({c.call.call_type for c in load_split("dev") if c.call.call_type})
DANGER_FIELDS = ("weapons", "violence", "crime_in_progress", "domestic_violence")
# Appended after a full stop, so nothing in the call's own text can qualify them.
DANGER_CUES = (
    "subj has a knife and is threatening to stab his neighbor",
    "RP says he punched her and is choking her now",
    "male pointing a gun at people",
    "he is breaking into cars",
    "her boyfriend is hitting her",
)
REASSURANCE = ("no weapons, calm and cooperative", "NEG WPNS, not aggressive", "no wpns seen, not a threat")
EMS_CUES = (
    "pt not breathing",
    "subj having a seizure",
    "c/o chest pain",
    "took a bottle of pills",
    "lips are blue",
)


def _readable(phrase: str) -> str:
    # One concrete wording of a phrase pattern: the first alternative of each word, prefixes completed.
    return " ".join(re.sub(r"\*$", "", word.split("|")[0]) for word in phrase.split())


def _fragments() -> list[str]:
    cues = PROTOCOL.vocabulary.cues
    words = [p for entry in PROTOCOL.concepts.values() for item in entry for p in item.split(" | ")]
    words += (
        cues.negate + cues.history + cues.history_after + cues.uncertain + cues.unknown + cues.clause_break
    )
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


def _appended(call: CallText, text: str) -> CallText:
    return CallText(call.call_type, f"{call.narrative or ''}. {text}", call.screening)


def _armed(call: CallText) -> int:
    return RESTRICTIVENESS[decide(call, PROTOCOL).response_type]


@settings(max_examples=400)
@given(call=calls, danger=st.sampled_from(DANGER_FIELDS))
def test_a_danger_answer_never_yields_a_civilian_team(call: CallText, danger: str) -> None:
    screened = CallText(call.call_type, call.narrative, {**call.screening, danger: True})
    assert decide(screened, PROTOCOL).response_type is not ResponseType.civilian_crisis


@settings(max_examples=400)
@given(call=calls, cue=st.sampled_from(DANGER_CUES))
def test_a_danger_cue_in_the_text_never_makes_a_decision_less_armed(call: CallText, cue: str) -> None:
    unscreened = CallText(call.call_type, call.narrative, {})
    assert _armed(_appended(unscreened, cue)) >= _armed(unscreened)
    assert decide(_appended(unscreened, cue), PROTOCOL).response_type is not ResponseType.civilian_crisis


# Characters a text can carry that no reader sees: zero-width space, non-joiner and joiner, soft hyphen, word
# joiner, direction marks; and letters of other scripts drawn like Latin ones (Cyrillic а, е, о, с, і).
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\u200e", "\u202e", "\ufeff")
LOOKALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "i": "\u0456"}


@settings(max_examples=400)
@given(call=calls, cue=st.sampled_from(DANGER_CUES), data=st.data())
def test_an_invisible_character_or_a_look_alike_letter_never_hides_a_danger_cue(
    call: CallText, cue: str, data: st.DataObject
) -> None:
    # Found by an adversarial pass: "he has a kn\u200bife" sent a civilian team (the zero-width space split the
    # word). Each word of the cue gets an invisible character inside it, or a look-alike for one of its letters.
    def disguised(word: str) -> str:
        if len(word) < 2:
            return word
        at = data.draw(st.integers(1, len(word) - 1))
        if data.draw(st.booleans()):
            return word[:at] + data.draw(st.sampled_from(INVISIBLE)) + word[at:]
        return "".join(LOOKALIKE.get(ch, ch) if i == at else ch for i, ch in enumerate(word))

    unscreened = CallText(call.call_type, call.narrative, {})
    hidden = _appended(unscreened, " ".join(disguised(w) for w in cue.split()))
    assert _armed(hidden) == _armed(_appended(unscreened, cue))


@settings(max_examples=400)
@given(call=calls, words=st.sampled_from(REASSURANCE))
# Found by this property: a suicidal runaway went co-responder while unassessed, then police once reassured.
@example(
    call=CallText("Runaway", None, {"self_harm": True, "behavioral_health": True, "police_requested": True}),
    words=REASSURANCE[0],
)
# And: a danger raised and unanswered on a call with no need went co-responder, then police once denied.
@example(call=CallText(None, "not sure 12 gauge", {"police_requested": True}), words=REASSURANCE[0])
# And (CI, 2026-12-01): a lost-person search for someone with a behavioural need went co-responder while
# unassessed, then police once reassured. A police matter now comes before unassessed risk, as labelled.
@example(
    call=CallText("--PERSON - LOST PERSON", None, {"behavioral_health": True, "police_requested": True}),
    words=REASSURANCE[0],
)
def test_reassurance_never_makes_a_decision_more_armed(call: CallText, words: str) -> None:
    assert _armed(_appended(call, words)) <= _armed(call)


@settings(max_examples=400)
@given(call=calls, cue=st.sampled_from(EMS_CUES))
def test_an_ems_cue_always_notifies_ems(call: CallText, cue: str) -> None:
    assert decide(_appended(call, cue), PROTOCOL).notify_ems


@settings(max_examples=400)
@given(call=calls)
# Found by this property: the call type's "criminal damage" was listed beside the narrative that outranked a "no".
@example(call=CallText("Criminal Damage Call", "indecency with a", {"crime_in_progress": False}))
def test_text_never_overrides_a_screening_answer(call: CallText) -> None:
    """Except a narrative's "yes" over a "no" to a narrower question (`screening_no_settles: false`: "crime in
    progress: no" does not deny a theft the narrative reports), which can only make a decision more armed."""
    facts = resolve_facts(call, PROTOCOL)
    for name, fact in PROTOCOL.facts.items():
        answer = call.screening.get(fact.screening or "")
        if answer is None:
            continue
        if answer is False and not fact.screening_no_settles and facts[name].value is True:
            assert all(e.source == "narrative" for e in facts[name].evidence)
            continue
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
def test_a_civilian_team_only_goes_where_no_danger_is_known_and_risk_is_assessed(call: CallText) -> None:
    facts = resolve_facts(call, PROTOCOL)
    if decide(call, PROTOCOL).response_type is ResponseType.civilian_crisis:
        for name in (
            "weapons",
            "violence",
            "crime",
            "domestic_violence",
            "medical",
            "suicide_plan",
            "suicide_attempt",
            "potential_violence",
            "prior_violence",
            "risk_unassessed",
        ):
            assert facts[name].value is not True, name


@settings(max_examples=300)
@given(call=calls)
def test_every_question_to_ask_leads_where_it_says(call: CallText) -> None:
    decision = decide(call, PROTOCOL)
    for question in decision.ask:
        assert call.screening.get(question.field) is None
        answered = CallText(
            call.call_type, call.narrative, {**call.screening, question.field: question.answer}
        )
        after = decide(answered, PROTOCOL)
        assert (after.response_type, after.notify_ems) == (question.response_type, question.notify_ems)
        assert (after.response_type, after.notify_ems) != (decision.response_type, decision.notify_ems)


RELOADED = parse(shipped_protocol_text(), "reloaded")


@settings(max_examples=200)
@given(call=calls)
def test_decisions_are_deterministic_under_the_same_protocol(call: CallText) -> None:
    assert decide(call, PROTOCOL) == decide(call, PROTOCOL) == decide(call, RELOADED)


@settings(max_examples=300)
@given(call=calls)
def test_every_decision_is_explained(call: CallText) -> None:
    decision = decide(call, PROTOCOL)
    assert decision.rules
    assert len(decision.reasons) >= len(decision.rules)
    assert 1 <= decision.priority <= 5
    assert decision.protocol_version == PROTOCOL.version


@settings(max_examples=400)
@given(call=calls, danger=st.sampled_from((*DANGER_FIELDS, "medical_emergency", "police_requested")))
def test_a_danger_answer_or_a_request_for_police_never_puts_a_call_on_the_crisis_desk(
    call: CallText, danger: str
) -> None:
    screened = CallText(call.call_type, call.narrative, {**call.screening, danger: True})
    assert decide(screened, PROTOCOL).consult.eligible is False


@settings(max_examples=400)
@given(call=calls, cue=st.sampled_from(DANGER_CUES + EMS_CUES))
def test_a_danger_or_medical_cue_in_the_text_never_puts_a_call_on_the_crisis_desk(
    call: CallText, cue: str
) -> None:
    # Where the call-taker has not answered the question the cue answers (an answer outranks the text).
    unanswered = CallText(
        call.call_type, call.narrative, {**call.screening, **dict.fromkeys(DESK_DANGER_FIELDS)}
    )
    assert decide(_appended(unanswered, cue), PROTOCOL).consult.eligible is False


@settings(max_examples=400)
@given(call=calls)
# Found by this test on the embedded run (2026-12-01): the medical reader told EMS of "10 56" and the desk still
# took the call, its conditions not reading the reader's fact.
@example(
    call=CallText(
        None,
        "10 56",
        {"weapons": False, "violence": False, "crime_in_progress": False, "self_harm": True,
         "behavioral_health": True, "domestic_violence": False, "police_requested": False},
    )
)  # fmt: skip
def test_the_crisis_desk_takes_only_behavioural_calls_with_no_known_danger(call: CallText) -> None:
    decision = decide(call, PROTOCOL)
    if not decision.consult.eligible:
        return
    facts = resolve_facts(call, PROTOCOL)
    assert facts["behavioral_health"].value is True
    assert decision.response_type is not ResponseType.police
    assert not decision.notify_ems
    for name in (
        "weapons",
        "violence",
        "crime",
        "domestic_violence",
        "medical",
        "suicide_attempt",
        "police_requested",
    ):
        assert facts[name].value is not True, name
