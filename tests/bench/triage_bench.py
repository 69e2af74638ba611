"""Triage throughput and latency in one process, over the labelled corpus.

    .venv/bin/python -m tests.bench.triage_bench [--seconds 10]

Prints a table and writes tests/bench/results/triage.json. Target on the 2-core machine: at least 20,000
decisions/s and p99 under 1 ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from cadtriage.protocol_files import load_protocol
from cadtriage.triage.engine import decide
from tests.corpus import load_split

RESULTS = Path(__file__).parent / "results"


def _percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000


def run(seconds: float) -> dict[str, object]:
    protocol = load_protocol()
    calls = [case.call for case in load_split("dev") + load_split("heldout")]
    narrative_calls = [c for c in calls if c.narrative]
    cold_ns = []
    for call in calls:  # the first sight of each call type: nothing remembered yet
        t = time.perf_counter_ns()
        decide(call, protocol)
        cold_ns.append(time.perf_counter_ns() - t)
    cold_ns.sort()

    per_call_ns: list[int] = []
    rounds = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for call in calls:
            t0 = time.perf_counter_ns()
            decide(call, protocol)
            per_call_ns.append(time.perf_counter_ns() - t0)
        rounds += 1
    elapsed = time.perf_counter() - start

    # Throughput without the per-call timer: the median of five passes over the corpus.
    rates = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(max(1, rounds // 10)):
            for call in calls:
                decide(call, protocol)
        rates.append(max(1, rounds // 10) * len(calls) / (time.perf_counter() - t0))
    throughput = statistics.median(rates)

    narrative_ns = []
    for call in narrative_calls * 20:
        t = time.perf_counter_ns()
        decide(call, protocol)
        narrative_ns.append(time.perf_counter_ns() - t)

    per_call_ns.sort()
    narrative_ns.sort()
    return {
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "corpus_cases": len(calls),
        "decisions_timed": len(per_call_ns),
        "seconds": round(elapsed, 2),
        "decisions_per_s": round(throughput),
        "decisions_per_s_runs": [round(r) for r in rates],
        "p50_us": round(_percentile(per_call_ns, 0.50), 1),
        "p99_us": round(_percentile(per_call_ns, 0.99), 1),
        "max_us": round(per_call_ns[-1] / 1000, 1),
        "mean_us": round(statistics.fmean(per_call_ns) / 1000, 1),
        "cold_p50_us": round(_percentile(cold_ns, 0.50), 1),
        "cold_p99_us": round(_percentile(cold_ns, 0.99), 1),
        "cold_decisions_per_s": round(len(cold_ns) / (sum(cold_ns) / 1e9)),
        "narrative_p50_us": round(_percentile(narrative_ns, 0.50), 1),
        "narrative_p99_us": round(_percentile(narrative_ns, 0.99), 1),
        "target": {"decisions_per_s": 20000, "p99_us": 1000},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    result = run(parser.parse_args().seconds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "triage.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'measure':<24}{'value':>12}   target")
    print(f"{'decisions/s':<24}{result['decisions_per_s']:>12,}   >= 20,000")
    print(f"{'p50 per decision (us)':<24}{result['p50_us']:>12}")
    print(f"{'p99 per decision (us)':<24}{result['p99_us']:>12}   < 1,000")
    print(f"{'p99 narratives (us)':<24}{result['narrative_p99_us']:>12}   (narratives are never cached)")
    print(
        f"{'cold: decisions/s':<24}{result['cold_decisions_per_s']:>12,}   (call types seen the first time)"
    )
    print(f"{'cold: p99 (us)':<24}{result['cold_p99_us']:>12}")
    print(f"{'max (us)':<24}{result['max_us']:>12}")
    print(f"({result['decisions_timed']:,} timed decisions over {result['corpus_cases']} corpus cases)")


if __name__ == "__main__":
    main()
