"""Reading CAD text: shorthand, codes, negation scope, history, uncertainty."""

from __future__ import annotations

import pytest

from cadtriage.triage.protocol import Protocol
from cadtriage.triage.scope import Mention


def mentions(protocol: Protocol, text: str, *, call_type: bool = False) -> dict[str, Mention]:
    return {m.concept: m for m in protocol.lexicon.mentions(text, call_type=call_type)}


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "DV PRS WITH A WEAP I/P-J/H",
            ["domestic", "violence", "person", "with", "a", "weapon", "in", "progress", "just", "happened"],
        ),
        ("121C_Mental Disordr NonViolent", ["mental", "disorder", "not", "violent"]),
        ("NON-TRAF NON-CRIM - DRUG RELATED (OD)", ["nontraf", "noncrim", "drug", "related", "overdose"]),
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
        ("NEG WPNS", "weapon"),
        ("without a weapon", "weapon"),
        ("weapons: none", "weapon"),
        ("MENTAL VIOLENT NOT ARMED", "weapon"),
        ("no sign of any weapons", "weapon"),
    ],
)
def test_negation_is_read(protocol: Protocol, text: str, concept: str) -> None:
    assert mentions(protocol, text)[concept].negated


def test_negation_stops_at_the_clause(protocol: Protocol) -> None:
    found = protocol.lexicon.mentions("no weapons, but threatening his mother")
    assert [(m.concept, m.negated) for m in found] == [("weapon", True), ("violence", False)]


def test_a_danger_put_away_is_history_and_a_danger_still_there_is_not(protocol: Protocol) -> None:
    found = protocol.lexicon.mentions("knife was put away but still threatening to stab")
    assert {(m.concept, m.historical, m.negated) for m in found} == {
        ("weapon", True, False),
        ("violence", False, False),
        ("weapon", False, False),
    }


def test_history_is_not_the_present(protocol: Protocol) -> None:
    assert mentions(protocol, "hx of violence")["violence"].historical
    assert not mentions(protocol, "violent now")["violence"].historical


def test_a_possible_weapon_is_a_weapon_and_an_unknown_one_is_no_answer(protocol: Protocol) -> None:
    found = mentions(protocol, "he may have a gun")["weapon"]
    assert found.uncertain
    assert not found.negated
    for text in (
        "not sure if he has a gun",
        "UNK WPNS",
        "dont know if he has guns",
        "no sabe si tiene armas",
        # A question the caller left unanswered is not a denial ("not" is two words from "wpns").
        "RP DID NOT ANSWER RE WPNS, CALL DROPPED",
        "refused to answer about weapons",
    ):
        unanswered = mentions(protocol, text)["weapon"]
        assert unanswered.unknown, text
        assert not unanswered.negated, text


def test_a_denial_that_expects_the_thing_is_no_denial(protocol: Protocol) -> None:
    found = mentions(protocol, "he hasn't hit her yet")["violence"]
    assert not found.negated
    assert mentions(protocol, "he hasn't hit her")["violence"].negated


def test_a_negation_reaches_through_a_list_but_not_past_and(protocol: Protocol) -> None:
    assert mentions(protocol, "no weapons or violence")["violence"].negated
    assert not mentions(protocol, "no weapons and threatening people")["violence"].negated


