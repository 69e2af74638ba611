"""The pseudonymous person key: repeat contacts can be counted without storing or exporting who anyone is.

A keyed hash (HMAC-SHA-256, secret in CADTRIAGE_PERSON_KEY_SECRET) of the upstream system's person id when the
record has one, else of the caller's phone reduced to its last ten digits. Without the secret nobody can tell
whose key it is, or test a phone number against it. Rotating the secret starts a new `version` (a label set
beside it): keys compare only within one version, so repeat counts restart at a rotation. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_NOT_DIGITS = re.compile(r"\D")


def person_key(secret: str, version: str, *, person_id: str | None, phone: str | None) -> str | None:
    """The key of the person a call is about, or None when the record identifies no one (or no secret is set)."""
    if not secret:
        return None
    if person_id:
        subject = f"id:{person_id.strip().lower()}"
    else:
        digits = _NOT_DIGITS.sub("", phone or "")
        if len(digits) < 7:  # too short to be anyone's number: no key rather than a shared one
            return None
        subject = f"tel:{digits[-10:]}"
    digest = hmac.new(secret.encode(), f"{version}\x00{subject}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
