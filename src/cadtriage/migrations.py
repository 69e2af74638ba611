"""Running the Alembic migrations from code, handing Alembic a connection rather than a URL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text

# The Alembic environment and versions ship inside the package, so an installed wheel can migrate: the service
# never needs its checkout (the checkout's alembic.ini points here too, for the `alembic` command).
SCRIPTS = Path(__file__).resolve().with_name("alembic")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for this project, optionally bound to an open connection."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _with_connection(url_or_engine: str | Engine, action: str, revision: str) -> None:
    engine = create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    try:
        with engine.begin() as connection:
            getattr(command, action)(alembic_config(connection), revision)
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision`."""
    _with_connection(url_or_engine, "upgrade", revision)


def downgrade(url_or_engine: str | Engine, revision: str = "base") -> None:
    """Migrate the database down to `revision`."""
    _with_connection(url_or_engine, "downgrade", revision)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    exists = connection.execute(text("SELECT to_regclass('alembic_version')")).scalar()
    if exists is None:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
