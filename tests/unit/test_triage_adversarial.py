"""Calls three adversarial passes (2026-12-02) found sending a civilian team, or less than police, into danger.

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


# A third pass (tenth session): how far a denial reaches, words taken in another sense, and vocabulary. Each
# sent a civilian team or a co-responder before its fix.
THREATS_TO_OTHERS = [
    ("WELFARE CHECK", "NO WPNS/CHOKING HER"),  # a slash ends a denial
    ("WELFARE CHECK", "no weapons / punched his mother"),
    ("WELFARE CHECK", "NO WPNS/DV IN PROGRESS"),
    ("WELFARE CHECK", "no meds and threatening to kill mom"),  # "and" ends it
    ("WELFARE CHECK", "without warning he stabbed her"),  # so does a new subject
    ("WELFARE CHECK", "please don't let him hurt me"),
    ("WELFARE CHECK", "DENIES SI/ENDORSES HI"),  # and a word that affirms
    ("WELFARE CHECK", "denies SI but HI toward wife"),
    ("WELFARE CHECK", "my husband is going to kill me"),  # not the idiom of "my mom is going to kill me"
    ("WELFARE CHECK", "he is about to kill me please hurry"),
    ("WELFARE CHECK", "once he gets home he will kill her"),  # "once" as a conjunction dates nothing
    ("WELFARE CHECK", "walked past her and punched her"),
    ("WELFARE CHECK", "her former husband is choking her"),
    ("WELFARE CHECK", "shot her moments ago"),
    ("WELFARE CHECK", "he is holding a knife to her throat"),  # his knife, her throat: not her own self-harm
    ("WELFARE CHECK", "not kidding he has a gun to her head"),
    ("WELFARE CHECK", "PUNCHED SISTER"),  # telegraphic, without "his" or "the"
    ("WELFARE CHECK", "THREW CHAIR AT NURSE"),
    ("INTOX", "DRUNK M SWING BOTTLE @ PPL"),
    ("WELFARE CHECK", "SUBJ PNTG GUN AT WIFE"),
    ("WELFARE CHECK", "pistol whipped a man"),
    ("WELFARE CHECK", "has a gun to his girlfriend's head"),
    ("WELFARE CHECK", "took a shot at the neighbor"),
    ("WELFARE CHECK", "kicked out her front teeth"),
    ("WELFARE CHECK", "lit the apartment on fire"),
    ("WELFARE CHECK", "drove his car at the crowd"),
    ("WELFARE CHECK", "locked his wife in the basement"),
    ("WELFARE CHECK", "says his ex is a dead woman"),
    ("WELFARE CHECK", "wants his neighbor dead"),
    ("WELFARE CHECK", "TRO in place, ex outside"),
    ("WELFARE CHECK", "NO ETOH/RO VIOL"),
    ("WELFARE CHECK", "SUBJ STABED WIFE"),  # a doubled letter written once
    ("WELFARE CHECK", "SUBJ BEATTING WIFE"),
    ("WELFARE CHECK", "le disparo al vecino"),
    ("WELFARE CHECK", "ele esta batendo na esposa"),  # Portuguese
    ("WELFARE CHECK", "li frape madanm li"),  # Haitian Creole
    ("WELFARE CHECK", "chồng đánh vợ"),  # Vietnamese: "đ" is a letter of its own
    ("DISTURBANCE - PHYSICAL", None),
    ("WELFARE CHECK", "husband hit her last night"),  # last night is a crime to report, not a history
    ("WELFARE CHECK", "yesterday he said he'll shoot her tonight"),
    ("SUICIDE THREAT", "has a gun, says nobody is leaving the house alive"),
    ("WELFARE CHECK", "keeping to himself, sharpening knives, says the neighbors are next"),
]
ARMED = [
    ("WELFARE CHECK", "never without his gun"),  # "without" after a denial affirms
    ("WELF", "SUBJ HAS A .45"),
    ("WELF", "he has an AR-15"),
    ("WELFARE CHECK", "SUBJ ARMD W HNDGN"),
    ("WELFARE CHECK", "li gen yon kouto"),
]
EMERGENCIES = [
    ("WELFARE CHECK", "NEG WPNS/UNRESPONSIVE"),
    ("WELFARE CHECK", "not awake and not breathing"),
    ("WELFARE CHECK", "he hung himself in the garage"),
    ("WELFARE CHECK", "pulled from the pool"),
    ("WELFARE CHECK", "keeled over"),
    ("WELFARE CHECK", "desmaiou e nao acorda"),
    ("WELFARE CHECK", "không thở"),
]
# Words in their other sense, kept so: none of these is a danger.
NOT_DANGER = [
    ("JUVENILE", "14 year old says 'my mom is gonna murder me', fell asleep on the train, wants a ride home"),
    ("LONELY", "says the quiet in that house 'is about to kill me', just wants someone to talk to"),
    (
        "918",
        "walking in circles in the parking lot, not a threat to anyone, RP worried he'll get hit by a car",
    ),
    ("WELFARE CHECK", "he's dead serious about getting sober, wants a ride to detox"),
    ("WELFARE CHECK", "he ain't got no gun, he ain't trying to hurt nobody, he's just drunk and won't leave"),
]


# A fourth pass (tenth session), after the third's fixes: a denial after its word reaching back over others, an
# "unknown" that describes someone read as an open question, violence outside the verb and people lists, a weapon
# moving toward someone, idioms, other languages, emergencies by circumstance; and over-reactions, benign calls
# the new words sent to police. Each failed before its fix.
FOURTH_PASS_POLICE = [
    ("WELFARE CHECK", "husband punched wife denies ems"),
    ("DISTURBANCE", "shooting suspect not seen"),
    ("DISTURBANCE", "unknown male hitting a woman"),
    ("DISTURBANCE", "male shooting at cars plate unknown"),
    ("DISTURBANCE", "male body slammed a girl"),
    ("WELFARE CHECK", "male shook a pregnant woman"),
    ("MENTAL HEALTH", "went at his dad with a hammer"),
    ("MENTAL HEALTH", "has his girlfriend at knifepoint"),
    ("SUICIDE THREAT", "suicidal male says he will go out in a blaze of glory at his workplace"),
    ("MENTAL HEALTH", "once again threatening to shoot his neighbor"),
    ("WELFARE CHECK", "man known to the family is beating the mother"),
    ("WELFARE CHECK", "my baby daddy is going to kill me"),
    ("WELFARE CHECK", "me quiere matar mi esposo"),
    ("WELFARE CHECK", "ele tem uma arma e vai matar o vizinho"),
]
FOURTH_PASS_EMERGENCIES = [
    ("INTOX", "male overdosed substance unknown"),
    ("INTOX", "drunk male on sidewalk, not responding"),
    ("TRANSPORT", "needs ride to hospital, his face and tongue are swelling"),
    ("WELFARE CHECK", "woman confused, one side of her body weak, speech garbled"),
    ("WELFARE CHECK", "se ahorcó"),
]
FOURTH_PASS_BENIGN = [
    ("TRANSPORT", "man needs ride home, his car hit a pothole and got a flat, calm"),
    ("WELFARE CHECK", "confused elderly man pointing at the sky talking about planes, calm"),
    (
        "ASSIST PUBLIC",
        "male needs ride to work, says he punched in late yesterday and his boss will fire him",
    ),
    ("ASSIST PUBLIC", "lonely man wants to talk, his sister kicked her husband out last month"),
    ("WELFARE CHECK", "elderly man confused, caller denies he has any weapons"),
    ("WELFARE CHECK", "elderly man, wouldn't hurt anybody, just confused"),
    ("WELFARE CHECK", "elderly confused, weapons? no. violence? no."),
    ("INTOX", "drunk male at bus stop, NEG WPNS/THREATS, calm"),
    ("ASSIST PUBLIC", "homem perdido, o carro dele bateu no poste ontem, precisa de carona"),
]


# A fifth pass (tenth session) with realistic remarks rather than fragments: (call type, remarks, response type,
# whether EMS must be told).
FIFTH_PASS = [
    (
        "PANHANDLING",
        "Panhandler outside the ATM, polite earlier, now following women to their cars, "
        "grabbed one lady by the wrist.",
        "police",
        False,
    ),
    (
        "MENTAL HEALTH",
        "Caller says her teenage daughter is depressed and told her she ate 20 of her Benadryl at school, seems ok.",
        "co_responder",
        True,
    ),
    (
        "INTOX",
        "Drunk male at the camp says he drank a bottle of rubbing alcohol because he ran out of booze, calm.",
        "co_responder",
        True,
    ),
    (
        "SUICIDAL PERSON",
        "Caller says her husband is threatening to kill himself if she leaves, "
        "and said if he goes he's taking her with him.",
        "police",
        False,
    ),
]
FIFTH_PASS += [
    (
        "WELFARE CHECK",
        "RP asking for check on her neighbor's house, owners are away, she saw a guy carry the neighbors' TV out "
        "the back door and put it in a van.",
        "police",
        False,
    ),
    (
        "LONELY CALLER",
        "Elderly woman wants someone to talk to, not hurt. Her grandson who lives with her takes her pain pills "
        "and her money and yells at her.",
        "police",
        False,
    ),
    (
        "SUICIDE THREAT",
        "Counselor says 15yo student is suicidal and wrote a list of classmates titled 'the ones who go with me'.",
        "police",
        False,
    ),
    (
        "INTOX",
        "Male at the park is drunk and says he chugged half a bottle of mouthwash, sitting up, talking.",
        "co_responder",
        True,
    ),
]
FIFTH_PASS_BENIGN = [
    (
        "SUICIDE THREAT",
        "Caller says her husband is threatening suicide again after losing his job, no plan, no guns, "
        "he is sitting on the back porch, calm, agrees to talk to someone.",
    ),
    (
        "EDP",
        "Man muttering to himself at the station, security says they did not see any kind of weapon, "
        "he is not approaching people.",
    ),
    (
        "EDP",
        "Man sitting on the curb covering his ears saying make it stop, RP says he doesn't seem dangerous.",
    ),
]


@pytest.mark.parametrize(("call_type", "narrative"), THREATS_TO_OTHERS + FOURTH_PASS_POLICE)
def test_a_threat_to_others_a_later_pass_found_goes_to_police(
    protocol: Protocol, call_type: str, narrative: str | None
) -> None:
    decision = decide(CallText(call_type, narrative, {}), protocol)
    assert decision.response_type is ResponseType.police, decision.rules


@pytest.mark.parametrize(("call_type", "narrative"), ARMED)
def test_a_weapon_the_third_pass_found_never_gets_a_civilian_team(
    protocol: Protocol, call_type: str, narrative: str
) -> None:
    assert (
        decide(CallText(call_type, narrative, {}), protocol).response_type is not ResponseType.civilian_crisis
    )


@pytest.mark.parametrize(("call_type", "narrative"), EMERGENCIES + FOURTH_PASS_EMERGENCIES)
def test_an_emergency_a_later_pass_found_tells_ems_and_gets_no_civilian_team(
    protocol: Protocol, call_type: str, narrative: str
) -> None:
    decision = decide(CallText(call_type, narrative, {}), protocol)
    assert decision.notify_ems, decision.rules
    assert decision.response_type is not ResponseType.civilian_crisis, decision.rules


@pytest.mark.parametrize(("call_type", "narrative"), NOT_DANGER)
def test_a_word_in_its_other_sense_stays_no_danger(
    protocol: Protocol, call_type: str, narrative: str
) -> None:
    decision = decide(CallText(call_type, narrative, {}), protocol)
    assert decision.response_type is ResponseType.civilian_crisis, decision.rules
    assert not decision.notify_ems, decision.rules


@pytest.mark.parametrize(("call_type", "narrative"), FOURTH_PASS_BENIGN + FIFTH_PASS_BENIGN)
def test_a_benign_call_a_later_pass_found_goes_to_a_civilian_team(
    protocol: Protocol, call_type: str, narrative: str
) -> None:
    assert decide(CallText(call_type, narrative, {}), protocol).response_type is ResponseType.civilian_crisis


@pytest.mark.parametrize(("call_type", "narrative", "response_type", "ems"), FIFTH_PASS)
def test_a_danger_the_fifth_pass_found_is_met(
    protocol: Protocol, call_type: str, narrative: str, response_type: str, ems: bool
) -> None:
    decision = decide(CallText(call_type, narrative, {}), protocol)
    assert decision.response_type.value == response_type, decision.rules
    assert decision.notify_ems or not ems, decision.rules
