"""Reading protocol files from disk (the triage package itself does no I/O)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from cadtriage.triage.protocol import Protocol, ProtocolError, parse_protocol


def shipped_protocol_text() -> str:
    """The protocol that ships inside the package."""
    return resources.files("cadtriage.triage").joinpath("protocol.yaml").read_text(encoding="utf-8")


def load_protocol(path: Path | None = None) -> Protocol:
    """Load and validate a protocol file, or the shipped one when `path` is None."""
    if path is None:
        return parse_protocol(shipped_protocol_text(), "cadtriage/triage/protocol.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol: {exc.strerror}") from exc
    return parse_protocol(text, str(path))
