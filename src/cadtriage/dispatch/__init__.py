"""Dispatch: nearest-unit assignment, the queue, escalation and override."""
