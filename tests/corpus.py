"""The labelled triage corpus (tests/fixtures/triage_corpus.csv), and accuracy over it."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText

CORPUS = Path(__file__).parent / "fixtures" / "triage_corpus.csv"
HELD_OUT = Path(__file__).parent / "fixtures" / "triage_heldout.csv"
TYPES = ("police", "co_responder", "civilian_crisis")


@dataclass(frozen=True)
class Case:
    number: int
    source: str
    call: CallText
    expected: str
    criterion: str


def load_corpus(path: Path = CORPUS) -> list[Case]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Case(
                int(row["case"]),
                row["source"],
                CallText(row["call_type"] or None, row["narrative"] or None, json.loads(row["screening"])),
                row["expected"],
                row["criterion"],
            )
            for row in csv.DictReader(handle)
        ]


def source_group(source: str) -> str:
    if source.startswith(("Seattle", "New Orleans")):
        return "real call type alone"
    if source.startswith("narrative"):
        return "narrative"
    if source.startswith("held out"):
        return "held out"
    return "call type with screening answers"


def evaluate(
    cases: list[Case], protocol: Protocol
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, bool]]]:
    """The confusion matrix (expected, decided) and correct counts per source group."""
    confusion: Counter[tuple[str, str]] = Counter()
    by_group: Counter[tuple[str, bool]] = Counter()
    for case in cases:
        decided = decide(case.call, protocol).response_type.value
        confusion[(case.expected, decided)] += 1
        by_group[(source_group(case.source), decided == case.expected)] += 1
    return confusion, by_group
