"""The README's rules table is the shipped protocol's, rule for rule."""

from __future__ import annotations

from pathlib import Path

from cadtriage.triage.protocol import Protocol

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_rule_of_the_shipped_protocol_is_in_the_readme_with_its_criterion(protocol: Protocol) -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `")]
    listed = {row.split("`")[1]: row for row in rows}
    for rule in protocol.rules:
        assert rule.id in listed, rule.id
        assert rule.criterion in listed[rule.id], rule.id
    assert [r.id for r in protocol.rules] == [k for k in listed if k in {r.id for r in protocol.rules}]
