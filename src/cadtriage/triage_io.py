"""Triage at the terminal: JSON lines in and out, or one text explained for a person."""

from __future__ import annotations

import json
from typing import TextIO

from pydantic import ValidationError

from cadtriage.calls.schemas import CallRecord
from cadtriage.errors import Unprocessable
from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import CallText, Decision


def _error_line(number: int, errors: list[dict[str, str]]) -> str:
    return json.dumps({"line": number, "error": "invalid call record", "errors": errors})


def triage_jsonl(source: TextIO, sink: TextIO, protocol: Protocol) -> int:
    """Read call records (one JSON object per line), write one decision per line in the same order.

    A line that is not a valid record gets an `{"line": n, "error": ...}` line in its place, so output lines
    stay aligned with input lines; the exit status is then 1.
    """
    status = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            record = CallRecord.model_validate_json(line)
            record.require_triage_input()
        except ValidationError as exc:
            errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
            sink.write(_error_line(number, errors) + "\n")
            status = 1
            continue
        except Unprocessable as exc:
            sink.write(_error_line(number, exc.extra.get("errors", [])) + "\n")
            status = 1
            continue
        sink.write(json.dumps(decide(record.call_text(), protocol).as_dict()) + "\n")
    return status


def explain(text: str, protocol: Protocol) -> str:
    """A decision about free text (read as a narrative), laid out for a person at a terminal."""
    return render(decide(CallText(narrative=text), protocol))


def render(decision: Decision) -> str:
    """A decision as a few readable lines."""
    lines = [
        f"{decision.response_type.value}  priority {decision.priority}"
        + ("  + notify EMS" if decision.notify_ems else ""),
    ]
    for rule, reason in zip(decision.rules, decision.reasons, strict=True):
        lines.append(f"  {rule}: {reason}")
    for item in decision.evidence:
        if item.source == "screening":
            lines.append(f"    evidence: screening {item.field} = {item.value}")
        else:
            flags = " (negated)" if item.negated else ""
            flags += " (past)" if item.historical else ""
            lines.append(f'    evidence: {item.source} "{item.text}" -> {item.fact}{flags}')
    for question in decision.ask:
        answer = "yes" if question.answer else "no"
        ems = " + notify EMS" if question.notify_ems else ""
        lines.append(f"  ask: {question.field}? if {answer}: {question.response_type.value}{ems}")
    lines.append(f"  protocol {decision.protocol_version}")
    return "\n".join(lines)
