"""Follow-ups: joint case management after a call, with the person's consent, and the overdue ones."""