@pytest.mark.parametrize(
    "text",
    [
        "RP no weapons husband beating wife now",  # two concepts side by side are no list without "or"
        "NO WPNS SUBJ PUNCHING PEOPLE",
        "no weapons fighting",
        "NO WPNS/DV IN PROGRESS",  # in CAD remarks a slash separates clauses as often as it lists
        "NO THRTS/ASLT/DIST",
    ],
)
def test_a_denial_does_not_run_on_into_the_next_danger(protocol: Protocol, text: str) -> None:
    # "no weapons husband beating wife" sent a civilian team to a welfare check: the denial of weapons ran on
    # into the beating, because two concepts side by side were read as a list.
    found = protocol.lexicon.mentions(text)
    assert found[0].negated
    assert not any(m.negated for m in found[1:]), found


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("no meds and threatening to kill mom", "violence"),  # "and"
        ("without warning he stabbed her", "violence"),  # a new subject
        ("please don't let him hurt me", "violence"),  # "let"
        ("he never stopped choking her", "violence"),  # a stop
        ("DENIES SI/ENDORSES HI", "violence"),  # a word that affirms
        ("NO DRUGS/OD", "medical_emergency"),  # a slash
        ("stabbed her, none seen", "violence"),  # a denial after reaches back no further than a comma
        ("not awake and not breathing", "medical_emergency"),
    ],
)
def test_a_denial_ends_where_its_scope_ends(protocol: Protocol, text: str, concept: str) -> None:
    assert not mentions(protocol, text)[concept].negated


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("NO WPNS/VIOLENCE", "violence"),  # a slash lists a screening question's word standing alone
        ("DENIES SI/HI/WEAPONS", "weapon"),
        ("NEG WPNS/THREATS", "agitation"),
        ("weapons? no. violence? no.", "weapon"),  # a question answered in the remarks
        ("weapons? no. violence? no.", "violence"),
        ("caller denies he has any weapons", "weapon"),  # a verb of denial takes its clause's subject too
        ("weapons none seen", "weapon"),
    ],
)
def test_a_denial_reaches_what_it_names(protocol: Protocol, text: str, concept: str) -> None:
    assert mentions(protocol, text)[concept].negated


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        (
            "chest pain denies SOB",
            "medical_emergency",
        ),  # a word that denies either way denies what follows it
        ("shots fired none injured", "violence"),
        (
            "robbery just occurred suspect not seen",
            "violence",
        ),  # a denial after its word names that word only
        ("husband punched wife denies ems", "domestic_violence"),
    ],
)
def test_a_denial_after_a_danger_does_not_reach_back_over_other_words(
    protocol: Protocol, text: str, concept: str
) -> None:
    first = next(m for m in protocol.lexicon.mentions(text) if m.concept == concept)
    assert not first.negated


def test_an_open_question_after_a_word_names_that_word_only(protocol: Protocol) -> None:
    assert not mentions(protocol, "man not breathing cause unknown")["medical_emergency"].unknown


@pytest.mark.parametrize("text", ["never without his gun", "never goes anywhere without his knife"])
def test_without_after_a_denial_affirms(protocol: Protocol, text: str) -> None:
    assert not mentions(protocol, text)["weapon"].negated


@pytest.mark.parametrize("text", ["he ain't got no gun", "No, no tiene pistola", "no weapons or drugs"])
def test_a_denial_said_twice_is_still_a_denial(protocol: Protocol, text: str) -> None:
    assert mentions(protocol, text)["weapon"].negated


def test_hi_is_a_greeting_unless_it_stands_beside_si(protocol: Protocol) -> None:
    assert "violence" not in mentions(protocol, "Hi, my neighbor is lonely")
    assert "violence" not in mentions(protocol, "HI MY NAME IS DORIS")
    assert (
        mentions(protocol, "pt endorses SI/HI")["violence"].text == "suicidal ideation and homicidal ideation"
    )
    assert mentions(protocol, "DENIES SI/HI")["violence"].negated


def test_words_in_another_sense_are_not_cues(protocol: Protocol) -> None:
    assert "weapon" not in mentions(protocol, "took a shot of tequila")
    assert "weapon" not in mentions(protocol, "got a flu shot today")
    assert "violence" not in mentions(protocol, "male hitting himself in the head")
    assert "violence" not in mentions(protocol, "wheelchair battery died")


def test_spanish_cues_are_read(protocol: Protocol) -> None:
    assert "weapon" in mentions(protocol, "dice que tiene un cuchillo")
    assert "suicidal" in mentions(protocol, "quiere matarse")
    assert "unsheltered" in mentions(protocol, "esta sin hogar, necesita un refugio")
    assert "intoxication" in mentions(protocol, "hombre borracho")
    assert "mental_health" in mentions(protocol, "escucha voces")
    assert "medical_emergency" in mentions(protocol, "tiene convulsión")


def test_self_harm_is_not_read_as_a_threat_to_others(protocol: Protocol) -> None:
    assert set(mentions(protocol, "threatening to kill himself")) == {"suicidal"}
    assert set(mentions(protocol, "threatening to kill him")) == {"violence"}


def test_one_phrase_can_mean_two_things(protocol: Protocol) -> None:
    assert {"suicide_attempt", "medical_emergency"} <= set(mentions(protocol, "took a bunch of pills"))


