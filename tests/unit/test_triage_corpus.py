"""The shipped protocol against the labelled corpus (tests/fixtures/corpus/): size, safety and accuracy.

The development split was tuned on; the held-out split was written by people who never saw the engine's
answers and is only measured. The held-out floors below are the figures docs/triage.md reports, rounded down:
a change that loses accuracy on unseen calls fails here.
"""

from __future__ import annotations

import pytest

from cadtriage.triage.protocol import Protocol
from tests.corpus import CATEGORIES, TYPES, evaluate, load_split

DEV = load_split("dev")
HELD_OUT = load_split("heldout")


def test_the_corpus_is_large_labelled_and_explained() -> None:
    cases = DEV + HELD_OUT
    assert len(cases) >= 1000
    assert {case.expected for case in cases} == set(TYPES)
    assert {case.category for case in cases} <= set(CATEGORIES)
    assert all(case.why.strip() for case in cases)
    assert sum(case.call.narrative is not None for case in HELD_OUT) >= 250
    assert sum(case.call.narrative is None for case in HELD_OUT) >= 150


def test_no_development_case_sends_a_civilian_team_where_the_label_does_not(protocol: Protocol) -> None:
    assert evaluate(DEV, protocol)["all"].unsafe == []


def test_the_development_split_agrees_with_its_labels(protocol: Protocol) -> None:
    measures = evaluate(DEV, protocol)["all"].measures()
    assert measures["agreement"] is not None
    assert measures["agreement"] >= 0.95


# docs/triage.md, 2026-12-02 (protocol 2026.12.20; held-out narratives are round 21, call types round 21's four
# jurisdictions): narratives 82 / 90 / 96 / 83 %, call types 72 / 77 / 82 / 93 %.
HELD_OUT_FLOORS = {
    "narrative": {"civilian recall": 0.81, "diversion recall": 0.89, "EMS recall": 0.95, "agreement": 0.82},
    "call type": {"civilian recall": 0.72, "diversion recall": 0.76, "EMS recall": 0.82, "agreement": 0.92},
}


@pytest.mark.parametrize("kind", sorted(HELD_OUT_FLOORS))
def test_held_out_accuracy_does_not_fall_below_what_the_docs_report(kind: str, protocol: Protocol) -> None:
    measures = evaluate(HELD_OUT, protocol)[kind].measures()
    for name, floor in HELD_OUT_FLOORS[kind].items():
        value = measures[name]
        assert value is not None, (kind, name)
        assert value >= floor, (kind, name, value)
