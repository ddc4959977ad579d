"""Web accounts kept in the registry database: users, login sessions, login-failure counters and
the key CSRF tokens are derived from.

Nothing here lives in process memory, so any number of workers (or hosts behind a proxy) serve
one registry: a login made through one worker is valid in every other, and a lockout counts the
failures seen by all of them. The tables are created by the Alembic revision `0002_web_accounts`
(in the registry's migrations); `METADATA` mirrors it for queries.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (BigInteger, Boolean, Column, Connection, Engine, ForeignKey, Integer, MetaData, String,
                        Table, bindparam, delete, insert, select, update)
from sqlalchemy.exc import IntegrityError

ROLES = ("office", "secretary", "member")
ROLE_LABELS = {"office": ("Văn phòng OCOP", "OCOP office"), "secretary": ("Thư ký hội đồng", "Council secretary"),
               "member": ("Thành viên hội đồng", "Council member")}

METADATA = MetaData()

web_users = Table(
    "web_users", METADATA,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    # the council member this account scores or keeps minutes as (member/secretary); NULL for office
    Column("council_member_id", Integer, nullable=True),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", BigInteger, nullable=False),
)

web_sessions = Table(
    "web_sessions", METADATA,
    # sha256 of the cookie value: a copy of the table does not give anyone a live session
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

web_login_failures = Table(
    "web_login_failures", METADATA,
    Column("username", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=True),
)

web_secrets = Table(
    "web_secrets", METADATA,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)

# argon2id with the library's defaults (RFC 9106 low-memory profile)
_HASHER = PasswordHasher()
# verified when the user is unknown, so that a wrong name costs as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")

SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
MIN_PASSWORD = 8
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


_WRITE_LOCKS: "weakref.WeakKeyDictionary[Engine, threading.RLock]" = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


@contextmanager
def write_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, the threads of one process take turns to write. SQLite has one writer at a time
    anyway; without this, threads that find the database locked poll it with SQLite's busy handler,
    which sleeps 1, 2, 5 … up to 100 ms between tries, and under 30 members saving at once a save
    waited up to ~1.9 s (benchmarks/README.md, web load). Workers in other processes still wait on
    SQLite's own lock (the busy timeout); on PostgreSQL writers run side by side and nothing is
    taken here. A mutex, not data: the app still keeps no state in memory."""
    if engine.dialect.name != "sqlite":
        yield
        return
    with _LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.RLock()
    with lock:
        yield


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on the registry's SQLite engine it begins IMMEDIATE (takes the write lock
    at once, waiting up to the busy timeout) instead of failing when a reader upgrades late."""
    with write_turn(engine), engine.connect().execution_options(ocop_write=True) as conn, conn.begin():
        yield conn


@contextmanager
def _on(engine: Engine, conn: Connection | None) -> Iterator[Connection]:
    """The caller's transaction when it passes one (the write and its audit entry then commit
    together: `Store.add_account`, `reset_password`, `set_account_active`), else a write transaction
    of our own."""
    if conn is not None:
        yield conn
        return
    with writing(engine) as own:
        yield own


class AccountError(ValueError):
    """A user cannot be created as asked (the message is bilingual)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    council_member_id: int | None
    active: bool = True  # a closed account keeps its row (the audit log names it) and cannot log in


