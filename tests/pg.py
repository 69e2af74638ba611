"""A PostgreSQL server for the test session: TEST_DATABASE_URL when set, else a throwaway embedded server.

A template database is migrated once with the real Alembic migrations; every database a test needs is a
cheap copy of it (CREATE DATABASE ... TEMPLATE), dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from cadtriage import migrations
from cadtriage.config import normalise_database_url
from cadtriage.embedded import EmbeddedPostgres


class PgServer:
    """Creates, migrates and drops the test session's databases."""

    def __init__(self) -> None:
        configured = os.environ.get("TEST_DATABASE_URL")
        self._tmp: str | None = None
        self._embedded: EmbeddedPostgres | None = None
        if configured:
            self.base_url = normalise_database_url(configured)
        else:
            self._tmp = tempfile.mkdtemp(prefix="cadtriage-test-")
            self._embedded = EmbeddedPostgres(Path(self._tmp) / "pgdata")
            self.base_url = self._embedded.start()
        self.prefix = f"cadtriage_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._created: list[str] = []
        self.template = self.create(f"{self.prefix}_tpl", template=None)
        migrations.upgrade(self.url(self.template))

    def url(self, database: str) -> str:
        """A URL for one of this server's databases."""
        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as connection:
            connection.execute(text(sql))
        engine.dispose()

    def create(self, name: str, template: str | None) -> str:
        """Create a database (a copy of `template` when given) and return its name."""
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self._created.append(name)
        return name

    def copy(self) -> str:
        """A fresh, migrated, empty database; its URL."""
        return self.url(self.create(f"{self.prefix}_{len(self._created)}", template=self.template))

    def close(self) -> None:
        """Drop every database made for the session and stop the embedded server."""
        for name in reversed(self._created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self._embedded is not None:
            self._embedded.stop()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def create_key_in(url: str, role: str, name: str | None = None, unit: str | None = None) -> str:
    """Create and commit an API key in a test database; the key."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from cadtriage.access.models import Role
    from cadtriage.access.service import create

    engine = create_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session, session.begin():
            return create(
                session,
                name=name or f"test-{role}",
                role=Role(role),
                unit_call_sign=unit,
                at=datetime.now(UTC),
                actor="test",
            )
    finally:
        engine.dispose()
