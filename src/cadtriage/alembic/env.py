"""Alembic environment.

The connection comes from `config.attributes["connection"]` (how cadtriage runs migrations, so that a Unix-socket
URL with `%` in it never passes through Alembic's ini interpolation), or else from DATABASE_URL via Settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from cadtriage.config import get_settings
from cadtriage.models import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the handed-over connection, or on DATABASE_URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = get_settings().database_url
    if url is None:
        raise SystemExit("DATABASE_URL is not set: use `cadtriage migrate` for the embedded database")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported")
run_migrations_online()
