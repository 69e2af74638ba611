"""Every ORM model, imported in one place so that the metadata is complete (for Alembic and tests)."""

from cadtriage.access.models import ApiKey
from cadtriage.calls.models import Assignment, Call, CallOutcome, TriageDecision
from cadtriage.consults.models import Consult
from cadtriage.db import Base
from cadtriage.eido.models import EidoDelivery, EidoIncident, EidoSubscription
from cadtriage.events.models import Event
from cadtriage.followups.models import Followup
from cadtriage.units.models import CapabilityCoverage, Unit

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "Assignment",
    "Call",
    "CallOutcome",
    "CapabilityCoverage",
    "Consult",
    "EidoDelivery",
    "EidoIncident",
    "EidoSubscription",
    "Event",
    "Followup",
    "TriageDecision",
    "Unit",
    "metadata",
]
