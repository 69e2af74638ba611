"""Train the learned reader of the remarks (`cadtriage.triage.reader`) on the development corpus.

    .venv/bin/python -m tests.bench.train_reader            # writes src/cadtriage/triage/danger_reader.json

A logistic model over the words and word pairs the reader weighs (`reader.features`), trained on every
development narrative to tell the calls labelled `police` or `co_responder` from those labelled
`civilian_crisis`; deterministic (fixed seed and order). It prints, from 5-fold cross-validation by file (each
author's round held out whole), the share of the development calls the rules send a civilian team that the
reader would hold back at each threshold: the protocol's `danger_reader.threshold` is the smallest whose share
is at most 5%. The held-out split is never read here.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from cadtriage.protocol_files import shipped_protocol_text
from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol, parse_protocol
from cadtriage.triage.reader import features
from tests.corpus import Case, load_split

OUT = Path(__file__).parents[2] / "src" / "cadtriage" / "triage" / "danger_reader.json"
THRESHOLDS = (0.8, 0.85, 0.88, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95)
MAX_HELD_BACK = 0.05
EPOCHS, RATE, L2, SEED = 8, 0.2, 1e-4, 0


def rules_only() -> Protocol:
    """The shipped protocol with a silent reader: what the rules alone decide."""
    raw = yaml.safe_load(shipped_protocol_text())
    model = raw["danger_reader"]["model"]
    return parse_protocol(yaml.safe_dump(raw), "rules-only", models={model: {"bias": -30.0, "weights": {}}})


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
    protocol = rules_only()
    quiet = protocol.danger_reader.quiet if protocol.danger_reader else []
    cases: list[Case] = [c for c in load_split("dev") if c.call.narrative]
    examples = {
        id(c): (
            features(protocol.lexicon, c.call.narrative or "", quiet),
            float(c.expected != "civilian_crisis"),
        )
        for c in cases
    }
    civilian = [c for c in cases if decide(c.call, protocol).response_type.value == "civilian_crisis"]
    files = sorted({c.file for c in cases})
    scores: list[float] = []
    for fold in range(5):
        held = set(files[fold::5])
        bias, weights = train([examples[id(c)] for c in cases if c.file not in held])
        scores += [probability(bias, weights, examples[id(c)][0]) for c in civilian if c.file in held]
    print(f"{len(cases)} development narratives; the rules send a civilian team to {len(civilian)}")
    print("| threshold | held back (cross-validated) |\n|---:|---:|")
    chosen = None
    for threshold in THRESHOLDS:
        share = sum(s >= threshold for s in scores) / len(scores)
        print(f"| {threshold} | {share:.1%} |")
        if chosen is None and share <= MAX_HELD_BACK:
            chosen = threshold
    print(f"smallest threshold holding back at most {MAX_HELD_BACK:.0%}: {chosen}")
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
    OUT.write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(model['weights'])} weights)")


if __name__ == "__main__":
    main()
