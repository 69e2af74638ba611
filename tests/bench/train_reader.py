"""Train the protocol's learned readers of the remarks (`cadtriage.triage.reader`) on the development corpus.

    .venv/bin/python -m tests.bench.train_reader danger     # writes src/cadtriage/triage/danger_reader.json
    .venv/bin/python -m tests.bench.train_reader medical    # writes src/cadtriage/triage/medical_reader.json

A logistic model over the words and word pairs a reader weighs (`reader.features`), trained on every development
narrative; deterministic (fixed seed and order). `danger` learns the calls labelled `police` or `co_responder`
from those labelled `civilian_crisis`; `medical` learns the calls labelled `notify_ems`. Each prints, from 5-fold
cross-validation by file (each author's round held out whole), how often the reader would speak where it should
not at each threshold — for `danger`, the share of the development calls the rules send a civilian team it would
hold back; for `medical`, the share of the calls labelled without EMS it would send EMS to — and the smallest
threshold keeping that at or under 5%, which is the protocol's `readers.<name>.threshold`. The held-out split is
never read here.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from cadtriage.protocol_files import shipped_protocol_text
from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol, parse_protocol
from cadtriage.triage.reader import features
from tests.corpus import Case, load_split

FOLDER = Path(__file__).parents[2] / "src" / "cadtriage" / "triage"
THRESHOLDS = (
    0.05,
    0.1,
    0.15,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.85,
    0.88,
    0.9,
    0.91,
    0.92,
    0.93,
    0.94,
    0.95,
)
MAX_WRONGLY_SPOKEN = 0.05
EPOCHS, RATE, L2, SEED = 8, 0.2, 1e-4, 0


def rules_only() -> Protocol:
    """The shipped protocol with its readers silent: what the rules alone decide."""
    raw = yaml.safe_load(shipped_protocol_text())
    return parse_protocol(
        yaml.safe_dump(raw), "rules-only", read_model=lambda _: {"bias": -30.0, "weights": {}}
    )


def _danger(case: Case) -> float:
    return float(case.expected != "civilian_crisis")


def _medical(case: Case) -> float:
    return float(case.notify_ems)


def _sent_civilian(protocol: Protocol) -> Callable[[Case], bool]:
    # Where the danger reader could speak wrongly: calls the rules send a civilian team (all labelled civilian).
    return lambda case: decide(case.call, protocol).response_type.value == "civilian_crisis"


def _no_ems(protocol: Protocol) -> Callable[[Case], bool]:
    # Where the medical reader could speak wrongly: calls labelled without EMS that the rules do not send EMS to.
    return lambda case: not case.notify_ems and not decide(case.call, protocol).notify_ems


READERS: dict[str, tuple[Callable[[Case], float], Callable[[Protocol], Callable[[Case], bool]]]] = {
    "danger": (_danger, _sent_civilian),
    "medical": (_medical, _no_ems),
}


def train(examples: list[tuple[frozenset[str], float]]) -> tuple[float, dict[str, float]]:
    """Logistic regression by stochastic gradient descent: (bias, weights)."""
    weights: dict[str, float] = defaultdict(float)
    bias = 0.0
    order = list(examples)
    rng = random.Random(SEED)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for found, label in order:
            z = bias + sum(weights[f] for f in found)
            gradient = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - label
            bias -= RATE * gradient
            for f in found:
                weights[f] -= RATE * (gradient + L2 * weights[f])
    return bias, dict(weights)


def probability(bias: float, weights: dict[str, float], found: frozenset[str]) -> float:
    z = bias + sum(weights.get(f, 0.0) for f in found)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reader", choices=sorted(READERS))
    name = parser.parse_args().reader
    label, wrong_place = READERS[name]
    protocol = rules_only()
    definition = protocol.readers[name]
    cases: list[Case] = [c for c in load_split("dev") if c.call.narrative]
    examples = {
        id(c): (
            features(protocol.lexicon.read(c.call.narrative or ""), definition.quiet, definition.unread),
            label(c),
        )
        for c in cases
    }
    could_be_wrong = [c for c in cases if wrong_place(protocol)(c)]
    files = sorted({c.file for c in cases})
    scores: list[float] = []
    for fold in range(5):
        held = set(files[fold::5])
        bias, weights = train([examples[id(c)] for c in cases if c.file not in held])
        scores += [probability(bias, weights, examples[id(c)][0]) for c in could_be_wrong if c.file in held]
    print(
        f"{len(cases)} development narratives; {len(could_be_wrong)} where the {name} reader would speak wrongly"
    )
    print("| threshold | spoken wrongly (cross-validated) |\n|---:|---:|")
    chosen = None
    for threshold in THRESHOLDS:
        share = sum(s >= threshold for s in scores) / len(scores)
        print(f"| {threshold} | {share:.1%} |")
        if chosen is None and share <= MAX_WRONGLY_SPOKEN:
            chosen = threshold
    print(f"smallest threshold speaking wrongly at most {MAX_WRONGLY_SPOKEN:.0%} of the time: {chosen}")
    bias, weights = train(list(examples.values()))
    seen_in: Counter[str] = Counter(f for found, _ in examples.values() for f in found)
    model: dict[str, Any] = {
        "trained_on": f"{len(cases)} development narratives of {len(files)} files (tests/fixtures/corpus)",
        "bias": round(bias, 4),
        # In more than a tenth of all narratives: weighed, but never named as what a decision rests on.
        "unnamed": sorted(
            f for f, n in seen_in.items() if n > len(cases) / 10 and abs(weights.get(f, 0)) >= 0.05
        ),
        "weights": {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= 0.05},
    }
    out = FOLDER / definition.model
    out.write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(model['weights'])} weights)")


if __name__ == "__main__":
    main()
