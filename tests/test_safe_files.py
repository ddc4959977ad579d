"""scoring.safe_files, scoring.cells and scoring.terminal: the kernel helpers every layer that writes
or prints a user's data uses (issue 12)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from scoring.cells import amount_number, csv_text, date_iso, is_formula_like, score_number, xlsx_cell
from scoring.errors import ValidationFailed
from scoring.safe_files import (atomic_write, check_outputs, lock_path, output_lock, remove_stale_temps)
from scoring.terminal import clean, json_safe

ROOT = Path(__file__).resolve().parents[1]


def _codes(exc: ValidationFailed) -> list[str]:
    return [i.message.split("]")[0].lstrip("[") for i in exc.issues]


def test_outputs_that_are_inputs_under_other_names_are_refused(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("x\n")
    os.link(src, tmp_path / "hard.csv")
    os.symlink(src, tmp_path / "soft.csv")
    for out in (src, tmp_path / "sub" / ".." / "in.csv", tmp_path / "hard.csv", tmp_path / "soft.csv"):
        with pytest.raises(ValidationFailed) as exc:
            check_outputs([src], [out], force=True)
        assert _codes(exc.value) == ["output-is-input"], out
    with pytest.raises(ValidationFailed) as exc:
        check_outputs([src], [tmp_path / "a.csv", tmp_path / "." / "a.csv"])
    assert _codes(exc.value) == ["outputs-collide"]
    check_outputs([src], [tmp_path / "new.csv"])  # a new file is fine


def test_existing_and_read_only_outputs(tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("old")
    with pytest.raises(ValidationFailed) as exc:
        check_outputs([], [out])
    assert _codes(exc.value) == ["output-exists"] and "--force" in str(exc.value)
    check_outputs([], [out], force=True)
    out.chmod(0o444)
    with pytest.raises(ValidationFailed) as exc:
        check_outputs([], [out], force=True)
    assert _codes(exc.value) == ["output-read-only"]
    with pytest.raises(ValidationFailed) as exc:
        check_outputs([], [tmp_path])
    assert _codes(exc.value) == ["output-is-directory"]


def test_lock_refuses_a_live_run_and_takes_over_a_dead_one(tmp_path):
    out = tmp_path / "r.csv"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(out).write_text(dead.stdout.strip())
    with output_lock([out]):  # the process that held it is gone
        assert lock_path(out).read_text() == str(os.getpid())
    assert not lock_path(out).exists()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock_path(out).write_text(str(holder.pid))
        with pytest.raises(ValidationFailed) as exc, output_lock([out]):
            pass
        assert _codes(exc.value) == ["output-locked"] and str(holder.pid) in str(exc.value)
        assert lock_path(out).read_text() == str(holder.pid)  # another run's lock is never removed
    finally:
        holder.kill()
        holder.wait()


def test_lock_and_write_into_a_folder_that_does_not_exist_yet(tmp_path):
    out = tmp_path / "new" / "deeper" / "r.csv"
    with output_lock([out]):
        assert lock_path(out).read_text() == str(os.getpid())
        atomic_write(out, lambda tmp: tmp.write_text("x"))
    assert out.read_text() == "x" and not lock_path(out).exists()


def test_atomic_write_leaves_no_temp_on_error_and_removes_a_dead_runs_temp(tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("good")

    def fail(p: Path) -> None:
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(out, fail)
    assert out.read_text() == "good" and sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".r.csv.ocop-tmp-{dead.stdout.strip()}-abc.csv"
    stale.write_text("left by a SIGKILL")
    mine = tmp_path / f".r.csv.ocop-tmp-{os.getpid()}-xyz.csv"  # a live run's temp is not touched
    mine.write_text("in use")
    assert remove_stale_temps(out) == [stale]
    atomic_write(out, lambda p: p.write_text("new"))
    assert out.read_text() == "new" and mine.exists() and not stale.exists()


def _writer(out: Path, signum: int, disposition: str, then: str) -> subprocess.Popen:
    """A child that writes `out` under signal_cleanup, prints 'writing' half way, then runs `then`.

    The child sets `signum` as a run would find it (`SIG_DFL` from a terminal, `SIG_IGN` under
    nohup) and unblocks it: a CI runner may start us with SIGINT blocked, and a mask is inherited."""
    code = (
        "import signal, sys, time\n"
        f"signal.pthread_sigmask(signal.SIG_UNBLOCK, [{int(signum)}])\n"
        f"signal.signal({int(signum)}, signal.{disposition})\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from scoring.safe_files import atomic_write, output_lock, signal_cleanup\n"
        f"out = Path({str(out)!r})\n"
        "def slow(p):\n"
        "    p.write_text('partial')\n"
        "    print('writing', flush=True)\n"
        f"    {then}\n"
        "with signal_cleanup(), output_lock([out]):\n"
        "    atomic_write(out, slow)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    return proc


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_write_removes_the_temp_and_the_lock(tmp_path, signum):
    proc = _writer(tmp_path / "r.csv", signum, "SIG_DFL", "time.sleep(30)")
    assert any(".ocop-tmp-" in p.name for p in tmp_path.iterdir())
    proc.send_signal(signum)
    rc = proc.wait(timeout=20)
    assert rc == -signum  # it ends as the signal would
    assert list(tmp_path.iterdir()) == []  # no temp, no lock, no half output


def test_a_signal_ignored_at_start_stays_ignored(tmp_path):
    """`nohup ocop batch …` must survive the hangup it was started to survive."""
    proc = _writer(tmp_path / "r.csv", signal.SIGHUP, "SIG_IGN", "sys.stdin.readline(); p.write_text('done')")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.2)
    assert proc.poll() is None  # still running
    proc.stdin.write("go\n")
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0
    assert (tmp_path / "r.csv").read_text() == "done" and sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_formula_like_text_csv_rule_and_xlsx_cells(tmp_path):
    for text in ("=1+1", "+33 1", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1"):
        assert is_formula_like(text) and csv_text(text) == "'" + text
    for value in ("Vải thiều", "3", 3, -2.5, None, ""):
        assert csv_text(value) == value
    wb = openpyxl.Workbook()
    ws = wb.active
    xlsx_cell(ws["A1"], "=HYPERLINK(\"http://x\")")
    xlsx_cell(ws["A2"], -3.5)
    xlsx_cell(ws["A3"], "TV\x1b[31m1")
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert back["A1"].data_type == "s" and back["A1"].value == "=HYPERLINK(\"http://x\")"
    assert back["A2"].value == -3.5 and back["A2"].data_type == "n"
    assert back["A3"].value == "TV\ufffd[31m1"


@pytest.mark.parametrize("text, expected", [
    ("3", 3.0), ("3,0", 3.0), ("2,5", 2.5), ("2.5", 2.5), ("３", 3.0), (" 4 ", 4.0), ("-1", -1.0),
    ("1.000", 1.0), ("1,000", 1.0), ("TRUE", None), ("3 điểm", None), ("", None), ("1.2.3", None)])
def test_score_number(text, expected):
    assert score_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("20.000.000", 20_000_000.0), ("20,000,000", 20_000_000.0), ("20 000 000", 20_000_000.0),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("20000000", 20_000_000.0), ("3,5", 3.5), ("3.5", 3.5),
    ("20.000", 20_000.0), ("２０.０００.０００", 20_000_000.0), ("20.000.000đ", 20_000_000.0),
    ("hai mươi", None), ("1.2.3,4,5", None)])
def test_amount_number(text, expected):
    assert amount_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("20/05/2021", "2021-05-20"), ("2/5/2021", "2021-05-02"), ("20.05.2021", "2021-05-20"),
    ("31/02/2021", None), ("05/20/2021", None), ("2021-05-20", None), ("20/05/21", None)])
def test_date_iso_reads_day_first(text, expected):
    assert date_iso(text) == expected


def test_terminal_clean():
    assert clean("A\x1b[2JB\x1b]8;;http://x\x07C\x9b31mD") == "ABCD"
    assert clean("a\x00b\x7fc\nd\te") == "a\ufffdb\ufffdc\nd\te"
    assert clean("Nguyễn Văn Hùng [TV1]") == "Nguyễn Văn Hùng [TV1]"
    assert json_safe('"a\x9bb"') == '"a\\u009bb"'
