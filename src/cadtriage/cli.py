"""The `cadtriage` command: serve, migrate, seed, triage, keys, export, protocol check and show."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from cadtriage.config import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cadtriage import migrations
    from cadtriage.database_url import database_url

    settings = get_settings()
    with database_url(settings) as url:
        migrations.upgrade(url)
        if args.demo:
            from cadtriage.seed import seed_demo_if_empty

            print(seed_demo_if_empty(url), flush=True)
        host, port = args.host or settings.host, args.port or settings.port
        print(
            f"next: the API and its documentation at http://{host}:{port}/docs, the live console at "
            f"http://{host}:{port}/console; README.md, 'A dispatcher's session', walks through both",
            flush=True,
        )
        # Workers are separate processes: they read the URL from the environment, never start a server. A single
        # worker runs in this process, so the settings read above are read again, with the URL.
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        uvicorn.run(
            "cadtriage.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=args.workers or settings.workers,
            log_level=settings.log_level,
            access_log=False,  # cadtriage logs each request itself, as a JSON line with its request id
            timeout_graceful_shutdown=10,  # a request still running after 10 s is cut off
            timeout_keep_alive=settings.http_keep_alive_s,
            http="cadtriage.api.connections:HeaderDeadlineProtocol",  # and a deadline for each request's headers
        )
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from cadtriage import migrations
    from cadtriage.database_url import database_url

    with database_url(get_settings()) as url:
        migrations.upgrade(url)
    print(f"database at revision {migrations.head_revision()}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from cadtriage import migrations
    from cadtriage.database_url import database_url
    from cadtriage.seed import seed_demo_if_empty

    if not args.demo:
        print("nothing to seed: pass --demo for the Seattle demo roster", file=sys.stderr)
        return 2
    with database_url(get_settings()) as url:
        migrations.upgrade(url)
        print(seed_demo_if_empty(url))
    return 0


def _triage(args: argparse.Namespace) -> int:
    from cadtriage.protocol_files import load_protocol
    from cadtriage.triage_io import explain, triage_jsonl

    protocol = load_protocol(args.protocol or get_settings().protocol_path)
    if args.jsonl:
        return triage_jsonl(sys.stdin, sys.stdout, protocol)
    if not args.text:
        print("give a call's text, or --jsonl to read call records from stdin", file=sys.stderr)
        return 2
    print(explain(" ".join(args.text), protocol))
    return 0


def _protocol_check(args: argparse.Namespace) -> int:
    from cadtriage.protocol_files import load_protocol
    from cadtriage.triage.examples import run_examples
    from cadtriage.triage.protocol import ProtocolError

    try:
        protocol = load_protocol(Path(args.file))
    except ProtocolError as exc:
        print(exc, file=sys.stderr)
        return 1
    failures = run_examples(protocol)
    out: TextIO = sys.stdout
    print(
        f"{args.file}: protocol {protocol.version}, {len(protocol.rules)} rules, "
        f"{len(protocol.examples)} examples, {len(failures)} failing",
        file=out,
    )
    for failure in failures:
        print(f"  FAIL {failure}", file=out)
    return 1 if failures else 0


def _protocol_show(args: argparse.Namespace) -> int:
    from cadtriage.protocol_files import shipped_protocol_text

    sys.stdout.write(shipped_protocol_text())
    return 0


def _export(args: argparse.Namespace) -> int:
    from cadtriage.exports.command import export

    return export(args.since, args.until, summary=args.summary, file_format=args.format, out=args.out)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text}: give a time zone (2026-11-01T00:00:00Z)")
    return moment


def _keys(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from cadtriage import migrations
    from cadtriage.access import service
    from cadtriage.access.models import Role
    from cadtriage.clock import SystemClock
    from cadtriage.database_url import database_url
    from cadtriage.db import Database
    from cadtriage.errors import CadTriageError

    with database_url(get_settings()) as url:
        migrations.upgrade(url)
        database = Database(url, pool_size=1)
        try:
            with Session(database.engine) as session, session.begin():
                now = SystemClock().now()
                actor = "cli:" + (os.environ.get("USER") or "unknown")  # who ran the command
                if args.keys_command == "create":
                    key = service.create(
                        session,
                        name=args.name,
                        role=Role(args.role),
                        unit_call_sign=args.unit,
                        at=now,
                        actor=actor,
                    )
                    print(f"{args.name} ({args.role}): {key}")
                    print(
                        "Keep it now: it is stored only as a hash and cannot be shown again.", file=sys.stderr
                    )
                elif args.keys_command == "revoke":
                    service.revoke(session, args.name, now, actor)
                    print(f"{args.name}: revoked")
                else:
                    for stored in service.list_keys(session):
                        state = (
                            f"revoked {stored.revoked_at:%Y-%m-%d %H:%M}" if stored.revoked_at else "active"
                        )
                        unit = f" unit {stored.unit_call_sign}" if stored.unit_id else ""
                        print(f"{stored.name:<24} {stored.role:<11} {state}{unit}")
        except CadTriageError as exc:
            print(exc.detail, file=sys.stderr)
            return 1
        finally:
            database.dispose()
    return 0


def _bounded(low: int, high: int) -> Callable[[str], int]:
    # argparse turns the ValueError into "argument --port: invalid value", naming the option, with usage.
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    parse.__name__ = f"integer from {low} to {high}"
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="cadtriage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="migrate, then serve the API",
        description="Migrate the database to the newest schema, then serve the API with uvicorn. The database is "
        "DATABASE_URL, or, when it is unset, an embedded PostgreSQL in CADTRIAGE_DATA_DIR (default .cadtriage), "
        "started if it is not already running. Every other setting is a CADTRIAGE_* variable (see .env.example).",
    )
    serve.add_argument("--host", help="address to listen on (default: CADTRIAGE_HOST, else 127.0.0.1)")
    serve.add_argument(
        "--port", type=_bounded(1, 65535), help="port to listen on (default: CADTRIAGE_PORT, else 8000)"
    )
    serve.add_argument(
        "--workers",
        type=_bounded(1, 64),
        help="worker processes; each holds its own connection pool (default: CADTRIAGE_WORKERS, else 2)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="seed the Seattle demo roster if the database is empty"
    )
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="migrate the database to the newest schema").set_defaults(
        handler=_migrate
    )

    seed = commands.add_parser("seed", help="load demo data")
    seed.add_argument("--demo", action="store_true")
    seed.set_defaults(handler=_seed)

    triage = commands.add_parser("triage", help="triage text, or call records on stdin (--jsonl)")
    triage.add_argument("text", nargs="*")
    triage.add_argument("--jsonl", action="store_true", help="one call record per line in, one decision out")
    triage.add_argument("--protocol", type=Path, help="a protocol file other than the configured one")
    triage.set_defaults(handler=_triage)

    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it (once)")
    create.add_argument(
        "--role",
        required=True,
        choices=["dispatcher", "supervisor", "unit", "admin", "researcher", "clinician"],
    )
    create.add_argument("--name", required=True)
    create.add_argument("--unit", help="call sign of the unit a unit key is bound to")
    key_commands.add_parser("list", help="list keys (never their secrets)")
    revoke = key_commands.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    keys.set_defaults(handler=_keys)

    export = commands.add_parser(
        "export", help="de-identified calls for researchers, as CSV or Parquet (see the README)"
    )
    export.add_argument("--since", type=_moment, help="received from (default: 30 days before --until)")
    export.add_argument("--until", type=_moment, help="received before (default: now)")
    export.add_argument("--summary", action="store_true", help="counts with small cells suppressed, not rows")
    export.add_argument(
        "--format",
        choices=["csv", "parquet"],
        default="csv",
        help="csv, or parquet (needs cadtriage[parquet])",
    )
    export.add_argument("--out", type=Path, help="a file to write (default: standard output)")
    export.set_defaults(handler=_export)

    protocol = commands.add_parser("protocol", help="work with protocol files")
    protocol_commands = protocol.add_subparsers(dest="protocol_command", required=True)
    check = protocol_commands.add_parser("check", help="validate a protocol and run its examples")
    check.add_argument("file")
    check.set_defaults(handler=_protocol_check)
    show = protocol_commands.add_parser(
        "show", help="print the shipped protocol, to start a jurisdiction's copy"
    )
    show.set_defaults(handler=_protocol_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cadtriage` console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except ValidationError as exc:  # a setting that cannot be used: say which, plainly, not with a traceback
        for error in exc.errors():
            name = "CADTRIAGE_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"cadtriage: invalid setting {name}: {error['msg']}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        # No server there, or no such database: the operator's to fix, said plainly.
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"cadtriage: cannot use the database: {reason}", file=sys.stderr)
        print(
            "cadtriage: check DATABASE_URL, or unset it to use the embedded database",
            file=sys.stderr,
        )
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
