"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.access.models import ApiKey


def by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The key with this digest, revoked or not."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()


def by_name(session: Session, name: str) -> ApiKey | None:
    """The key with this name."""
    return session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()


def add_if_new(session: Session, values: Mapping[str, object]) -> int | None:
    """Store a key unless its name is taken (also by a concurrent insert); its id, or None if not stored."""
    statement = insert(ApiKey).values(**values).on_conflict_do_nothing(index_elements=[ApiKey.name])
    return session.execute(statement.returning(ApiKey.id)).scalar_one_or_none()


def all_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, in creation order."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
