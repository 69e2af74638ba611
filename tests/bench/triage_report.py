"""Accuracy of the shipped protocol on the labelled corpus, as Markdown tables for docs/triage.md.

.venv/bin/python -m tests.bench.triage_report            # both splits
.venv/bin/python -m tests.bench.triage_report --misses   # and every disagreement, for review
.venv/bin/python -m tests.bench.triage_report --rules    # the README's rules table, from the shipped protocol
"""

from __future__ import annotations

import argparse

from cadtriage.protocol_files import load_protocol
from cadtriage.triage.engine import decide
from tests.corpus import CATEGORIES, Tally, evaluate, load_split

MEASURES = ("civilian recall", "diversion recall", "EMS recall", "agreement")


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def table(title: str, tallies: dict[str, Tally]) -> str:
    rows = [
        f"**{title}**\n",
        "| cases | n | " + " | ".join(MEASURES) + " | unsafe |",
        "|---|---:|" + "---:|" * 5,
    ]
    keys = ["all", "narrative", "call type"] + [f"category:{c}" for c in CATEGORIES]
    for key in keys:
        if key not in tallies:
            continue
        tally = tallies[key]
        cells = " | ".join(_cell(v) for v in tally.measures().values())
        rows.append(f"| {key.removeprefix('category:')} | {tally.n} | {cells} | {len(tally.unsafe)} |")
    return "\n".join(rows)


def _condition(group: dict[str, object]) -> str:
    return ", ".join(f"{name}={str(value).lower()}" for name, value in group.items())


def rules_table() -> str:
    """The shipped protocol's rules as the README's Markdown table."""
    rows = ["| rule | when | sends | priority | criterion |", "|---|---|---|---|---|"]
    for rule in load_protocol().rules:
        when = _condition(rule.when)
        if rule.any:
            groups = "; ".join(f"({_condition(g)})" for g in rule.any)
            when = f"{when} and any of: {groups}" if when else f"any of: {groups}"
        if rule.response_type is not None:
            sends = rule.response_type.value + (" + EMS" if rule.notify_ems else "")
        else:
            sends = "notify EMS" if rule.notify_ems else "modifier"
        priority = (
            str(rule.priority)
            if rule.response_type
            else (f"at most {rule.priority}" if rule.priority else "")
        )
        criterion = " ".join(rule.criterion.split())
        rows.append(f"| `{rule.id}` | {when or 'always'} | {sends} | {priority} | {criterion} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    parser.add_argument("--rules", action="store_true", help="print the README's rules table and stop")
    parser.add_argument("--split", choices=("dev", "heldout", "both"), default="both")
    args = parser.parse_args()
    if args.rules:
        print(rules_table())
        return
    protocol = load_protocol()
    for split in ("dev", "heldout") if args.split == "both" else (args.split,):
        cases = load_split(split)
        print(table(f"{split} split ({len(cases)} cases)", evaluate(cases, protocol)) + "\n")
        if args.misses:
            for case in cases:
                d = decide(case.call, protocol)
                if d.response_type.value != case.expected or (case.notify_ems and not d.notify_ems):
                    print(
                        f"{case} [{case.category}] expected {case.expected}{' +EMS' if case.notify_ems else ''}"
                        f" got {d.response_type.value}{' +EMS' if d.notify_ems else ''} {list(d.rules)}\n"
                        f"    {case.call.call_type!r} | {case.call.narrative!r} | {dict(case.call.screening)}\n"
                        f"    why: {case.why}"
                    )


if __name__ == "__main__":
    main()
