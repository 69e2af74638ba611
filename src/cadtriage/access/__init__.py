"""Access: API keys, roles, and who did what."""
