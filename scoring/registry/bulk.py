"""Bulk INSERTs that stay fast at 10^5 rows on both dialects, still parameterised Core statements.

Two costs dominate executemany through SQLAlchemy: serialising JSON values (and re-serialising
text we already hold as canonical JSON), and converting a Python datetime per row on SQLite. So
JSON columns take text we serialised once (PostgreSQL casts it to JSONB; SQLite stores JSON as
text), and creation timestamps are the database's own clock (`CURRENT_TIMESTAMP`: one value per
transaction on PostgreSQL, the statement's second on SQLite).
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from sqlalchemy import Text, bindparam, cast, func, insert
from sqlalchemy.dialects.postgresql import JSONB

STAMPS = ("created_at", "updated_at", "submitted_at", "at")


def dumps(value: Any) -> str | None:
    """JSON text of a value (dates as ISO text); None stays SQL NULL."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def raw_json(dialect: str, name: str) -> Any:
    """A bind parameter carrying JSON text, stored without a second serialisation."""
    param = bindparam(name, type_=Text())
    return cast(param, JSONB) if dialect == "postgresql" else param


def bulk_insert(dialect: str, model: Any, raw: Sequence[str] = (), stamps: Sequence[str] = STAMPS) -> Any:
    """INSERT for executemany: the `raw` columns take JSON text from parameters named
    '<column>_json'; the `stamps` columns the model has are set to CURRENT_TIMESTAMP."""
    columns = model.__table__.c
    values = {c: raw_json(dialect, f"{c}_json") for c in raw}
    values.update({c: func.current_timestamp() for c in stamps if c in columns})
    return insert(model).values(values)
