"""Statistics for supervisors and auditors: what was decided, what was sent, how fast, and why they differ."""
