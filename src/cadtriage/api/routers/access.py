"""HTTP for admins: API keys and the loaded protocol; for every key, who it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from cadtriage.access import service
from cadtriage.access.models import Role
from cadtriage.access.schemas import KeyCreate, KeyCreated, KeyOut, Me, ProtocolOut, RuleOut
from cadtriage.access.service import Principal
from cadtriage.api.deps import Admin, ContextDep, ProtocolDep, require
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute

router = APIRouter(tags=["admin"], route_class=LoopRoute)
ProtocolReader = Annotated[Principal, Depends(require(Role.admin, Role.supervisor))]
AnyKey = Annotated[Principal, Depends(require(*Role))]
# Any name a key may have been given, but no control character (PostgreSQL refuses a NUL in text: that was a 500).
KeyName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


@router.get("/me", response_model=Me, responses=problems(), tags=["access"])
def who_am_i(principal: AnyKey) -> Me:
    """The key in use: its name and role (a console shows what the role may see, and signs out on 401)."""
    return Me(name=principal.name, role=principal.role, unit_id=principal.unit_id)


@router.post(
    "/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED, responses=problems(404, 409, 422)
)
def create_key(body: KeyCreate, ctx: ContextDep, _: Admin) -> KeyCreated:
    """Create a key; the response holds the key itself, which is never shown again."""
    key = service.create(
        ctx.session, name=body.name, role=body.role, unit_call_sign=body.unit, at=ctx.now(), actor=ctx.actor
    )
    created = service.get(ctx.session, body.name)
    return KeyCreated(**KeyOut.model_validate(created).model_dump(), key=key)


@router.get("/keys", response_model=list[KeyOut], responses=problems())
def list_keys(ctx: ContextDep, _: Admin) -> list[KeyOut]:
    """Every key, revoked ones included, without secrets."""
    return [KeyOut.model_validate(k) for k in service.list_keys(ctx.session)]


@router.post("/keys/{name}/revoke", response_model=KeyOut, responses=problems(404))
def revoke_key(name: KeyName, ctx: ContextDep, _: Admin) -> KeyOut:
    """Revoke a key; it stops working at once."""
    return KeyOut.model_validate(service.revoke(ctx.session, name, ctx.now(), ctx.actor))


@router.get("/protocol", response_model=ProtocolOut, responses=problems())
def protocol_summary(protocol: ProtocolDep, _: ProtocolReader) -> ProtocolOut:
    """The loaded protocol's version, rules (with their criteria) and escalation chain."""
    return ProtocolOut(
        version=protocol.version,
        name=protocol.name,
        rules=[
            RuleOut(
                id=r.id,
                response_type=r.response_type,
                priority=r.priority,
                reason=r.reason,
                criterion=r.criterion,
            )
            for r in protocol.rules
        ],
        escalation={
            k.value: {"after_s": v.after_s, "to": v.to.value} for k, v in protocol.escalation.items()
        },
    )
