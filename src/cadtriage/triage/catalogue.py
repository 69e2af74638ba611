"""The capability catalogue: what a unit can be qualified for (CIT, a clinician aboard, an interpreter), as the
protocol names it, with the NENA EIDO resource attribute where the registry has one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cadtriage.triage.types import ResponseType

# `cit`, `negotiator`, `interpreter:es` (a language as its ISO 639-1 code).
CAPABILITY_ID = r"^[a-z][a-z0-9_]*(:[a-z]{2,3})?$"
# In a plan, the call's language stands in for the code: `interpreter:{language}`.
LANGUAGE_SLOT = "{language}"


class CapabilityDef(BaseModel):
    """One capability: what it means, and its EIDO resource attribute (None: the registry has none; an EIDO
    names it as `Other` with this id as the internal text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=3)
    eido: str | None = Field(default=None, pattern=r"^[A-Z][A-Za-z]+$")


class ResponsePlan(BaseModel):
    """A run-card row: for calls triage sends to one of `response_types` where every fact in `when` holds (and,
    with `language: other`, whose caller speaks another language than the centre's), the unit sent should have
    a capability: `require` it (the call waits for such a unit), or `prefer` it within `within_m` of the nearest
    unit (farther, the nearest goes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
    response_types: list[ResponseType] = Field(min_length=1)
    when: dict[str, bool | Literal["unknown", "known", "not_false", "not_true"]] = {}
    language: Literal["other"] | None = None
    prefer: str | None = None
    require: str | None = None
    within_m: float | None = Field(default=None, gt=0, le=50_000)
    criterion: str = Field(min_length=3)

    @model_validator(mode="after")
    def _one_capability(self) -> ResponsePlan:
        if (self.prefer is None) == (self.require is None):
            raise ValueError("a plan names one capability: prefer or require")
        if (self.prefer is not None) != (self.within_m is not None):
            raise ValueError("a preference says how much farther it may be (within_m), and only a preference")
        if LANGUAGE_SLOT in self.capability and self.language != "other":
            raise ValueError("only a plan about the caller's language (language: other) may name {language}")
        return self

    @property
    def capability(self) -> str:
        """The capability it names (possibly with the language slot)."""
        return self.prefer or self.require or ""
