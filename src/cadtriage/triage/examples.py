"""Running a protocol's own examples: the check a jurisdiction runs after editing its protocol."""

from __future__ import annotations

from cadtriage.triage.engine import decide
from cadtriage.triage.protocol import Example, Protocol
from cadtriage.triage.types import CallText


def check_example(example: Example, protocol: Protocol) -> str | None:
    """None when the protocol gives the example its expected outcome, else what differs."""
    call = example.call
    decision = decide(CallText(call.call_type, call.narrative, call.screening), protocol)
    expect = example.expect
    problems = []
    if decision.response_type != expect.response_type:
        problems.append(f"response_type {decision.response_type} != {expect.response_type}")
    if expect.priority is not None and decision.priority != expect.priority:
        problems.append(f"priority {decision.priority} != {expect.priority}")
    if expect.notify_ems is not None and decision.notify_ems != expect.notify_ems:
        problems.append(f"notify_ems {decision.notify_ems} != {expect.notify_ems}")
    missing = [rule for rule in expect.rules if rule not in decision.rules]
    if missing:
        problems.append(f"rules {list(decision.rules)} lack {missing}")
    return f"{example.name}: {'; '.join(problems)}" if problems else None


def run_examples(protocol: Protocol) -> list[str]:
    """Every example that fails, described."""
    return [failure for example in protocol.examples if (failure := check_example(example, protocol))]
