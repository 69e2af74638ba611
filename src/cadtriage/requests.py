"""The base of every request body: unknown fields refused, text trimmed, NUL characters refused.

PostgreSQL cannot store a NUL character in text; left to the database, one in any field became a 500 whose
traceback printed the statement's parameters (the caller's name, phone and narrative). Refused here, it is a 422
naming the field, before anything is written.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class RequestModel(BaseModel):
    """A request body: strict about its fields, trimmed, and free of NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value
