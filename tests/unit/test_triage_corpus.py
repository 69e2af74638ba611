"""The shipped protocol against the labelled corpus: every case, each traceable to a criterion."""

from __future__ import annotations

import pytest

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from tests.corpus import HELD_OUT, TYPES, Case, evaluate, load_corpus

CASES = load_corpus()
HELD_OUT_CASES = load_corpus(HELD_OUT)


def test_the_corpus_is_large_and_covers_every_response_type() -> None:
    assert len(CASES) >= 300
    expected = {case.expected for case in CASES}
    assert expected == set(TYPES)
    assert sum(case.expected == "civilian_crisis" for case in CASES) >= 50
    assert all(case.criterion for case in CASES)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=f"case{c.number}") for c in CASES]
    + [pytest.param(c, id=f"heldout{c.number}") for c in HELD_OUT_CASES],
)
def test_case(case: Case, protocol: Protocol) -> None:
    decision = decide(case.call, protocol)
    assert decision.response_type.value == case.expected, (case.call, decision.rules, case.criterion)


def test_no_case_labelled_police_or_co_responder_goes_to_a_civilian_team(protocol: Protocol) -> None:
    confusion, _ = evaluate(CASES + HELD_OUT_CASES, protocol)
    unsafe = confusion[("police", "civilian_crisis")] + confusion[("co_responder", "civilian_crisis")]
    assert unsafe == 0
