"""Call-type words that look like a cue and are not one, words read in the wrong sense, and a county's codes.

From a development round of real call types (Bell and Collin County TX, Oakland County MI, Lincoln County WV;
cadpage parsers): a fire "threatening" a structure read as a threat, a traffic list's "transportation" read as a
ride, a CO alarm with no one ill read as a poisoning, "UNKNOWN STATUS" read as an unanswered question that hid the
person down beside it, an EMS call for a suicidal person sent to a civilian team as a plain suicidal statement.
"""

from __future__ import annotations

import pytest

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, ResponseType

police, co_responder, civilian = ResponseType.police, ResponseType.co_responder, ResponseType.civilian_crisis


@pytest.mark.parametrize(
    ("call_type", "response_type", "notify_ems"),
    [
        ("GRASS FIRE - STRUCTURE THREATENED", police, False),
        ("TRAFFIC/TRANSPORTATION ACCIDENTS - NO INJURIES (CONFIRMED)", police, False),
        ("CO ALARM", police, False),
        ("CARBON MONOXIDE ALARM", police, False),
        ("SOLICITOR COMPLAINT", police, False),
        ("UNKNOWN STATUS (MAN DOWN)", civilian, True),
        ("EMS - SUICIDAL PERSON", co_responder, True),
        ("ASUICI", co_responder, True),
        ("TSUICI", civilian, False),
        # Round 23 (Pierce County WA, Carroll County MD, Ray County MO, Chester County SC): a fainting "episode" is
        # not a mental-health one; a suicidal person's attempt, a self-inflicted shooting and an involuntary
        # commitment are the co-responder's.
        ("SYNCOPAL EPISODE", police, True),
        ("10-100 SUICIDAL PERSON / ATTEMPTED", co_responder, True),
        ("SELF INFLICTED SHOOTING", co_responder, True),
        ("INVOLUNTARY COMMIT", co_responder, False),
    ],
)
def test_a_call_type_is_read_in_its_own_sense(
    protocol: Protocol, call_type: str, response_type: ResponseType, notify_ems: bool
) -> None:
    decision = decide(CallText(call_type, None, {}), protocol)
    assert (decision.response_type, decision.notify_ems) == (response_type, notify_ems), decision.rules


def test_a_carbon_monoxide_alarm_with_people_ill_still_tells_ems(protocol: Protocol) -> None:
    call = CallText("CO ALARM", "CO ALARM SOUNDING, ALL W/ HEADACHES, GRANDMA VOMITING AND VERY DROWSY", {})
    assert decide(call, protocol).notify_ems
