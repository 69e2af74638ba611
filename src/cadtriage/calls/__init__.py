"""Calls: intake, lifecycle and the record of what triage decided and what was sent."""
