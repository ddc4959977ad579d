"""Connections and schema migrations: the database URL, SQLite's safety settings, Alembic.

SQLite (the embedded default) is opened in WAL mode with a busy timeout and foreign keys on, and
every write transaction starts with BEGIN IMMEDIATE: a writer takes the database's write lock when
it begins (waiting up to the busy timeout for another writer), never halfway through, so two
importers run one after the other instead of failing with "database is locked"; readers are never
blocked in WAL mode. PostgreSQL is used through psycopg 3 (`postgresql+psycopg://…`).
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection, make_url

from ..errors import Issue, ValidationFailed

DEFAULT_URL = "sqlite:///ocop.db"
BUSY_TIMEOUT_MS = 60_000
MMAP_BYTES = 1 << 30
PAGE_BYTES = 16384
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    """`url`, else $OCOP_DB, else `sqlite:///ocop.db` (in the working folder). A bare file path
    (no '://') is taken as a SQLite file."""
    url = url or os.environ.get("OCOP_DB") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith("postgresql://"):  # the driver we ship is psycopg 3
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine with the registry's settings for its dialect (see the module docstring).
    `pool_size`: connections kept open (default SQLAlchemy's 5, plus 10 opened and closed on
    demand); a server with many threads (the web app) keeps that many and opens no others, since
    opening a PostgreSQL connection per request (a new server process each) is slow."""
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError
        raise ValidationFailed([Issue(f"not a database URL: {exc}", location="--db", value=url,
                                      allowed="sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB")],
                               subject="database URL") from None
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True, **pool)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **pool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's own is deferred and late)
        cur = dbapi_conn.cursor()
        if parsed.database and parsed.database != ":memory:":
            # a new file only (an existing database keeps its page size; WAL fixes it from here on):
            # 16 KiB pages hold a stored dossier (~2 KB of canonical JSON) and its result without
            # the half-empty 4 KiB pages and overflow chains of the default, so an import writes
            # about 15 % fewer pages (benchmarks/README.md, "Registry")
            cur.execute(f"PRAGMA page_size={PAGE_BYTES}")
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against crashes of the process
        # reads through a memory map of the file: a due list joins thousands of rows scattered over a
        # large file, and each page read was a system call (half of its time). Writes still go through
        # the WAL as before; the map is address space, not memory.
        cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("ocop_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return heads[0] if len(heads) == 1 else ",".join(sorted(heads))


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Create or migrate the schema to `revision` (default: the newest), in one transaction; returns it."""
    from alembic import command

    with engine.connect().execution_options(ocop_write=True) as conn:
        command.upgrade(alembic_config(conn), revision)
        conn.commit()
    return current_revision(engine) or ""
