"""Reading protocol files from disk (the triage package itself does no I/O)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cadtriage.triage.protocol import Protocol, ProtocolError, parse_protocol

SHIPPED = "cadtriage/triage/protocol.yaml"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_protocol_text() -> str:
    """The protocol that ships inside the package."""
    return resources.files("cadtriage.triage").joinpath("protocol.yaml").read_text(encoding="utf-8")


def load_protocol(path: Path | None = None) -> Protocol:
    """Load and validate a protocol file, or the shipped one when `path` is None, with the data files it names."""
    if path is None:
        return parse(shipped_protocol_text(), SHIPPED)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol: {exc.strerror}") from exc
    return parse(text, str(path), folder=path.parent)


def parse(text: str, source: str, folder: Path | None = None) -> Protocol:
    """Parse protocol text with the data files it names: beside it in `folder` when there, else the shipped ones."""
    return parse_protocol(text, source, models=_models(text, source, folder))


def _models(text: str, source: str, folder: Path | None) -> dict[str, Any]:
    try:
        raw = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return {}  # parse_protocol says what is wrong with it
    readers = raw.get("readers") if isinstance(raw, dict) else None
    names = (
        {r.get("model") for r in readers.values() if isinstance(r, dict)}
        if isinstance(readers, dict)
        else set()
    )
    models: dict[str, Any] = {}
    for name in sorted(n for n in names if isinstance(n, str) and "/" not in n and "\\" not in n):
        beside = folder / name if folder is not None else None
        try:
            if beside is not None and beside.is_file():
                content = beside.read_text(encoding="utf-8")
            else:
                content = resources.files("cadtriage.triage").joinpath(name).read_text(encoding="utf-8")
            models[name] = json.loads(content)
        except (OSError, ValueError) as exc:
            raise ProtocolError(f"{source}: cannot read reader model {name!r}: {exc}") from exc
    return models  # a name that is not a plain file name is left for validation to refuse
