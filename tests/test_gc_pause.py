"""The cyclic collector is paused for a registry import and the planner, and given back as it was."""
from __future__ import annotations

import gc

import pytest

import scoring.registry.importer as importer
from scoring.gc_pause import collector_paused
from scoring.registry import Registry
from registry_support import variant


def test_collector_is_resumed_after_the_block_even_on_an_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            assert not gc.isenabled()
            1 / 0
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_import_stores_with_the_collector_paused_and_resumes_it(tmp_path, monkeypatch):
    import json

    path = tmp_path / "one.json"
    path.write_text(json.dumps(variant("qd26-2026-90.json"), ensure_ascii=False), encoding="utf-8")
    seen = []
    real_store = importer.store

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real_store(*args, **kwargs)

    monkeypatch.setattr(importer, "store", spy)
    reg = Registry(f"sqlite:///{tmp_path / 'r.db'}")
    reg.init()
    try:
        report = reg.import_file(path, actor="tester")
    finally:
        reg.close()
    assert report.inserted == ["qd26-2026-90"]
    assert seen == [False] and gc.isenabled()
