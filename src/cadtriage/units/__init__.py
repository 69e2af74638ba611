"""Units: registration, status and location of the teams that respond."""
