"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadtriage.access.models import ApiKey


def by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The key with this digest, revoked or not."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()


def by_name(session: Session, name: str) -> ApiKey | None:
    """The key with this name."""
    return session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()


def add(session: Session, key: ApiKey) -> ApiKey:
    """Store a key."""
    session.add(key)
    session.flush()
    return key


def all_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, in creation order."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