def normalise_username(name: str) -> str:
    """Usernames are compared NFC-normalised, trimmed and case-folded: 'Mai ' and 'mai' are one account."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def add_user(engine: Engine, username: str, password: str, role: str, display_name: str | None = None,
             council_member_id: int | None = None, *, conn: Connection | None = None) -> User:
    """Create an account. There is no default password: the caller reads it from the person."""
    key = normalise_username(username)
    if not key or len(key) > 100:
        raise AccountError(f"tên đăng nhập không hợp lệ / invalid username {username!r}: 1–100 characters")
    if role not in ROLES:
        raise AccountError(f"vai trò không hợp lệ / unknown role {role!r}; allowed: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError("mật khẩu quá ngắn / password too short: at least 8 characters")
    if role in ("member", "secretary") and council_member_id is None:
        raise AccountError(f"vai trò {role} cần gắn với một thành viên hội đồng / role {role} needs "
                           "--council-member (the council member this account is)")
    row = {"username": key, "display_name": display_name or username.strip(), "role": role,
           "council_member_id": council_member_id, "password_hash": hash_password(password), "active": True,
           "created_at": int(time.time())}
    try:
        with _on(engine, conn) as c:
            uid = c.execute(insert(web_users).values(**row)).inserted_primary_key[0]
    except IntegrityError:
        raise AccountError(f"tên đăng nhập đã có / username already exists: {key}") from None
    return User(uid, key, row["display_name"], role, council_member_id)


def set_password(engine: Engine, username: str, password: str, *, conn: Connection | None = None) -> User:
    """A new password for an account (an administrator's reset, `ocop users password`): hashed with
    argon2id; every session of the account is ended, so a stolen session dies with the old password."""
    key = normalise_username(username)
    if len(password) < MIN_PASSWORD:
        raise AccountError("mật khẩu quá ngắn / password too short: at least 8 characters")
    with _on(engine, conn) as c:
        row = c.execute(select(web_users).where(web_users.c.username == key)).first()
        if row is None:
            raise AccountError(f"không có tài khoản này / no such account: {key}")
        _store_password(c, row.id, password)
    return _user(row)


def change_password(engine: Engine, user: User, current: str, new: str, now: float | None = None) -> str | None:
    """The user's own change: `current` must be right (a wrong one counts as a failed login, so the
    form cannot be used to guess it faster than the login page), `new` at least 8 characters and
    not the current one. Ends every session of the account. Returns None when changed, else the
    i18n key of the refusal."""
    if len(new) < MIN_PASSWORD:
        return "password_short"
    if new == current:
        return "password_same"
    outcome = authenticate(engine, user.username, current, now)
    if outcome.user is None or outcome.user.id != user.id:
        return "password_locked" if outcome.locked_until else "password_wrong"
    with writing(engine) as conn:
        _store_password(conn, user.id, new)
    return None


def set_active(engine: Engine, username: str, active: bool, *, conn: Connection | None = None) -> User:
    """Close an account (a member who has left the council, a lost tablet) or reopen it. Closing ends
    every session of the account at once, so a browser left logged in stops working on its next
    request; the row stays, because the audit log and the sheets name it, and reopening restores the
    same login and password (`set_password` to hand over a new one). Returns the account as it was
    before (the audit entry's "before")."""
    key = normalise_username(username)
    with _on(engine, conn) as c:
        row = c.execute(select(web_users).where(web_users.c.username == key)).first()
        if row is None:
            raise AccountError(f"không có tài khoản này / no such account: {key}")
        c.execute(update(web_users).where(web_users.c.id == row.id).values(active=active))
        if not active:
            c.execute(delete(web_sessions).where(web_sessions.c.user_id == row.id))
    return _user(row)


def _store_password(conn: Connection, user_id: int, password: str) -> None:
    """A new password's hash, and every session of the account ended: a session stolen with the old
    password dies with it (a reset and a user's own change alike)."""
    conn.execute(update(web_users).where(web_users.c.id == user_id).values(password_hash=hash_password(password)))
    conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def _user(row) -> User:
    return User(row.id, row.username, row.display_name, row.role, row.council_member_id, bool(row.active))


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.id == user_id, web_users.c.active)).first()
    return _user(row) if row else None


def find_user(engine: Engine, user_id: int) -> User | None:
    """An account by id, open or closed (the office's account pages; `get_user` is the login path's
    and sees open accounts only)."""
    with engine.connect() as conn:
        row = conn.execute(select(web_users).where(web_users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(web_users).order_by(web_users.c.username))]


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    locked_until: int | None = None  # set when the account is locked (the password was not even checked)


def authenticate(engine: Engine, username: str, password: str, now: float | None = None) -> LoginOutcome:
    """Check a password, counting failures per username in the database; after MAX_FAILURES within
    FAILURE_WINDOW_SECONDS the name is locked for LOCK_SECONDS (unknown names too, so that a lock
    does not tell whether an account exists)."""
    now = int(now if now is not None else time.time())
    key = normalise_username(username)[:100]
    with engine.connect() as conn:
        fail = conn.execute(select(web_login_failures).where(web_login_failures.c.username == key)).first()
        row = conn.execute(select(web_users).where(web_users.c.username == key, web_users.c.active)).first()
    if fail is not None and fail.locked_until is not None and fail.locked_until > now:
        return LoginOutcome(None, fail.locked_until)
    ok = False
    try:
        ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        with writing(engine) as conn:
            conn.execute(delete(web_login_failures).where(web_login_failures.c.username == key))
            if _HASHER.check_needs_rehash(row.password_hash):
                conn.execute(update(web_users).where(web_users.c.id == row.id)
                             .values(password_hash=_HASHER.hash(password)))
        return LoginOutcome(_user(row))
    return LoginOutcome(None, _count_failure(engine, key, now))


