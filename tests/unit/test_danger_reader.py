"""The learned reader of the remarks: it holds a civilian team back from danger told in other words, and does
nothing else (issue 'Triage that diverts', safety: "never a civilian team where any danger cue is present")."""

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
        "man at the gas station seems off, told the clerk he knows when her shift ends and where she parks",
    ),
    (
        None,
        "homeless man at the bus shelter, very confused, his foot is black and swollen and he cant walk on it",
    ),
    ("DISTURBANCE", "man outside the bar arguing with his girlfriend, she has a cut over her eye"),
)


def rules_only() -> Protocol:
    """The shipped protocol as a centre that wants the rules alone has it: reader, fact and rule deleted."""
    raw = yaml.safe_load(shipped_protocol_text())
    del raw["danger_reader"]
    del raw["facts"]["reads_like_danger"]
    raw["rules"] = [r for r in raw["rules"] if r["id"] != "risk.reads_like_danger"]
    for rule in raw["rules"]:
        (rule.get("when") or {}).pop("reads_like_danger", None)
    raw["consult"]["when"].pop("reads_like_danger")
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
    reader = protocol.runtime.reader
    assert reader is not None
    quiet = reader.model.quiet
    assert features(protocol.lexicon, f"{narrative}. {reassurance}", quiet) == features(
        protocol.lexicon, narrative, quiet
    )


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
    with pytest.raises(ProtocolError, match="must bar a civilian team"):
        parse(yaml.safe_dump(raw), "jurisdiction.yaml")


def test_a_jurisdiction_file_uses_its_own_model_beside_it_else_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "centre.yaml").write_text(shipped_protocol_text())
    assert load_protocol(tmp_path / "centre.yaml").runtime.reader is not None  # the shipped model
    (tmp_path / "danger_reader.json").write_text('{"bias": -30.0, "weights": {}}')
    silent = load_protocol(tmp_path / "centre.yaml")
    call_type, narrative = TOLD_OTHERWISE[0]
    assert decide(CallText(call_type, narrative, {}), silent).response_type is ResponseType.civilian_crisis
    (tmp_path / "danger_reader.json").write_text("not json")
    with pytest.raises(ProtocolError, match=r"cannot read danger_reader model 'danger_reader\.json'"):
        load_protocol(tmp_path / "centre.yaml")
