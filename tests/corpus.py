"""The labelled triage corpus (tests/fixtures/corpus/), its two splits, and the measures the issue tracker uses.

Files named `dev_*.csv` or `calltypes_dev.csv` are the development split: the protocol was tuned on them.
Files named `heldout_*.csv` or `calltypes_heldout.csv` are the held-out split: written by someone who never saw
the engine's answers, and only measured, never tuned on. Labelling rules: tests/fixtures/corpus/LABELLING.md.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, Decision

CORPUS_DIR = Path(__file__).parent / "fixtures" / "corpus"
TYPES = ("police", "co_responder", "civilian_crisis")
CATEGORIES = (
    "benign_need",
    "behavioral_unknown_risk",
    "suicidal",
    "hidden_danger",
    "domestic_violence",
    "medical",
    "crime",
    "negation",
    "other",
)


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    source: str
    category: str
    call: CallText
    expected: str
    notify_ems: bool
    why: str

    @property
    def kind(self) -> str:
        """`narrative` when the call-taker's remarks are there, else `call type`."""
        return "narrative" if self.call.narrative else "call type"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def _split_of(path: Path) -> str:
    return "heldout" if "heldout" in path.stem else "dev"


def load_split(split: str) -> list[Case]:
    """Every case of the `dev` or `heldout` split."""
    cases: list[Case] = []
    for path in sorted(CORPUS_DIR.glob("*.csv")):
        if _split_of(path) != split:
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                cases.append(
                    Case(
                        path.name,
                        line,
                        row["source"],
                        row["category"],
                        CallText(
                            row["call_type"] or None, row["narrative"] or None, json.loads(row["screening"])
                        ),
                        row["expected"],
                        row["notify_ems"].strip().lower() == "true",
                        row["why"],
                    )
                )
    return cases


@dataclass
class Tally:
    """The issue's measures over a set of cases."""

    n: int = 0
    agree: int = 0
    civilian: int = 0  # labelled civilian_crisis
    civilian_sent: int = 0
    diverted: int = 0  # labelled co_responder or civilian_crisis: the programs keep them from police alone
    diverted_kept: int = 0
    medical: int = 0  # labelled notify_ems
    ems_flagged: int = 0
    unsafe: list[str] = field(
        default_factory=list
    )  # a civilian team where the label says police/co-responder

    def add(self, case: Case, decision: Decision) -> None:
        got = decision.response_type.value
        self.n += 1
        self.agree += got == case.expected
        if case.expected == "civilian_crisis":
            self.civilian += 1
            self.civilian_sent += got == "civilian_crisis"
        if case.expected != "police":
            self.diverted += 1
            self.diverted_kept += got != "police"
        if case.notify_ems:
            self.medical += 1
            self.ems_flagged += decision.notify_ems
        if got == "civilian_crisis" and case.expected != "civilian_crisis":
            self.unsafe.append(str(case))

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    def measures(self) -> dict[str, float | None]:
        return {
            "civilian recall": self.share(self.civilian_sent, self.civilian),
            "diversion recall": self.share(self.diverted_kept, self.diverted),
            "EMS recall": self.share(self.ems_flagged, self.medical),
            "agreement": self.share(self.agree, self.n),
        }


def evaluate(cases: list[Case], protocol: Protocol) -> dict[str, Tally]:
    """Tallies for all cases, per kind (`narrative`, `call type`) and per category (`category:...`)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        decision = decide(case.call, protocol)
        for key in ("all", case.kind, f"category:{case.category}"):
            tallies[key].add(case, decision)
    return tallies
