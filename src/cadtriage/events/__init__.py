"""Events: the append-only audit log of every change to a call or a unit."""
