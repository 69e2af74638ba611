"""Request dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cadtriage.db import SessionDep
from cadtriage.dispatch.service import DispatchContext
from cadtriage.triage.protocol import Protocol

# Until API keys land (issue #6), changes made through the API are attributed to this actor.
API_ACTOR = "api"


def get_protocol(request: Request) -> Protocol:
    """The protocol this process loaded at start."""
    protocol: Protocol = request.app.state.protocol
    return protocol


def get_dispatch_context(request: Request, session: SessionDep) -> DispatchContext:
    """Everything a dispatch use case needs, bound to this request's transaction."""
    state = request.app.state
    return DispatchContext(session, state.clock, state.settings, state.protocol, API_ACTOR)


ProtocolDep = Annotated[Protocol, Depends(get_protocol)]
ContextDep = Annotated[DispatchContext, Depends(get_dispatch_context)]