def _count_failure(engine: Engine, key: str, now: int) -> int | None:
    """Add a failure in one transaction (a conditional UPDATE, so that concurrent workers never lose
    a count), and lock the name when the count reaches the limit. Returns the lock's end, if any."""
    for _ in range(3):
        try:
            with writing(engine) as conn:
                t = web_login_failures.c
                fresh = conn.execute(update(web_login_failures)
                                     .where(t.username == key, t.first_failure_at > now - FAILURE_WINDOW_SECONDS)
                                     .values(failures=t.failures + 1)).rowcount
                if not fresh:
                    reset = conn.execute(update(web_login_failures).where(t.username == key)
                                         .values(failures=1, first_failure_at=now, locked_until=None)).rowcount
                    if not reset:
                        conn.execute(insert(web_login_failures).values(username=key, failures=1, first_failure_at=now))
                count = conn.execute(select(t.failures).where(t.username == key)).scalar_one()
                if count >= MAX_FAILURES:
                    conn.execute(update(web_login_failures).where(t.username == key)
                                 .values(locked_until=now + LOCK_SECONDS, failures=0, first_failure_at=now))
                    return now + LOCK_SECONDS
                return None
        except IntegrityError:  # another worker inserted the first failure at the same moment: count again
            continue
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, user: User, now: float | None = None) -> str:
    """A new random session id (always new at login: a session id planted before login is useless)."""
    now = int(now if now is not None else time.time())
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
        conn.execute(insert(web_sessions).values(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                                                 expires_at=now + SESSION_SECONDS))
    return token


def session_user(engine: Engine, token: str | None, now: float | None = None) -> User | None:
    if not token or len(token) > 100:
        return None
    now = int(now if now is not None else time.time())
    with engine.connect() as conn:
        row = conn.execute(_SESSION_USER, {"token_hash": _token_hash(token), "now": now}).first()
    return _user(row) if row else None


# built once: this runs on every request
_SESSION_USER = (select(web_users).join(web_sessions, web_sessions.c.user_id == web_users.c.id)
                 .where(web_sessions.c.token_hash == bindparam("token_hash"),
                        web_sessions.c.expires_at > bindparam("now"), web_users.c.active))


def close_session(engine: Engine, token: str | None) -> None:
    if token:
        with writing(engine) as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == _token_hash(token)))


# The CSRF key of each engine, once read: the row never changes after it is made, so keeping a copy
# is not state (every worker reads the same row) and spares a query on every page and form post.
_SECRETS: "weakref.WeakKeyDictionary[Engine, bytes]" = weakref.WeakKeyDictionary()


def _secret(engine: Engine) -> bytes:
    """The key of the CSRF tokens: one row of the registry, made by the first worker that needs it
    (a concurrent first insert loses the race and reads the winner's)."""
    known = _SECRETS.get(engine)
    if known is not None:
        return known
    with engine.connect() as conn:
        value = conn.execute(select(web_secrets.c.value).where(web_secrets.c.name == "csrf")).scalar()
    if value is None:
        try:
            with writing(engine) as conn:
                conn.execute(insert(web_secrets).values(name="csrf", value=secrets.token_hex(32)))
        except IntegrityError:
            pass
        with engine.connect() as conn:
            value = conn.execute(select(web_secrets.c.value).where(web_secrets.c.name == "csrf")).scalar_one()
    key = _SECRETS[engine] = bytes.fromhex(value)
    return key


def csrf_token(engine: Engine, binding: str) -> str:
    """A CSRF token bound to the session (or, before login, to a random pre-session cookie): an
    HMAC under the registry's key, so every worker can check it without storing it."""
    return hmac.new(_secret(engine), binding.encode(), hashlib.sha256).hexdigest()


def csrf_valid(engine: Engine, binding: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(engine, binding), token)
