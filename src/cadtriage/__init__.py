"""cadtriage: computer-aided-dispatch triage for 911 centres."""

__version__ = "0.1.0"
