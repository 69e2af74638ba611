"""The learned readers of the remarks: one holds a civilian team back from danger told in other words, the other
tells EMS of a medical emergency told by its circumstances, and neither does anything else (issue 'Triage that
diverts': "never a civilian team where any danger cue is present", "notify_ems on every medical emergency")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cadtriage.protocol_files import load_protocol, parse, shipped_protocol_text
from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol, ProtocolError
from cadtriage.triage.reader import features
from cadtriage.triage.types import RESTRICTIVENESS, CallText, ResponseType

# Danger in words no phrase list has: stalking told by what he knows, a wound told by its look, an injury on a
# partner told in passing. The rules alone send each a civilian team.
TOLD_OTHERWISE = (
    (
        "WELFARE CHECK",
        "guy sitting in the lot for hours seems off, wrote down the plate of every woman who left the store",
    ),
    (
        None,
        "homeless man at the bus shelter, very confused, his leg is black and swollen, wont let anyone look",
    ),
    ("DISTURBANCE", "man outside the bar arguing with his girlfriend, she has a cut over her eye"),
)


def rules_only() -> Protocol:
    """The shipped protocol as a centre that wants the rules alone has it: readers, facts and rules deleted."""
    raw = yaml.safe_load(shipped_protocol_text())
    del raw["readers"]
    for fact in ("reads_like_danger", "reads_like_medical"):
        del raw["facts"][fact]
    raw["rules"] = [
        r for r in raw["rules"] if r["id"] not in ("risk.reads_like_danger", "ems.reads_like_medical")
    ]
    for rule in raw["rules"]:
        (rule.get("when") or {}).pop("reads_like_danger", None)
    raw["consult"]["when"].pop("reads_like_danger")
    raw["consult"]["when"].pop("reads_like_medical")
    return parse(yaml.safe_dump(raw), "rules-only.yaml")


RULES_ONLY = rules_only()


@pytest.mark.parametrize(("call_type", "narrative"), TOLD_OTHERWISE)
def test_danger_told_in_other_words_is_held_back_from_a_civilian_team(
    protocol: Protocol, call_type: str | None, narrative: str
) -> None:
    call = CallText(call_type, narrative, {})
    assert decide(call, RULES_ONLY).response_type is ResponseType.civilian_crisis
    held = decide(call, protocol)
    assert held.response_type is ResponseType.co_responder
    assert held.rules[0] == "risk.reads_like_danger"
    [read] = [e for e in held.evidence if e.concept == "danger_reader"]
    assert read.text is not None
    assert read.text.startswith("read as 0.9") or read.text.startswith("read as 1.00")
    assert "weighed most: '" in read.text


def test_the_call_takers_no_to_weapons_and_violence_leaves_the_call_to_the_rules(protocol: Protocol) -> None:
    call_type, narrative = TOLD_OTHERWISE[0]
    one = decide(CallText(call_type, narrative, {"weapons": False}), protocol)
    assert one.response_type is ResponseType.co_responder  # one question answered: still held back
    # ...and the decision says which answer would send a civilian team: the question left.
    assert {"field": "violence", "if": False, "response_type": "civilian_crisis", "notify_ems": False} in (
        one.as_dict()["ask"]
    )
    both = decide(CallText(call_type, narrative, {"weapons": False, "violence": False}), protocol)
    assert both.response_type is ResponseType.civilian_crisis
    assert "risk.reads_like_danger" not in both.rules


def test_suicidal_statements_are_left_to_the_risk_model(protocol: Protocol) -> None:
    said = "caller says her brother texted that he is going to end it tonight, he sold his guns"
    assert decide(CallText(None, said, {}), protocol).response_type is ResponseType.civilian_crisis


def test_a_call_the_rules_send_to_police_or_a_co_responder_is_never_changed(protocol: Protocol) -> None:
    for narrative in ("man pointing a gun at people", "subj hearing voices, yelling at cars"):
        call = CallText(None, narrative, {})
        assert decide(call, protocol).response_type is decide(call, RULES_ONLY).response_type


@settings(max_examples=300)
@given(
    narrative=st.sampled_from(
        [n for _, n in TOLD_OTHERWISE] + ["man sleeping in a doorway", "needs a ride home"]
    ),
    reassurance=st.sampled_from(
        [
            "no weapons, calm and cooperative",
            "NEG WPNS, not aggressive",
            "no wpns seen, not a threat",
            "denies plan",
        ]
    ),
)
def test_reassurance_is_not_read_so_it_never_raises_the_score(
    protocol: Protocol, narrative: str, reassurance: str
) -> None:
    [reader] = [r for r in protocol.runtime.readers_of_text if r.name == "danger"]
    quiet = reader.model.quiet
    longer = features(protocol.lexicon.read(f"{narrative}. {reassurance}"), quiet)
    assert longer == features(protocol.lexicon.read(narrative), quiet)


@settings(max_examples=300)
@given(
    words=st.lists(
        st.sampled_from(["knife", "calm", "the", "ride", "blood", "neighbor", "ex", "sleeping"]), max_size=12
    )
)
def test_the_reader_never_makes_a_decision_less_armed_than_the_rules_alone(
    protocol: Protocol, words: list[str]
) -> None:
    call = CallText("WELFARE CHECK", " ".join(words) or "check on him", {})
    assert (
        RESTRICTIVENESS[decide(call, protocol).response_type]
        >= RESTRICTIVENESS[decide(call, RULES_ONLY).response_type]
    )


def test_a_reader_fact_that_does_not_bar_a_civilian_team_is_refused() -> None:
    raw = yaml.safe_load(shipped_protocol_text())
    raw["facts"]["reads_like_danger"]["bars_civilian"] = False
    with pytest.raises(
        ProtocolError, match=r"decides rule 'risk\.reads_like_danger', so it must bar a civilian team"
    ):
        parse(yaml.safe_dump(raw), "jurisdiction.yaml")


def test_a_jurisdiction_file_uses_its_own_model_beside_it_else_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "centre.yaml").write_text(shipped_protocol_text())
    assert len(load_protocol(tmp_path / "centre.yaml").runtime.readers_of_text) == 2  # the shipped models
    (tmp_path / "danger_reader.json").write_text('{"bias": -30.0, "weights": {}}')
    silent = load_protocol(tmp_path / "centre.yaml")
    call_type, narrative = TOLD_OTHERWISE[0]
    assert decide(CallText(call_type, narrative, {}), silent).response_type is ResponseType.civilian_crisis
    (tmp_path / "danger_reader.json").write_text("not json")
    with pytest.raises(ProtocolError, match=r"cannot read reader model 'danger_reader\.json'"):
        load_protocol(tmp_path / "centre.yaml")


# Medical emergencies told by what happened, not by a symptom the phrase lists name.
MEDICAL_BY_CIRCUMSTANCE = (
    "elderly man wandering the parking lot, confused, skin is clammy, his wife says he took his insulin but "
    "skipped lunch",
    "lady at the library keeps rubbing her chest and says she feels like an elephant is sitting on her",
)


@pytest.mark.parametrize("narrative", MEDICAL_BY_CIRCUMSTANCE)
def test_a_medical_emergency_told_by_its_circumstances_tells_ems(protocol: Protocol, narrative: str) -> None:
    call = CallText("WELFARE CHECK", narrative, {})
    assert not decide(call, RULES_ONLY).notify_ems
    told = decide(call, protocol)
    assert told.notify_ems
    assert "ems.reads_like_medical" in told.rules
    assert (
        told.response_type is decide(call, RULES_ONLY).response_type
    )  # it tells EMS; who goes is the rules'
    [read] = [e for e in told.evidence if e.concept == "medical_reader"]
    assert "weighed most: '" in (read.text or "")


def test_the_medical_reader_is_silent_once_the_call_taker_says_no_medical_emergency(
    protocol: Protocol,
) -> None:
    call = CallText("WELFARE CHECK", MEDICAL_BY_CIRCUMSTANCE[0], {"medical_emergency": False})
    assert not decide(call, protocol).notify_ems


def test_a_reader_that_decides_who_goes_must_bar_a_civilian_team_and_one_that_only_tells_ems_need_not() -> (
    None
):
    raw = yaml.safe_load(shipped_protocol_text())
    assert raw["facts"]["reads_like_medical"].get("bars_civilian", False) is False  # only a modifier reads it
    medical_rule = next(r for r in raw["rules"] if r["id"] == "ems.reads_like_medical")
    medical_rule.update(response_type="co_responder", priority=2)
    with pytest.raises(
        ProtocolError, match=r"decides rule 'ems\.reads_like_medical', so it must bar a civilian team"
    ):
        parse(yaml.safe_dump(raw), "jurisdiction.yaml")
