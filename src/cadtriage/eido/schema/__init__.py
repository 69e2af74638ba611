"""NENA's EIDO JSON schema (OpenAPI 3.0 with its NIEM types), as a validator for the documents other centres send.

Built once per process, on first use (parsing the NIEM types takes a second or two), from the files beside this
module. Three things are repaired on loading, as NENA's authors meant them: one line of `openapi.yaml` reads
`minItems: 1,`, which YAML takes as the text "1,"; one reference is written `NIEMComponents//j.yaml`; and
`ReferenceType` lists the `$ref` it requires but not that it is an object, so `"updatedByAgencyReference": "x"`
passed. Every `format: date-time` is checked: an RFC 3339 time with its offset, between 1970 and 2099 in UTC (the
service's own bound on call times), since a time a sender's clock or typo put in year 2999 would freeze the
incident against every real update, and one past year 9999 in UTC cannot be stored.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = "file:///eido/"
_NUMERIC = {"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum"}
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _repaired(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: int(value.rstrip(",")) if key in _NUMERIC and isinstance(value, str) else _repaired(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_repaired(item) for item in node]
    return node


_FORMATS = FormatChecker(formats=())
EARLIEST_YEAR, LATEST_YEAR = 1970, 2099


@_FORMATS.checks("date-time", raises=(ValueError, OverflowError))
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type is the schema's to check
    moment = datetime.fromisoformat(value)
    if "T" not in value.upper() or moment.tzinfo is None:
        raise ValueError("an RFC 3339 date-time with its offset, such as 2026-12-01T10:15:00Z")
    if not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
        raise ValueError(f"a time between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return True


@functools.cache
def validator() -> Draft7Validator:
    """A validator for `EmergencyIncidentDataObjectType`, every NIEM component registered where references look."""
    folder = resources.files(__name__)
    files = [("openapi.yaml", folder / "openapi.yaml")]
    niem = folder / "NIEMComponents"
    files += sorted(
        (f"NIEMComponents/{item.name}", item) for item in niem.iterdir() if item.name.endswith(".yaml")
    )
    registered = []
    for name, path in files:
        contents = _repaired(yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader))  # noqa: S506 (safe loader)
        if name == "openapi.yaml":
            contents["components"]["schemas"]["ReferenceType"]["type"] = "object"
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        registered.append((ROOT + name, resource))
        if name == "NIEMComponents/j.yaml":
            registered.append((ROOT + "NIEMComponents//j.yaml", resource))
    schema = {"$ref": ROOT + "openapi.yaml#/components/schemas/EmergencyIncidentDataObjectType"}
    return Draft7Validator(schema, registry=Registry().with_resources(registered), format_checker=_FORMATS)


def problems(document: Any) -> list[tuple[str, str]]:
    """Each place the document breaks the schema, as (JSON pointer, message), in document order."""
    found = [
        (
            "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in error.absolute_path),
            f"{error.message}: {error.cause}"
            if error.validator == "format" and error.cause
            else error.message,
        )
        for error in validator().iter_errors(document)
    ]
    return sorted(found)
