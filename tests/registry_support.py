"""Databases for the registry tests: a SQLite file per test, or a fresh PostgreSQL database per test
(created on the server of the `pg_url` fixture and dropped afterwards), so that runs never collide."""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def fresh_pg_database(server_url: str) -> Iterator[str]:
    """A new database on the server of `server_url`; yields its URL, drops it afterwards."""
    name = f"ocop_registry_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is ours (hex), not user data
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def db_url_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ocop.db'}"
    else:
        yield from fresh_pg_database(request.getfixturevalue("pg_url"))


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh PostgreSQL database (dropped afterwards)."""
    yield from db_url_for(request.param, tmp_path, request)


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "dossiers" / name).read_text(encoding="utf-8"))


def variant(name: str, **changes: Any) -> dict[str, Any]:
    """A fixture dossier with some top-level fields changed (a new id, date, product…)."""
    d = copy.deepcopy(load_fixture(name))
    d.update(changes)
    return d
