"""Fixtures for tests that interleave real transactions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cadtriage.db import Database
from tests.pg import PgServer


@pytest.fixture
def database(pg: PgServer) -> Iterator[Database]:
    """A fresh database of its own, with a pool large enough for a test's concurrent sessions."""
    database = Database(pg.copy(), pool_size=8)
    yield database
    database.dispose()
