"""Accuracy of the shipped protocol on the labelled corpus, as Markdown tables for docs/triage.md.

.venv/bin/python -m tests.bench.triage_report
"""

from __future__ import annotations

from collections import Counter

from cadtriage.protocol_files import load_protocol
from tests.corpus import TYPES, evaluate, load_corpus, source_group


def main() -> None:
    cases = load_corpus()
    confusion, by_group = evaluate(cases, load_protocol())
    groups = Counter(source_group(c.source) for c in cases)
    print("| cases | n | correct | accuracy |\n|---|---:|---:|---:|")
    for group, n in sorted(groups.items()):
        right = by_group[(group, True)]
        print(f"| {group} | {n} | {right} | {right / n:.1%} |")
    total = sum(groups.values())
    right = sum(v for (_, ok), v in by_group.items() if ok)
    print(f"| **all** | {total} | {right} | {right / total:.1%} |\n")
    print("| expected \\ decided | " + " | ".join(TYPES) + " |\n|---|" + "---:|" * len(TYPES))
    for expected in TYPES:
        print(f"| {expected} | " + " | ".join(str(confusion[(expected, d)]) for d in TYPES) + " |")


if __name__ == "__main__":
    main()
