"""The command line: triage as JSON lines, for a person, and protocol checks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cadtriage.protocol_files import shipped_protocol_text
from cadtriage.triage.protocol import Protocol
from cadtriage.triage_io import explain, triage_jsonl


def test_jsonl_gives_one_decision_per_record_in_order(protocol: Protocol) -> None:
    records = [
        {"call_type": "SHOTS FIRED"},
        {"call_type": "WELFARE", "screening": {"weapons": False, "violence": False}},
        {"narrative": "subj suicidal, has a plan"},
    ]
    out = io.StringIO()
    status = triage_jsonl(io.StringIO("\n".join(json.dumps(r) for r in records) + "\n"), out, protocol)
    decisions = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 0
    assert [d["response_type"] for d in decisions] == ["police", "civilian_crisis", "co_responder"]
    assert set(decisions[0]) == {
        "response_type",
        "priority",
        "notify_ems",
        "protocol_version",
        "rules",
        "reasons",
        "evidence",
        "ask",
        "consult",
        "plan",
    }


def test_jsonl_keeps_lines_aligned_when_one_is_bad(protocol: Protocol) -> None:
    source = io.StringIO('{"call_type": "EDP"}\n{"call_type": 5}\nnot json\n{}\n{"call_type": "EDP"}\n')
    out = io.StringIO()
    assert triage_jsonl(source, out, protocol) == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 5
    assert [line.get("line") for line in lines] == [None, 2, 3, 4, None]
    assert lines[1]["errors"][0]["field"] == "call_type"
    assert {e["field"] for e in lines[3]["errors"]} == {"call_type", "narrative", "screening"}


def test_free_text_is_explained_for_a_person(protocol: Protocol) -> None:
    text = explain("subj off his meds, hearing voices, no wpns, calm", protocol)
    assert text.splitlines()[0] == "civilian_crisis  priority 3"
    assert 'narrative "weapons" -> weapons (negated)' in text


def test_the_command_runs_jsonl_from_stdin() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "triage", "--jsonl"],
        input='{"call_type": "SUICIDE THREAT", "screening": {"weapons": false, "violence": false}}\n',
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["response_type"] == "civilian_crisis"


def test_protocol_check_fails_on_a_failing_example(tmp_path: Path) -> None:
    data = yaml.safe_load(shipped_protocol_text())
    data["examples"][0]["expect"]["response_type"] = "police"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    done = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "protocol", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "1 failing" in done.stdout
    assert "FAIL design example" in done.stdout


def test_protocol_check_reports_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\n")
    done = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "protocol", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert str(path) in done.stderr


def test_serve_help_documents_each_option_and_bad_values_name_it(capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 'Hardening', item 16: `serve --help` listed the options with no word about them.
    from cadtriage.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for variable in (
        "DATABASE_URL",
        "CADTRIAGE_DATA_DIR",
        "CADTRIAGE_HOST",
        "CADTRIAGE_PORT",
        "CADTRIAGE_WORKERS",
    ):
        assert variable in text
    with pytest.raises(SystemExit) as refused:
        main(["serve", "--port", "0"])
    assert refused.value.code == 2
    assert "argument --port" in capsys.readouterr().err


def test_protocol_show_prints_the_shipped_protocol_for_a_jurisdictions_copy(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "protocol", "show"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == shipped_protocol_text()
    copy = yaml.safe_load(shown.stdout)
    copy["consult"]["mode"] = "transfer"
    path = tmp_path / "transfer.yaml"
    path.write_text(yaml.safe_dump(copy))
    checked = subprocess.run(
        [sys.executable, "-m", "cadtriage.cli", "protocol", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
