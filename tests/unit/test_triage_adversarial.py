"""Calls two adversarial passes (2026-12-02) found sending a civilian team, or less than police, into danger.

Most came from that session's own changes, before they landed: words read in another sense that swallowed a
weapon ("saw blade", "mower blade"), a place name that swallowed a bridge, means "answered" by guns kept
elsewhere while he goes to get one, the call-type speller taking "LURRING" (luring) for "slurring", and cues for
an unanswered question reaching past the question ("refused to answer the door and is threatening to shoot").
"""

from __future__ import annotations

import pytest

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, ResponseType

NEVER_CIVILIAN = [
    ("WELFARE CHECK", "he swung the mower blade at her"),
    ("WELFARE CHECK", "he is holding a saw blade to her throat"),
    ("WELFARE CHECK", "he slashed his wrists with a skate blade"),
    ("WELFARE CHECK", "rp saw blade in his waistband"),
    ("WELFARE CHECK", "man sitting on the railing of the falls bridge"),
    ("SUICIDAL SUBJECT", "guns are over at his brother's, he just left to get one"),
    ("SUICIDAL SUBJECT", "gun is over at his dad's, he said he'd use it tonight"),
    ("WELFARE CHECK", "medic alert company calling, patient fell"),
    ("CHILD - IP/JO - LURRING", None),
    ("LEEPING TOM", None),
    ("SUICIDAL SUBJECT", "nothing to hurt himself with, he is walking into traffic"),
    ("SUICIDAL SUBJECT", "nothing to hurt himself with, so he says he will jump"),
    ("WELFARE CHECK", "he said she won't live to see tomorrow"),
    ("WELFARE CHECK", "he is carrying a burner, waving it around"),
    ("WELFARE CHECK", "he poured gasoline on the porch"),
    ("WELFARE CHECK", "oxygen sat 82"),
    ("WELFARE CHECK", "acting like he's drunk, but he doesn't drink, slurred, cant lift arm"),
    # A second pass: a word in another sense silenced the learned reader for its whole clause.
    ("WELFARE CHECK", "son threw his mom across the room and pulled off her oxygen"),
    ("WELFARE CHECK", "grandson threw grandma across the room and ripped off her medical alert necklace"),
    ("WELFARE CHECK", "he threw his wife across the room in Twin Falls"),
    ("WELFARE CHECK", "ex keeps calling from a burner phone saying she will regret leaving him"),
    ("WELFARE CHECK", "RP has not heard of any weapons domestic in progress next door"),
    ("WELFARE CHECK", "she has not heard of the restraining order violation he is at her door"),
    ("CUSTOMER TROUBLE", "clerk says customer trouble breathing at the register, wants someone to come"),
    ("WELFARE CHECK", "uncle is holding the kid underwater in the tub"),
    ("WELFARE CHECK", "he is stomping on his girlfriend"),
    ("WELFARE CHECK", "brother pinned grandma to the floor"),
    (
        "SUICIDAL PERSON",
        "says he has nothing to hurt himself with and he is going to take his ex down with him",
    ),
    # A denial ran on into the danger beside it, as if the two were a list.
    ("WELFARE CHECK", "RP no weapons husband beating wife now"),
    ("WELFARE CHECK", "no weapons fighting in the street"),
]

STILL_POLICE = [
    ("WELFARE CHECK", "he refused to answer the door and is threatening to shoot anyone who comes in"),
    ("WELFARE CHECK", "refused to say who hit her, her boyfriend is still there"),
    ("WELFARE CHECK", "wouldn't say who hit her, face bloody"),
    ("DISTURBANCE", "wouldn't say whether the gun was loaded"),
    ("WELFARE CHECK", "caller would not say if he hit her again"),
    ("DISTURBANCE", "male has the knife in his hand"),
    ("DISTURBANCE", "neighbor has his gun with him, standing in the driveway yelling at RP"),
    ("SUSPICIOUS PERSON", "student stashing his dads gun in his locker"),
]


@pytest.mark.parametrize(("call_type", "narrative"), NEVER_CIVILIAN)
def test_a_danger_the_adversarial_pass_found_never_gets_a_civilian_team(
    protocol: Protocol, call_type: str, narrative: str | None
) -> None:
    decision = decide(CallText(call_type, narrative, {}), protocol)
    assert decision.response_type is not ResponseType.civilian_crisis, decision.rules


@pytest.mark.parametrize(("call_type", "narrative"), STILL_POLICE)
def test_an_unanswered_question_cue_reaches_only_the_question(
    protocol: Protocol, call_type: str, narrative: str
) -> None:
    assert decide(CallText(call_type, narrative, {}), protocol).response_type is ResponseType.police
