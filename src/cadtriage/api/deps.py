"""Request dependencies shared by the routers: who is calling, what they may do, and the use-case context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cadtriage.access.models import Role
from cadtriage.access.service import Principal, authenticate
from cadtriage.api.session import SessionDep, in_session
from cadtriage.context import Context
from cadtriage.errors import Forbidden, Unauthorized
from cadtriage.triage.protocol import Protocol

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer ctk_...`")


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from its bearer key; 401 when the key is missing, unknown or revoked."""
    if credentials is None:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    principal = await in_session(session, authenticate, session, credentials.credentials)
    if principal is None:
        raise Unauthorized("the API key is unknown or revoked")
    request.state.actor = principal.name  # for the request log
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only these roles (403 for the others)."""
    allowed = frozenset(roles)

    # async: no I/O here, so FastAPI runs it on the event loop instead of a worker-thread round trip.
    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"{_article(principal.role.value)} {principal.role.value} key may not do this; "
                f"allowed: {', '.join(sorted(allowed))}",
                role=principal.role.value,
            )
        return principal

    return check


def _article(word: str) -> str:
    return "an" if word[:1] in "aeio" else "a"  # "an admin", "a unit", "a researcher"


def own_unit_only(principal: Principal, unit_id: int) -> None:
    """A unit key may act only on its own unit."""
    if principal.role is Role.unit and principal.unit_id != unit_id:
        raise Forbidden("a unit key may act only on its own unit", role=principal.role.value)


async def get_protocol(request: Request) -> Protocol:
    """The protocol this process loaded at start."""
    protocol: Protocol = request.app.state.protocol
    return protocol


async def get_context(request: Request, session: SessionDep, principal: PrincipalDep) -> Context:
    """Everything a use case needs, bound to this request's transaction and its caller (no I/O)."""
    state = request.app.state
    return Context(session, state.clock, state.settings, state.protocol, principal.name)


# Ids are PostgreSQL bigints: anything larger is refused as invalid input before it reaches the database.
CallId = Annotated[int, Path(ge=1, le=2**63 - 1)]
UnitId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ProtocolDep = Annotated[Protocol, Depends(get_protocol)]
ContextDep = Annotated[Context, Depends(get_context)]
Dispatcher = Annotated[Principal, Depends(require(Role.dispatcher))]
Reader = Annotated[Principal, Depends(require(Role.dispatcher, Role.supervisor))]
UnitManager = Annotated[Principal, Depends(require(Role.supervisor))]
UnitReporter = Annotated[Principal, Depends(require(Role.dispatcher, Role.supervisor, Role.unit))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