@pytest.mark.parametrize(
    "text", ["not violent", "non-violent", "calm and cooperative", "not aggressive", "not bothering anybody"]
)
def test_reassurance_answers_the_violence_question(protocol: Protocol, text: str) -> None:
    from cadtriage.triage.engine import resolve_facts
    from cadtriage.triage.types import CallText

    assert (
        resolve_facts(CallText(narrative=f"subj hearing voices, {text}"), protocol)["violence"].value is False
    )


def test_a_bare_star_is_any_one_word_within_a_clause(protocol: Protocol) -> None:
    # "took all his * sleeping pills": whose pills they were does not change what was taken.
    assert "medical_emergency" in mentions(protocol, "he took all his mom's sleeping pills an hour ago")
    assert "medical_emergency" in mentions(protocol, "took all his dads sleeping pills")
    assert "medical_emergency" not in mentions(protocol, "took all his. sleeping pills are in the car")


def test_a_bare_word_names_a_category_in_a_call_type_and_not_in_a_sentence(protocol: Protocol) -> None:
    from cadtriage.triage.engine import decide
    from cadtriage.triage.types import CallText

    # "CUTTING" on a police call-type list is a cutting assault: police, and EMS for the wound.
    cutting = decide(CallText(call_type="CUTTING"), protocol)
    assert (cutting.response_type.value, cutting.notify_ems) == ("police", True)
    assert "violence" not in mentions(protocol, "he is out front cutting the hedge")
    assert "medical_emergency" in {m.concept for m in protocol.runtime.call_type_lexicon.mentions("BURN")}
    assert "medical_emergency" not in mentions(protocol, "he wants to burn some leaves out back")
    # Cutting oneself is self-harm wherever it is written, never an assault.
    self_harm = decide(CallText(call_type="SELF INFLICTED CUTTING"), protocol)
    assert (self_harm.response_type.value, self_harm.notify_ems) == ("co_responder", True)


class _CountingJoiners(frozenset[str]):
    """The list joiners, counting each step a cue's walk back through a list takes."""

    steps = 0

    def issuperset(self, other: object) -> bool:  # type: ignore[override]
        _CountingJoiners.steps += 1
        return super().issuperset(other)  # type: ignore[arg-type]


@pytest.mark.parametrize("item", ["od", "fx od", "no weapons or", "dva stab"])
def test_a_long_list_of_mentions_is_read_in_steps_proportional_to_its_length(
    protocol: Protocol, item: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 4,000-character narrative of one cue repeated ("od od od ...") took half a second: each mention walked
    # back through the whole list before it, and on the event loop that stalled every request of the worker.
    import cadtriage.triage.scope as scope

    monkeypatch.setattr(scope, "_LIST_JOINERS", _CountingJoiners(scope._LIST_JOINERS))
    narrative = (item + " ") * (4000 // (len(item) + 1))
    _CountingJoiners.steps = 0
    mentions = protocol.lexicon.read(narrative).mentions
    assert len(mentions) > 250
    assert _CountingJoiners.steps <= 2 * len(mentions)


@pytest.mark.parametrize(
    ("call_type", "concept", "words"),
    [
        ("TRESSPASSING", "trespass", "trespass"),  # a letter doubled
        ("HEMORRHAGE/LACERATIO", "medical_emergency", "laceration"),  # a letter left out (a truncated label)
        ("HEART PROBLMS/AICD", "medical_emergency", "heart problems"),
        ("PYSCHIATRIC / ABDNORMAL BEHAVIOR", "mental_health", "psychiatric"),  # two letters swapped
    ],
)
def test_a_misspelt_call_type_is_read_as_the_word_meant(
    protocol: Protocol, call_type: str, concept: str, words: str
) -> None:
    found = protocol.lexicon.mentions(call_type, call_type=True)
    assert (concept, words) in {(m.concept, m.text) for m in found}


def test_a_real_word_one_slip_from_a_cue_word_is_not_corrected(protocol: Protocol) -> None:
    # "peeping" is "peeing" with a letter added and "blocking" is "locking": only doubled letters are dropped.
    assert "indecency" not in mentions(protocol, "PEEPING TOM", call_type=True)
    assert "medical_emergency" not in mentions(protocol, "TRAFFIC - BLOCKING ROADWAY", call_type=True)
    # The remarks are free text, read as written.
    assert "trespass" not in mentions(protocol, "rp says a man is tresspassing")
