"""Choosing the database: DATABASE_URL when set, else the embedded server in the data directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cadtriage.config import Settings
from cadtriage.embedded import EmbeddedPostgres


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield a SQLAlchemy URL for the service's database, starting (and afterwards stopping) the embedded
    server when no DATABASE_URL is configured."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    server = EmbeddedPostgres(settings.data_dir / "pgdata")
    try:
        yield server.start()
    finally:
        server.stop()
