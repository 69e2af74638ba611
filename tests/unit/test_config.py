"""Settings: DATABASE_URL in any common spelling ends up on psycopg 3."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

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


def test_an_empty_value_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # `cp .env.example .env` leaves CADTRIAGE_PROTOCOL_PATH= blank: it used to be read as Path('.'), a directory.
    monkeypatch.setenv("CADTRIAGE_PROTOCOL_PATH", "")
    monkeypatch.setenv("CADTRIAGE_WORKERS", "")
    settings = Settings()
    assert settings.protocol_path is None
    assert settings.workers == 2


def test_a_log_level_that_does_not_exist_is_refused_plainly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cadtriage.cli import main

    monkeypatch.setenv("CADTRIAGE_LOG_LEVEL", "verbose")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    from cadtriage.config import get_settings

    get_settings.cache_clear()
    try:
        assert main(["keys", "list"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "invalid setting CADTRIAGE_LOG_LEVEL" in err
    assert "Traceback" not in err
    monkeypatch.setenv("CADTRIAGE_LOG_LEVEL", "DEBUG")
    assert Settings().log_level == "debug"


def test_no_log_level_logs_what_clients_send(monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn's trace level logs each request's scope: its path and query string, which may hold caller data.
    monkeypatch.setenv("CADTRIAGE_LOG_LEVEL", "trace")
    with pytest.raises(ValidationError):
        Settings()


def test_a_database_that_does_not_exist_is_reported_plainly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    # Issue 'Hardening', item 16: this was a 117-line traceback.
    from sqlalchemy import make_url

    from cadtriage.cli import main
    from cadtriage.config import get_settings

    missing = make_url(db_url).set(database="no_such_database").render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", missing)
    get_settings.cache_clear()
    try:
        assert main(["keys", "list"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert 'database "no_such_database" does not exist' in err
    assert "check DATABASE_URL" in err
    assert "Traceback" not in err


def test_an_error_uvicorn_logs_after_a_500_keeps_its_type_not_its_message() -> None:
    """A NUL in an EIDO's unread field reached PostgreSQL, whose error quoted the document around it (a caller's
    name); uvicorn printed it with the traceback Starlette re-raises after sending the 500 (an adversarial find)."""
    import io
    import logging

    from cadtriage.api.request_log import configure_logging

    configure_logging("info")
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(handler)
    try:
        try:
            raise ValueError('invalid input: CONTEXT: JSON data, line 1: ...{"value": "Maria Secretname"...')
        except ValueError as error:
            uvicorn_errors.error("Exception in ASGI application\n", exc_info=error)
    finally:
        uvicorn_errors.removeHandler(handler)
    assert written.getvalue() == "Exception in ASGI application (ValueError)\n"
