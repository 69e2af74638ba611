"""A call type that names a medical emergency tells EMS, however a centre's CAD words it.

The names are the chief complaints of the Medical Priority Dispatch System (protocols 1-33, as published by the
International Academies of Emergency Dispatch), which most US centres' medical call types follow, and the shorthand
CAD lists abbreviate them to. Not one corpus's call types: a list a centre could type tomorrow.
"""

from __future__ import annotations

import pytest

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText

MPDS_CHIEF_COMPLAINTS = (
    "ABDOMINAL PAIN/PROBLEMS",
    "ALLERGIES/ENVENOMATIONS",
    "ANIMAL BITES/ATTACKS",
    "ASSAULT/SEXUAL ASSAULT",
    "BACK PAIN",
    "BREATHING PROBLEMS",
    "BURNS/EXPLOSION",
    "CARBON MONOXIDE/INHALATION/HAZMAT",
    "CARDIAC OR RESPIRATORY ARREST/DEATH",
    "CHEST PAIN",
    "CHOKING",
    "CONVULSIONS/SEIZURES",
    "DIABETIC PROBLEMS",
    "DROWNING/DIVING/SCUBA ACCIDENT",
    "ELECTROCUTION/LIGHTNING",
    "EYE PROBLEMS/INJURIES",
    "FALLS",
    "HEADACHE",
    "HEART PROBLEMS/AICD",
    "HEAT/COLD EXPOSURE",
    "HEMORRHAGE/LACERATIONS",
    "INACCESSIBLE INCIDENT/OTHER ENTRAPMENTS",
    "OVERDOSE/POISONING",
    "PREGNANCY/CHILDBIRTH/MISCARRIAGE",
    "PSYCHIATRIC/ABNORMAL BEHAVIOR/SUICIDE ATTEMPT",
    "STAB/GUNSHOT/PENETRATING TRAUMA",
    "STROKE/CVA",
    "TRAFFIC/TRANSPORTATION INCIDENT",
    "TRAUMATIC INJURIES",
    "UNCONSCIOUS/FAINTING",
    "UNKNOWN PROBLEM/PERSON DOWN",
    "INDUSTRIAL/MACHINERY ACCIDENTS",
)
CAD_SHORTHAND = (
    "ABD PAIN",
    "EYE INJURY",
    "AMS",
    "ALTERED MENTAL STATUS",
    "DIFF BREATHING",
    "RESP DIST",
    "SZ",
    "CVA",
    "GSW",
    "OD",
    "UNCON",
    "MVA W/INJ",
    "CPR IN PROGRESS",
    "FIRST AID",
    "MEDICAL AID",
    "SICK PERSON",
    "SUICIDE ATTEMP",
    "SUICIDAL PERSON/ATT. SUICIDE",
    "ACCIDENT EXTR",
)
# Lists that fuse the discipline's letter to the name ("EChest Pain"), and rescues named by the place or the craft.
FUSED_AND_RESCUES = (
    "EChest Pain",
    "EUnresponsive",
    "ESeizures",
    "FRiver Rescue",
    "ICE RESCUE",
    "PLANE CRASH",
    "BOAT IN DISTRESS",
    "RESCUE-TRAPED PERSON(S)",
    "HIGH WATER - PERSON IN WATER",
    "ANIMAL - ATTACK OR MULTIPLE  ANIMALS",
    "PEDESTRIAN HIT",
    "HURT",
    "EMSFALL",
    "SICK PERSON - SICKLE CELL CRISIS/THALASSEMIA",
    "UNKNOWN STATUS (MAN DOWN) - LIFE STATUS QUESTIONABLE",
    "MEDICAL ALARM",
    "TRENCH RESCUE",
    "HEAT EMERGENCY",
    "VEHICLE COLLISION SERIOUS",
    "SUBJECT LOCKED IN A VEHICLE",
    "SELF INFLICTED - KNIFE",
    "BREATHINGPROBLEMS",
    "COLLAPSE",
)


@pytest.mark.parametrize("call_type", MPDS_CHIEF_COMPLAINTS + CAD_SHORTHAND + FUSED_AND_RESCUES)
def test_a_medical_call_type_tells_ems(protocol: Protocol, call_type: str) -> None:
    assert decide(CallText(call_type, None, {}), protocol).notify_ems


@pytest.mark.parametrize("call_type", ["EDP", "Emotional Distress", "FALLS", "LIFT ASSIST"])
def test_a_call_type_keeps_a_first_letter_that_is_not_a_discipline(
    protocol: Protocol, call_type: str
) -> None:
    words = protocol.runtime.call_type_lexicon.tokens(call_type, drop_leading_codes=True)
    assert words[0][0] == call_type[0].lower()
