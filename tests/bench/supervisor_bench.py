"""Supervisor queries at scale: 1,000,000 historical calls and 5,000 units.

    .venv/bin/python -m tests.bench.supervisor_bench [--calls 1000000] [--units 5000] [--runs 200]

Uses TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL. Seeds with SQL, then times each supervisor
endpoint through the real app (in process), and prints p50/p99 with the EXPLAIN ANALYZE of the heavy queries.
Writes tests/bench/results/supervisor.json. Target: p99 under 50 ms for each query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from cadtriage.api.app import create_app
from cadtriage.config import Settings
from cadtriage.db import Database
from tests.pg import PgServer, create_key_in

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

SEED_UNITS = """
INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at)
SELECT 'B-' || g, (ARRAY['police','police','co_responder','civilian_crisis'])[1 + g % 4],
       (ARRAY['available','dispatched','en_route','on_scene','available','out_of_service'])[1 + (g * 7) % 6],
       47.45 + random() * 0.3, -122.45 + random() * 0.25, :now
FROM generate_series(1, :n) g
"""
# A year of calls: mostly closed, a few hundred still queued; latencies of seconds to minutes.
SEED_CALLS = """
INSERT INTO calls (external_id, record_hash, record, call_type, lat, lon, received_at, created_at, status, priority,
                   decided_type, requested_type, dispatched_type, divergence, escalations, queued_at, assigned_at,
                   on_scene_at, closed_at)
SELECT 'H-' || g, md5(g::text), '{}'::jsonb, 'WELFARE CHECK', 47.45 + random() * 0.3, -122.45 + random() * 0.25,
       t, t, s, 1 + g % 5, d, d,
       CASE WHEN s = 'queued' THEN NULL WHEN g % 17 = 0 THEN 'police' ELSE d END,
       CASE WHEN g % 17 = 0 AND d <> 'police' THEN 'override' END, (g % 29 = 0)::int, t,
       CASE WHEN s = 'queued' THEN NULL ELSE t + (random() * 120) * interval '1 second' END,
       CASE WHEN s = 'queued' THEN NULL ELSE t + (120 + random() * 900) * interval '1 second' END,
       CASE WHEN s = 'closed' THEN t + interval '1 hour' END
FROM (SELECT g, :now - (g * interval '31 seconds') AS t,
             (ARRAY['police','police','police','co_responder','civilian_crisis'])[1 + g % 5] AS d,
             CASE WHEN g <= :queued THEN 'queued' ELSE 'closed' END AS s
      FROM generate_series(1, :n) g) src
"""
SEED_DECISIONS = """
INSERT INTO triage_decisions (call_id, kind, response_type, priority, notify_ems, protocol_version, rules, reasons,
                              evidence, actor, created_at)
