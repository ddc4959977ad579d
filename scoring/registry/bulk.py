"""Bulk INSERTs that stay fast at 10^5 rows on both dialects, still parameterised Core statements.

Two costs dominate executemany through SQLAlchemy: serialising JSON values (and re-serialising
text we already hold as canonical JSON), and converting a Python datetime per row on SQLite. So
JSON columns take text we serialised once (PostgreSQL casts it to JSONB; SQLite stores JSON as
text), and creation timestamps are the database's own clock (`CURRENT_TIMESTAMP`: one value per
transaction on PostgreSQL, the statement's second on SQLite).

`insert_rows` goes one step further for the 10^5-row tables of an import: the statement is compiled
once per column set and its rows go to the driver's executemany as tuples (SQLite) or dicts
(psycopg), with the column types' bind processors applied per column. SQLAlchemy's own executemany
builds and processes a parameter dict per row, which was half of the write time of an import. It
is still one parameterised statement in the caller's transaction, on the same connection.

On PostgreSQL, where each executemany row is a server round of Bind/Execute (which made writing
the bulk of an import; benchmarks/README.md, "Registry"), batches of rows go through COPY FROM STDIN instead (psycopg
sends the values as data, never as SQL text). COPY checks the same constraints and fires the same
triggers; the clock columns take the transaction's CURRENT_TIMESTAMP, as the INSERT's default did.
"""
from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Mapping, Sequence

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


_COMPILED: dict[tuple[Any, ...], Any] = {}
COPY_MIN_ROWS = 50  # fewer rows: one executemany is as quick as setting up a COPY


def _compiled(conn: Any, model: Any, raw: tuple[str, ...], stamps: tuple[str, ...], keys: tuple[str, ...]) -> Any:
    """(SQL text, bind names in order or None for named parameters, {name: bind processor}); None
    when the statement needs SQLAlchemy's own execution (a Python-side column default to compute)."""
    dialect = conn.dialect
    key = (dialect.name, dialect.paramstyle, model.__table__.name, raw, stamps, keys)
    if key not in _COMPILED:
        compiled = bulk_insert(dialect.name, model, raw, stamps).compile(dialect=dialect, column_keys=list(keys))
        if compiled.insert_prefetch:
            _COMPILED[key] = None
        else:
            names = list(compiled.positiontup) if compiled.positional else None
            processors = {}
            for name, bind in compiled.binds.items():
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    processors[name] = proc
            missing = set(names or compiled.binds) - set(keys)
            _COMPILED[key] = None if missing else (compiled.string, names, processors)
    return _COMPILED[key]


def insert_rows(conn: Any, model: Any, rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
                raw: Sequence[str] = (), stamps: Sequence[str] = STAMPS, *, keys: Sequence[str] | None = None) -> None:
    """`conn.execute(bulk_insert(...), rows)`, without SQLAlchemy's per-row parameter handling (see
    the module docstring). Rows are mappings with the same keys (those of the first row), or, with
    `keys`, tuples of values in that order (an import's 6·10^5 member sheets: no dict per row)."""
    if not rows:
        return
    if keys is None:
        keys = tuple(rows[0])
        get = itemgetter(*keys)
        rows = list(map(get, rows)) if len(keys) > 1 else [(get(r),) for r in rows]
    keys = tuple(keys)
    plan = _compiled(conn, model, tuple(raw), tuple(stamps), keys)
    if plan is None:
        conn.execute(bulk_insert(conn.dialect.name, model, raw, stamps), [dict(zip(keys, r)) for r in rows])
        return
    sql, names, processors = plan
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        _copy(conn, model, rows, keys, processors, tuple(raw), tuple(stamps))
        return
    order = names if names is not None else list(keys)
    if order == list(keys) and not processors:
        params: list[Any] = list(rows)  # already in the statement's order, nothing to convert
    else:
        at = {k: i for i, k in enumerate(keys)}
        columns = list(zip(*rows))
        ordered = []
        for name in order:
            values = columns[at[name]]
            proc = processors.get(name)
            if proc is not None:
                values = [proc(v) for v in values]  # the type's own handling of None (JSON: 'null')
            ordered.append(values)
        params = list(zip(*ordered))
    if names is None:
        params = [dict(zip(order, p)) for p in params]
    conn.exec_driver_sql(sql, params)


def _copy(conn: Any, model: Any, rows: Sequence[Sequence[Any]], keys: tuple[str, ...],
          processors: Mapping[str, Any], raw: tuple[str, ...], stamps: tuple[str, ...]) -> None:
    """`insert_rows` on PostgreSQL: COPY into the table's columns, in the open transaction."""
    table = model.__table__
    quote = conn.dialect.identifier_preparer.quote
    raw_keys = {f"{c}_json": c for c in raw}
    columns = [raw_keys.get(k, k) for k in keys]
    clock = [c for c in stamps if c in table.c and c not in columns]
    now = conn.exec_driver_sql("SELECT CURRENT_TIMESTAMP").scalar() if clock else None
    procs = [processors.get(k) for k in keys]
    sql = (f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns + clock)}) FROM STDIN")
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for r in rows:
                values = [v if p is None else p(v) for v, p in zip(r, procs)]
                copy.write_row(values + [now] * len(clock))
    finally:
        cursor.close()
