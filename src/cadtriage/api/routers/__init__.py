"""One router per resource; each validates, calls one use case, and declares its answers."""
