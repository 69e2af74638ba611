"""Settings: DATABASE_URL in any common spelling ends up on psycopg 3."""

from __future__ import annotations

import pytest

from cadtriage.config import Settings
from cadtriage.triage.types import ResponseType


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_database_url_is_normalised(monkeypatch: pytest.MonkeyPatch, given: str, expected: str) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    assert Settings().database_url == expected


def test_max_distance_is_per_response_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADTRIAGE_MAX_DISTANCE_CIVILIAN_CRISIS_M", "1234")
    settings = Settings()
    assert settings.max_distance_m(ResponseType.civilian_crisis) == 1234
    assert settings.max_distance_m(ResponseType.police) == 40_000


def test_a_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADTRIAGE_PORT", "99999")
    with pytest.raises(ValueError, match="port"):
        Settings()
