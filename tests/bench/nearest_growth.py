"""How choosing the nearest available unit grows with the roster: 1,000, 10,000 and 100,000 units.

    .venv/bin/python -m tests.bench.nearest_growth [--queries 500]

Uses TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL. For each roster size, units are spread over
the Seattle area (70% available, all three types); then the production query (units.repository.nearest_available:
KNN over the partial GiST index, FOR UPDATE SKIP LOCKED) is timed from random points, each in its own transaction.
Prints p50/p99 and the growth ratio; writes tests/bench/results/nearest.json. Target: p99 under 5 ms at 100,000
units and growth well below linear. A last case asks for a capability only one unit in ten holds (`cit`, as a
response plan's requirement does) at 100,000 units: the same index walk, filtered; target p99 under 5 ms too.
And intake's own search at 100,000 units: fresh locations only, and the look and the lock in one statement
(`wait_for_nearer`: the nearest unit's distance, then the nearest unlocked unit within it); target the same.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from cadtriage.units import repository
from tests.pg import PgServer

RESULTS = Path(__file__).parent / "results"
SIZES = (1_000, 10_000, 100_000)
SEED = """
INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at, capabilities)
SELECT 'N-' || g, (ARRAY['police','co_responder','civilian_crisis'])[1 + g % 3],
       CASE WHEN random() < 0.7 THEN 'available' ELSE 'on_scene' END,
       47.3 + random() * 0.6, -122.6 + random() * 0.5, now(),
       CASE WHEN random() < 0.1 THEN '{"cit": null}'::jsonb ELSE '{}'::jsonb END
FROM generate_series(1, :n) g
"""


def production_plan(engine: Engine, fresh_since: datetime | None) -> str:
    """The plan of the production search itself (its statement and parameters, not a copy) from downtown: the
    dispatch search, or with `fresh_since` intake's look-then-lock."""
    search = repository.search_params("police", 47.6, -122.3, 40_000, None)
    if fresh_since is None:
        compiled = repository._NEAREST_AVAILABLE[False, "skip", False].compile(dialect=engine.dialect)
    else:
        compiled = repository._LOOK_THEN_LOCK[True, False].compile(dialect=engine.dialect)
        search["fresh_since"] = fresh_since
    params = compiled.construct_params(search)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, TIMING OFF) {compiled}", params)
        return "\n".join(row[0] for row in rows)


def measure(
    url: str,
    size: int,
    queries: int,
    rng: random.Random,
    qualified: repository.Qualified | None = None,
    intake: bool = False,
) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM units"))
        conn.execute(text(SEED), {"n": size})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE units"))
    timings = []
    fresh_since = datetime.now(UTC) - timedelta(minutes=15) if intake else None
    with Session(engine) as session:
        for i in range(queries + 20):
            lat, lon = rng.uniform(47.35, 47.85), rng.uniform(-122.55, -122.15)
            kind = ("police", "co_responder", "civilian_crisis")[i % 3]
            t = time.perf_counter()
            found = repository.nearest_available(
                session,
                unit_type=kind,
                lat=lat,
                lon=lon,
                max_distance_m=40_000,
                fresh_since=fresh_since,
                wait_for_nearer=intake,
                qualified=qualified,
            )
            elapsed = (time.perf_counter() - t) * 1000
            session.rollback()  # release the row lock, as a finished intake would
            assert found is not None
            if i >= 20:  # the first few warm the cache and the connection
                timings.append(elapsed)
    plan = production_plan(engine, fresh_since)
    engine.dispose()
    timings.sort()
    return {
        "units": size,
        "capability": qualified[0] if qualified else None,
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 3),
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    server = PgServer()
    try:
        url = server.copy()
        rng = random.Random(7)
        results = [measure(url, size, args.queries, rng) for size in SIZES]
        capable = measure(url, SIZES[-1], args.queries, rng, ("cit", date.today()))
        intake = measure(url, SIZES[-1], args.queries, rng, intake=True)
    finally:
        server.close()
    RESULTS.mkdir(exist_ok=True)
    growth = results[-1]["p50_ms"] / results[0]["p50_ms"]
    (RESULTS / "nearest.json").write_text(
        json.dumps(
            {
                "sizes": results,
                "p50_growth_1k_to_100k": growth,
                "cit_at_100k": capable,
                "intake_at_100k": intake,
            },
            indent=2,
        )
    )
    print(f"{'units':>9}{'p50 ms':>10}{'p99 ms':>10}")
    for r in results:
        print(f"{r['units']:>9,}{r['p50_ms']:>10}{r['p99_ms']:>10}")
    print(f"{'cit only':>9}{capable['p50_ms']:>10}{capable['p99_ms']:>10}   (100,000 units, 10% hold cit)")
    print(f"{'intake':>9}{intake['p50_ms']:>10}{intake['p99_ms']:>10}   (100,000 units, look then lock)")
    print(
        f"\np50 grows {growth:.2f}x for 100x the units (linear would be 100x); target p99 < 5 ms at 100,000"
    )
    for r in results:
        print(f"\nplan at {r['units']:,} units:\n{r['plan']}")
    print(f"\nintake's plan at 100,000 units:\n{intake['plan']}")


if __name__ == "__main__":
    main()
