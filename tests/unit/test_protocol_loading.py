"""A bad protocol fails with a message naming the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cadtriage.protocol_files import load_protocol, parse, shipped_protocol_text
from cadtriage.triage.protocol import ProtocolError


def shipped() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(shipped_protocol_text())


def rule(data: dict, rule_id: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in data["rules"] if r["id"] == rule_id)


def refused(data: object) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse(yaml.safe_dump(data), "jurisdiction.yaml")
    message = str(caught.value)
    assert message.startswith("jurisdiction.yaml:")
    return message


def test_the_shipped_protocol_loads_and_passes_its_examples() -> None:
    from cadtriage.triage.examples import run_examples

    protocol = load_protocol()
    assert protocol.version == "2026.12.21"
    assert run_examples(protocol) == []


def test_a_bad_field_in_a_rule_names_the_rule_and_the_field() -> None:
    data = shipped()
    rule(data, "civilian.suicidal")["priority"] = 9
    message = refused(data)
    assert "(civilian.suicidal).priority" in message
    assert "less than or equal to 5" in message


def test_an_unknown_key_is_refused_where_it_is() -> None:
    data = shipped()
    rule(data, "safety.crime")["then"] = "police"
    assert "(safety.crime).then" in refused(data)


def test_a_rule_reading_an_unknown_fact_is_refused() -> None:
    data = shipped()
    rule(data, "safety.crime")["when"] = {"crimes": True}
    assert "rule 'safety.crime' reads unknown facts: crimes" in refused(data)


def test_a_civilian_rule_that_does_not_exclude_weapons_is_refused() -> None:
    data = shipped()
    del rule(data, "civilian.behavioral_health")["when"]["weapons"]
    assert "civilian_crisis rule 'civilian.behavioral_health' must require 'weapons'" in refused(data)


def test_escalation_must_move_up_to_a_more_armed_response() -> None:
    data = shipped()
    data["escalation"]["co_responder"] = {"after_s": 60, "to": "civilian_crisis"}
    assert "does not move up" in refused(data)


def test_the_last_rule_must_be_an_unconditional_default() -> None:
    data = shipped()
    data["rules"] = data["rules"][:-1]
    assert "must be an unconditional default" in refused(data)


def test_duplicate_rule_ids_are_refused() -> None:
    data = shipped()
    data["rules"].insert(0, dict(rule(data, "safety.crime")))
    assert "used twice" in refused(data)


def test_a_fact_naming_an_unknown_concept_is_refused() -> None:
    data = shipped()
    data["facts"]["weapons"]["concepts"] = ["weapon", "firearms"]
    assert "unknown concept 'firearms'" in refused(data)


def test_a_call_type_phrase_for_an_unknown_concept_is_refused() -> None:
    data = shipped()
    data["call_type_concepts"]["firearms"] = ["heater"]
    assert "call_type_concepts names unknown concept 'firearms'" in refused(data)


def test_yaml_that_does_not_parse_is_refused_with_the_file_name() -> None:
    with pytest.raises(ProtocolError, match=r"^broken.yaml: not valid YAML"):
        parse("rules: [unclosed", "broken.yaml")


def test_a_key_given_twice_is_refused_not_silently_dropped() -> None:
    # Plain YAML keeps the second of two keys: a concept written twice would lose its first phrase list.
    text = shipped_protocol_text().replace("concepts:\n", "concepts:\n  weapon:\n    - heater\n", 1)
    with pytest.raises(ProtocolError, match=r"key 'weapon' is given twice in one mapping"):
        parse(text, "jurisdiction.yaml")


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot read protocol"):
        load_protocol(tmp_path / "nope.yaml")


def test_a_jurisdiction_changes_the_file_not_the_code(tmp_path: Path) -> None:
    data = shipped()
    data["version"] = "durham-2026.1"
    data["concepts"]["trespass"].append("skateboarding")
    path = tmp_path / "durham.yaml"
    path.write_text(yaml.safe_dump(data))
    protocol = load_protocol(path)
    from cadtriage.triage.engine import decide
    from cadtriage.triage.types import CallText

    call = CallText("SKATEBOARDING", "no weapons, not violent", {})
    assert decide(call, protocol).response_type.value == "civilian_crisis"
    assert decide(call, load_protocol()).response_type.value == "police"


def test_strict_mode_holds_every_need_until_both_questions_are_answered(tmp_path: Path) -> None:
    from cadtriage.triage.engine import decide
    from cadtriage.triage.types import CallText

    data = shipped()
    data["risk"]["mode"] = "strict"
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(data))
    strict = load_protocol(path)
    syringe = CallText("FOUND SYRINGE", "needles in the park, nobody around", {})
    assert decide(syringe, load_protocol()).response_type.value == "civilian_crisis"
    assert decide(syringe, strict).response_type.value == "co_responder"
    answered = CallText("FOUND SYRINGE", None, {"weapons": False, "violence": False})
    assert decide(answered, strict).response_type.value == "civilian_crisis"


def test_a_need_concept_without_a_treatment_is_refused() -> None:
    data = shipped()
    data["risk"]["unknown"]["none"].remove("syringe")
    assert "gives no treatment to need concepts: syringe" in refused(data)


def test_a_call_type_treatment_for_a_concept_without_one_is_refused() -> None:
    data = shipped()
    data["risk"]["from_call_type"] = {"none": ["weapon"]}
    assert "treats 'weapon' apart in call types but gives it no treatment" in refused(data)


def test_a_civilian_rule_that_lets_a_derived_risk_through_is_refused() -> None:
    data = shipped()
    del rule(data, "civilian.quality_of_life")["when"]["risk_unassessed"]
    assert "must require 'risk_unassessed'" in refused(data)


def test_a_civilian_rule_that_lets_a_barred_fact_through_is_refused() -> None:
    data = shipped()
    del rule(data, "civilian.suicidal")["when"]["suicide_plan"]
    assert "must require 'suicide_plan'" in refused(data)


def test_a_crisis_desk_that_does_not_exclude_a_danger_is_refused() -> None:
    data = shipped()
    del data["consult"]["when"]["weapons"]
    assert "consult must require 'weapons'" in refused(data)
    data = shipped()
    data["consult"]["when"]["police_requested"] = "unknown"
    assert "consult must require 'police_requested'" in refused(data)


def test_a_crisis_desk_reading_an_unknown_fact_is_refused() -> None:
    data = shipped()
    data["consult"]["when"]["calmness"] = True
    assert "consult reads unknown facts: calmness" in refused(data)


def test_a_jurisdiction_without_a_desk_sets_mode_off_and_nothing_is_eligible() -> None:
    from cadtriage.triage.engine import decide
    from cadtriage.triage.types import CallText

    data = shipped()
    data["consult"] = {"mode": "off"}
    protocol = parse(yaml.safe_dump(data), "no-desk.yaml")
    decision = decide(CallText("MENTAL HEALTH", "hearing voices, no weapons, calm"), protocol)
    assert decision.consult.eligible is False
    assert "mode is off" in decision.consult.reason
