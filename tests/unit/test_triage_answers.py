"""How the engine weighs what it is told: a screening "no" to a narrower question against the narrative, the
centre's shorthand read in the sense it is written, a denial that answers the violence question."""

from __future__ import annotations

from cadtriage.triage.engine import decide, resolve_facts
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, ResponseType

NOT_IN_PROGRESS = {"crime_in_progress": False, "weapons": False}


def test_a_theft_the_narrative_reports_outranks_crime_in_progress_no(protocol: Protocol) -> None:
    call = CallText(
        "SHOPLIFTER",
        "store security has M detained in the office, he took clothes, crying, cooperative",
        NOT_IN_PROGRESS,
    )
    decision = decide(call, protocol)
    assert decision.response_type is ResponseType.police
    crime = resolve_facts(call, protocol)["crime"]
    assert crime.value is True
    assert "narrative" in {e.source for e in crime.evidence}


def test_a_call_type_never_outranks_the_answer(protocol: Protocol) -> None:
    call = CallText("PROWLER - TRESPASS", None, {**NOT_IN_PROGRESS, "violence": False})
    assert resolve_facts(call, protocol)["crime"].value is False
    assert decide(call, protocol).response_type is ResponseType.civilian_crisis


def test_cp_before_a_verb_is_the_caller_and_a_complaint_of_cp_is_chest_pain(protocol: Protocol) -> None:
    talk = decide(CallText(None, "CP says she just wants someone to talk to, calm, denies SI"), protocol)
    assert (talk.response_type, talk.notify_ems) == (ResponseType.civilian_crisis, False)
    pain = decide(CallText(None, "M 60s c/o CP and sweating"), protocol)
    assert pain.notify_ems


def test_hasnt_threatened_anyone_answers_the_violence_question(protocol: Protocol) -> None:
    call = CallText(None, "man talking loudly to himself in the library, he hasn't threatened anyone")
    assert resolve_facts(call, protocol)["violence"].value is False
    assert decide(call, protocol).response_type is ResponseType.civilian_crisis


def test_a_suicidal_statement_is_asked_about_before_a_civilian_team_goes(protocol: Protocol) -> None:
    # STAR takes the suicidal series "only when there are no weapons"; Tucson sends "suicidal thoughts without a
    # weapon or a plan" to a clinician. Said with nothing known of either, an officer comes until it is asked.
    statement = "caller says her brother texted that he is going to end it tonight"
    unasked = decide(CallText(None, statement, {}), protocol)
    assert unasked.response_type is ResponseType.co_responder
    assert {"field": "weapons", "if": False, "response_type": "civilian_crisis", "notify_ems": False} in (
        unasked.as_dict()["ask"]
    )
    assert (
        decide(CallText(None, statement, {"weapons": False}), protocol).response_type
        is ResponseType.civilian_crisis
    )
    for denial in ("denies plan", "no tiene plan", "NEG PLAN, NEG MEANS", "he sold his guns"):
        said = decide(CallText(None, f"{statement}, {denial}", {}), protocol)
        assert said.response_type is ResponseType.civilian_crisis, denial
    # A plan or the means in the same words stays with the co-responder whatever else is said.
    means = decide(CallText(None, f"{statement}, has a belt and a chair, denies plan", {}), protocol)
    assert means.response_type is ResponseType.co_responder


def test_a_suicidal_call_type_alone_goes_by_type_and_remarks_that_deny_it_are_read(
    protocol: Protocol,
) -> None:
    # The programs dispatch a suicidal subject by call type: the call-taker screened before choosing it.
    assert (
        decide(CallText("SUICIDAL PERSON", None, {}), protocol).response_type is ResponseType.civilian_crisis
    )
    denied = CallText(
        "SUICIDAL PERSON", "she's not suicidal, just really sad and wants someone to talk to", {}
    )
    assert decide(denied, protocol).response_type is ResponseType.civilian_crisis
    remarks = CallText("SUICIDAL PERSON", "on the tracks by the depot, says he is waiting for the train", {})
    assert decide(remarks, protocol).response_type is not ResponseType.civilian_crisis


def test_remarks_that_tell_the_need_s_history_do_not_deny_what_the_call_type_names(
    protocol: Protocol,
) -> None:
    # Round 19: "MENTAL PERSON" with "HX PSYCHOSIS, getting worse" sent a civilian team, the history read as if
    # the remarks had denied the mental-health need, so nobody asked whether the person was armed or violent.
    told = CallText(
        "MENTAL PERSON", "PARENTS SAY ADULT SON 27 HX PSYCHOSIS. RP HUNG UP BEFORE FURTHER INFO.", {}
    )
    held = decide(told, protocol)
    assert held.response_type is ResponseType.co_responder
    assert held.rules[0] == "risk.unassessed"
    assert {q["field"] for q in held.as_dict()["ask"]} >= {"weapons", "violence"}  # type: ignore[index]
