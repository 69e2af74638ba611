"""Reading protocol files from disk (the triage package itself does no I/O)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from cadtriage.triage.protocol import Protocol, ProtocolError, parse_protocol

SHIPPED = "cadtriage/triage/protocol.yaml"


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

    def read_model(name: str) -> Any:  # a plain file name: the protocol's validation sees to it
        beside = folder / name if folder is not None else None
        try:
            if beside is not None and beside.is_file():
                content = beside.read_text(encoding="utf-8")
            else:
                content = resources.files("cadtriage.triage").joinpath(name).read_text(encoding="utf-8")
            return json.loads(content)
        except (OSError, ValueError) as exc:
            raise ProtocolError(f"cannot read reader model {name!r}: {exc}") from exc

    return parse_protocol(text, source, read_model=read_model)