SELECT id, 'triage', decided_type, priority, false, '2026.11.1', '["bench"]', '["bench"]', '[]', 'bench', created_at
FROM calls
"""

QUERIES = {
    "availability counts": ("/v1/availability", {}),
    "availability nearest": (
        "/v1/availability",
        {"near": "47.6097,-122.3331", "unit_type": "civilian_crisis"},
    ),
    "units near, 2 km": ("/v1/units", {"near": "47.6097,-122.3331", "radius_m": "2000", "limit": "100"}),
    "units page": ("/v1/units", {"status": "available", "limit": "100"}),
    "queue": ("/v1/queue", {}),
    "calls page": ("/v1/calls", {"limit": "50"}),
    "calls by status": ("/v1/calls", {"status": "queued", "limit": "50"}),
    "calls by type and day": (
        "/v1/calls",
        {
            "response_type": "civilian_crisis",
            "limit": "50",
            "since": "2026-11-21T12:00:00Z",
            "until": "2026-11-22T12:00:00Z",
        },
    ),
    "one call": ("/v1/calls/{middle}", {}),
    "stats, last 24 h": ("/v1/stats", {"until": "2026-11-22T12:00:00Z"}),
    "stats, last 7 days": ("/v1/stats", {"since": "2026-11-15T12:00:00Z", "until": "2026-11-22T12:00:00Z"}),
    "metrics": ("/metrics", {}),
}
EXPLAINED = {
    "stats, last 24 h": (
        "SELECT decided_type, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM assigned_at - created_at)) FROM calls WHERE received_at >= "
        "'2026-11-21T12:00:00Z' AND received_at < '2026-11-22T12:00:00Z' GROUP BY decided_type"
    ),
    "calls by type and day": (
        "SELECT * FROM calls WHERE requested_type = 'civilian_crisis' AND received_at >= "
        "'2026-11-21T12:00:00Z' AND received_at < '2026-11-22T12:00:00Z' "
        "ORDER BY id DESC LIMIT 50"
    ),
    "queue": (
        "SELECT * FROM calls WHERE status = 'queued' AND requested_type = 'police' "
        "ORDER BY priority, queued_at, id LIMIT 100"
    ),
    "metrics (calls by type)": "SELECT decided_type, count(*) FROM calls GROUP BY decided_type",
}


def seed(url: str, calls: int, units: int) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(SEED_UNITS), {"n": units, "now": NOW})
        conn.execute(text(SEED_CALLS), {"n": calls, "now": NOW, "queued": 300})
        conn.execute(text(SEED_DECISIONS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def explain(url: str) -> dict[str, str]:
    engine = create_engine(url)
    plans = {}
    with engine.connect() as conn:
        for name, sql in EXPLAINED.items():
            rows = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql))
            plans[name] = "\n".join(r[0] for r in rows)
    engine.dispose()
    return plans


def measure(url: str, runs: int, calls: int) -> dict[str, dict[str, float]]:
    key = create_key_in(url, "supervisor", name="bench")
    database = Database(url, pool_size=2)
    app = create_app(Settings(database_url=url, log_level="warning"), database=database, run_escalation=False)
    results = {}
    with TestClient(app, headers={"Authorization": f"Bearer {key}"}) as client:
        for name, (template, params) in QUERIES.items():
            path = template.format(middle=calls // 2)
            assert client.get(path, params=params).status_code == 200, (name, path)
            timings = []
            for _ in range(runs):
                t = time.perf_counter()
                client.get(path, params=params)
                timings.append((time.perf_counter() - t) * 1000)
            timings.sort()
            results[name] = {
                "p50_ms": round(statistics.median(timings), 2),
                "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 2),
            }
        # /metrics is cached for 10 s per process: time the refresh itself too.
        refresh = []
        for _ in range(5):
            app.state.metrics_cache = None
            t = time.perf_counter()
            client.get("/metrics")
            refresh.append((time.perf_counter() - t) * 1000)
        results["metrics, uncached refresh"] = {
            "p50_ms": round(statistics.median(refresh), 2),
            "p99_ms": round(max(refresh), 2),
        }
    database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    server = PgServer()
    try:
        url = server.copy()
        seconds = seed(url, args.calls, args.units)
        timings = measure(url, args.runs, args.calls)
        plans = explain(url)
    finally:
        server.close()
    RESULTS.mkdir(exist_ok=True)
    out = {
        "calls": args.calls,
        "units": args.units,
        "runs": args.runs,
        "seed_s": round(seconds, 1),
        "queries": timings,
        "plans": plans,
    }
    (RESULTS / "supervisor.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"seeded {args.calls:,} calls and {args.units:,} units in {seconds:.0f} s; {args.runs} runs each\n")
    print(f"{'query':<26}{'p50 ms':>9}{'p99 ms':>9}   target p99 < 50 ms")
    for name, t in timings.items():
        flag = "" if t["p99_ms"] < 50 else "   over"
        print(f"{name:<26}{t['p50_ms']:>9}{t['p99_ms']:>9}{flag}")
    for name, plan in plans.items():
        print(f"\n-- {name}\n{plan}")


if __name__ == "__main__":
    main()
