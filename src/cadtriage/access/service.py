"""Creating, listing, revoking and checking API keys."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cadtriage.access import repository
from cadtriage.access.models import ApiKey, Role
from cadtriage.errors import Conflict, NotFound, Unprocessable
from cadtriage.events.service import record
from cadtriage.units import repository as units

KEY_PREFIX = "ctk_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (recorded as the actor of every change), its role and, for a unit key,
    its unit."""

    name: str
    role: Role
    unit_id: int | None = None
    key_id: int | None = None


def digest(key: str) -> str:
    """SHA-256 of a key: keys are 256-bit random, so a fast hash is enough and lookups stay one index probe."""
    return hashlib.sha256(key.encode()).hexdigest()


# A key's name is the actor of every change it makes: printable, bounded, and never the system's own names.
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
RESERVED_PREFIXES = ("system:", "cli:")  # the service's own actors, and an operator at the command line


def _check_name(name: str) -> None:
    problem = None
    if not KEY_NAME.fullmatch(name):  # `$` alone would let a trailing newline through
        problem = "1 to 64 letters, digits and _ . : - , starting with a letter or digit"
    elif name.lower().startswith(RESERVED_PREFIXES):
        problem = (
            f"names starting with {' or '.join(map(repr, RESERVED_PREFIXES))} are reserved for the service"
        )
    if problem:
        raise Unprocessable(f"invalid key name: {problem}", errors=[{"field": "name", "message": problem}])


def create(
    session: Session, *, name: str, role: Role, unit_call_sign: str | None, at: datetime, actor: str
) -> str:
    """Create a key and return it; it cannot be shown again. The audit log records who created it."""
    _check_name(name)
    unit_id = None
    if role is Role.unit:
        if not unit_call_sign:
            raise Unprocessable(
                "a unit key needs the call sign of its unit",
                errors=[{"field": "unit", "message": "required for role unit"}],
            )
        unit = units.get_by_call_sign(session, unit_call_sign)
        if unit is None:
            raise NotFound(f"no unit with call sign {unit_call_sign}", call_sign=unit_call_sign)
        unit_id = unit.id
    elif unit_call_sign:
        raise Unprocessable(
            "only a unit key is bound to a unit",
            errors=[{"field": "unit", "message": "allowed only for role unit"}],
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    values = {"name": name, "role": role.value, "key_hash": digest(key), "unit_id": unit_id, "created_at": at}
    key_id = repository.add_if_new(session, values)
    if key_id is None:
        raise Conflict(f"a key named {name} exists already", name=name)
    record(
        session,
        actor=actor,
        kind="key.created",
        at=at,
        key_id=key_id,
        unit_id=unit_id,
        to_state="active",
        data={"name": name, "role": role.value},
    )
    return key


def revoke(session: Session, name: str, at: datetime, actor: str) -> ApiKey:
    """Revoke a key by name; it stops working at once. The audit log records who revoked it (once)."""
    key = repository.by_name(session, name)
    if key is None:
        raise NotFound(f"no key named {name}", name=name)
    if key.revoked_at is None:
        key.revoked_at = at
        record(
            session,
            actor=actor,
            kind="key.revoked",
            at=at,
            key_id=key.id,
            unit_id=key.unit_id,
            from_state="active",
            to_state="revoked",
            data={"name": key.name, "role": key.role},
        )
    return key


def authenticate(session: Session, key: str) -> Principal | None:
    """The principal a presented key stands for, or None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX):
        return None
    found = repository.active_by_hash(session, digest(key))
    if found is None:
        return None
    name, role, unit_id, key_id = found
    return Principal(name, Role(role), unit_id, key_id)


def get(session: Session, name: str) -> ApiKey:
    """A key by name, without its secret; 404 when there is none."""
    key = repository.by_name(session, name)
    if key is None:
        raise NotFound(f"no key named {name}", name=name)
    return key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, without secrets."""
    return list(repository.all_keys(session))
