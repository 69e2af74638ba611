"""De-identified exports for researchers and partners."""
