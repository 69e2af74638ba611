"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Row, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.access.models import ApiKey

# Every request authenticates: plain rows of the four columns a principal needs, built once, no ORM entity.
_ACTIVE_BY_HASH = select(ApiKey.name, ApiKey.role, ApiKey.unit_id, ApiKey.id).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)
)


def active_by_hash(session: Session, key_hash: str) -> Row[tuple[str, str, int | None, int]] | None:
    """The name, role, unit and id of the unrevoked key with this digest, or None."""
    return session.execute(_ACTIVE_BY_HASH, {"key_hash": key_hash}).one_or_none()


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
