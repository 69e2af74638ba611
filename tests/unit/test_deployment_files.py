"""docker-compose.yml cannot run here; it at least loads, and every variable it sets is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from cadtriage import migrations
from cadtriage.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


def test_compose_loads_with_a_database_and_the_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"db", "api"} <= set(compose["services"])
    assert compose["services"]["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in compose["services"]["db"]
    assert "healthcheck" in compose["services"]["api"]


def test_every_variable_the_service_gets_in_compose_is_documented() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    used = set(compose["services"]["api"]["environment"])
    assert used <= _documented(), used - _documented()


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    expected = {"DATABASE_URL"} | {
        f"CADTRIAGE_{name.upper()}" for name in Settings.model_fields if name != "database_url"
    }
    assert _documented() == expected


def test_the_migrations_ship_inside_the_package() -> None:
    # A wheel (pip install ., pipx) carries only the package and its package data: the migrations must be both.
    package = Path(migrations.__file__).parent
    assert migrations.SCRIPTS.parent == package
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {path for pattern in patterns["cadtriage"] for path in package.glob(pattern)}
    needed = {p for p in migrations.SCRIPTS.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert needed, "no migrations found in the package"
    assert needed <= shipped, sorted(str(p.relative_to(package)) for p in needed - shipped)
    assert migrations.head_revision() == "0021"
