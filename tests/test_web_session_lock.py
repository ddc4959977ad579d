"""A send-back, an override or a member's save that races the secretary's close (two tabs, two
workers on PostgreSQL) waits for the close and is then refused: never a sheet reopened or saved in a
closed session. A second connection holds the session row as the close does, then closes it."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from registry_support import fresh_pg_database
from web_support import new_registry

pytestmark = [pytest.mark.postgres, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture()
def pg_app(pg_url):
    for url in fresh_pg_database(pg_url):
        app, seeded = new_registry(url)
        yield url, app, seeded
        app.state.store.engine.dispose()


def _race(url: str, session_id: int, action) -> tuple[Exception | None, float]:
    """Hold the session row FOR UPDATE in another connection, start `action` in a thread, close the
    session and commit after 0.5 s; return what the action raised and how long it waited."""
    holder = create_engine(url)
    outcome: dict = {}
    with holder.connect() as conn:
        conn.execute(text("SELECT id FROM council_sessions WHERE id = :i FOR UPDATE"), {"i": session_id})

        def run():
            t = time.perf_counter()
            try:
                action()
                outcome["error"] = None
            except Exception as exc:  # noqa: BLE001 (the refusal is what we check)
                outcome["error"] = exc
            outcome["waited"] = time.perf_counter() - t

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the action did not wait for the session's lock"
        conn.execute(text("UPDATE council_sessions SET status = 'closed', closed_at = now() WHERE id = :i"),
                     {"i": session_id})
        conn.commit()
    worker.join(30)
    holder.dispose()
    return outcome["error"], outcome["waited"]


@pytest.mark.parametrize("action", ["send-back", "override", "save"])
def test_a_send_back_override_or_save_racing_the_close_is_refused(pg_app, action):
    from scoring.web.store import SheetLocked

    url, app, seeded = pg_app
    store = app.state.store
    pk = seeded.dossier_pks[0]
    scorers = [(n, i) for n, i in seeded.members.items() if n != "Trần Thị Bình"]  # not the secretary
    (name, mid), (other, other_id) = scorers[0], scorers[1]
    store.save_sheet(seeded.session_id, pk, mid, {"1.1": 1}, True, actor="web:tv1")  # submitted
    act = {
        "send-back": lambda: store.reopen(seeded.session_id, seeded.council_id, pk, mid, actor="web:thuky"),
        "override": lambda: store.override(seeded.session_id, seeded.council_id, pk, "lý do", actor="web:thuky"),
        "save": lambda: store.save_sheet(seeded.session_id, pk, other_id, {"1.1": 2}, False, actor="web:tv2"),
    }[action]
    error, waited = _race(url, seeded.session_id, act)
    assert isinstance(error, SheetLocked) and error.key == "session_not_open", error
    assert waited >= 0.4
    with create_engine(url).connect() as conn:
        sheets = dict(conn.execute(text("SELECT member, status FROM member_sheets WHERE dossier_pk = :p"),
                                   {"p": pk}).all())
        overrides = conn.execute(text("SELECT count(*) FROM divergence_overrides")).scalar()
    assert sheets == {name: "submitted"} and overrides == 0  # nothing written after the close
