"""Triage: a pure function from a call record and a protocol to an explained decision.

Imports no web framework, no ORM and does no I/O; the protocol file is read by `cadtriage.protocol_files`.
"""
