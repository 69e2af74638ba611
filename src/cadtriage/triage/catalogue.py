"""The capability catalogue: what a unit can be qualified for (CIT, a clinician aboard, an interpreter), as the
protocol names it, with the NENA EIDO resource attribute where the registry has one."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# `cit`, `negotiator`, `interpreter:es` (a language as its ISO 639-1 code).
CAPABILITY_ID = r"^[a-z][a-z0-9_]*(:[a-z]{2,3})?$"


class CapabilityDef(BaseModel):
    """One capability: what it means, and its EIDO resource attribute (None: the registry has none; an EIDO
    names it as `Other` with this id as the internal text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=3)
    eido: str | None = Field(default=None, pattern=r"^[A-Z][A-Za-z]+$")
