"""SQL for capability coverage: what was last announced, and the unit a change concerns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.units.models import CapabilityCoverage, Unit


def announced(session: Session) -> dict[str, bool]:
    """Per capability, whether it was last announced as covered."""
    rows = session.execute(select(CapabilityCoverage.capability, CapabilityCoverage.covered))
    return {capability: covered for capability, covered in rows}


def remember(session: Session, capability: str, covered: bool, at: datetime) -> None:
    """Record what is now announced for a capability."""
    statement = insert(CapabilityCoverage).values(capability=capability, covered=covered, changed_at=at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[CapabilityCoverage.capability], set_={"covered": covered, "changed_at": at}
        )
    )


def last_changed_holder(session: Session, capability: str) -> Unit | None:
    """The unit holding (or having held) a capability whose status changed last: the one a change concerns."""
    query = (
        select(Unit)
        .where(Unit.capabilities.has_key(capability))
        .order_by(Unit.updated_at.desc(), Unit.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()
