"""Reading CAD text: shorthand, codes, negation scope, history, uncertainty."""

from __future__ import annotations

import pytest

from cadtriage.triage.protocol import Protocol
from cadtriage.triage.text import Mention


def mentions(protocol: Protocol, text: str, *, call_type: bool = False) -> dict[str, Mention]:
    return {m.concept: m for m in protocol.lexicon.mentions(text, call_type=call_type)}


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "DV PRS WITH A WEAP I/P-J/H",
            ["domestic", "violence", "person", "with", "a", "weapon", "in", "progress", "just", "happened"],
        ),
        ("121C_Mental Disordr NonViolent", ["mental", "disorder", "non", "violent"]),
        ("34 - SUICIDE", ["suicide"]),
        ("5150", ["5150"]),
        ("subj w/knife", ["subject", "with", "knife"]),
        (
            "SUICIDE - IP/JO SUICIDAL PERSON",
            ["suicide", "in", "progress", "just", "occurred", "suicidal", "person"],
        ),
    ],
)
def test_call_types_are_normalised(protocol: Protocol, text: str, tokens: list[str]) -> None:
    words = [t for t in protocol.lexicon.tokens(text, drop_leading_codes=True) if t not in ".,;"]
    assert words == tokens


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("no weapons", "weapon"),
        ("no wpns seen", "weapon"),
        ("denies SI", "suicidal"),
        ("not violent", "violence"),
        ("without a weapon", "weapon"),
        ("weapons: none", "weapon"),
        ("MENTAL VIOLENT NOT ARMED", "weapon"),
        ("non-violent", "violence"),
        ("NO THRTS/ASLT/DIST", "violence"),
    ],
)
def test_negation_is_read(protocol: Protocol, text: str, concept: str) -> None:
    assert mentions(protocol, text)[concept].negated


def test_negation_stops_at_the_clause(protocol: Protocol) -> None:
    found = protocol.lexicon.mentions("no weapons, but threatening his mother")
    assert [(m.concept, m.negated) for m in found] == [("weapon", True), ("violence", False)]


def test_a_danger_put_away_is_history_and_a_danger_still_there_is_not(protocol: Protocol) -> None:
    found = protocol.lexicon.mentions("knife was put away but still threatening to stab")
    assert [(m.concept, m.historical, m.negated) for m in found] == [
        ("weapon", True, False),
        ("violence", False, False),
        ("weapon", False, False),
    ]


def test_history_is_not_the_present(protocol: Protocol) -> None:
    assert mentions(protocol, "hx of violence")["violence"].historical
    assert not mentions(protocol, "violent now")["violence"].historical


def test_uncertainty_about_a_weapon_is_not_a_denial(protocol: Protocol) -> None:
    found = mentions(protocol, "not sure if he has a gun")["weapon"]
    assert found.uncertain
    assert not found.negated


def test_self_harm_is_not_read_as_a_threat_to_others(protocol: Protocol) -> None:
    assert set(mentions(protocol, "threatening to kill himself")) == {"suicidal"}
    assert set(mentions(protocol, "threatening to kill him")) == {"violence"}


def test_one_phrase_can_mean_two_things(protocol: Protocol) -> None:
    assert {"suicide_attempt", "medical_emergency"} <= set(mentions(protocol, "took a bunch of pills"))
