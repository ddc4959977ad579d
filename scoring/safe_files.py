"""Writing output files without ever destroying a user's file.

Every layer that writes a file the user names (batch results, registry exports, council sheets,
reports) goes through here:

- `check_outputs(inputs, outputs, force=...)` refuses, before any work, an output that is an input
  (under any spelling: `./a.csv`, `a.csv`, a symlink, a hard link), two outputs that are one file,
  an existing output without `force`, a read-only output (even with `force`), a directory.
- `output_lock(paths)` takes a lock file next to each output, so that a second run writing the same
  output refuses instead of mixing its results with the first run's rejects.
- `atomic_write(path, write)` writes a temporary file next to the target and renames it over the
  target: a crash never leaves half a file. Temporary files are named `.NAME.ocop-tmp-PID-…`:
  removed on SIGTERM/SIGINT/SIGHUP (`signal_cleanup()`), and a SIGKILL's leftover is removed by the
  next run writing the same output (`remove_stale_temps`), once its process is gone.

Messages are Vietnamese first, then English, with stable codes (`[output-is-input]` …).
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import Issue, ValidationFailed

TEMP_MARK = ".ocop-tmp-"
LOCK_SUFFIX = ".ocop-lock"
_live_temps: set[str] = set()
_live_locks: set[str] = set()
_lock = threading.Lock()


def _same(a: Path, b: Path) -> bool:
    """One file under two spellings: same real path, or (both existing) same device and inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_outputs(inputs: Iterable[str | Path], outputs: Iterable[str | Path], *, force: bool = False,
                  force_option: str = "--force") -> None:
    """Refuse outputs that would destroy a file the user has, before anything is read or written.

    Raises ValidationFailed listing every problem at once."""
    ins = [Path(p) for p in inputs]
    outs = [Path(p) for p in outputs]
    issues: list[Issue] = []
    for i, out in enumerate(outs):
        is_input = False
        for src in ins:
            if _same(out, src):
                is_input = True
                issues.append(Issue(
                    f"[output-is-input] tệp kết quả trùng với tệp đầu vào {src} — sẽ ghi đè dữ liệu gốc / the output "
                    f"is the input file {src}: writing it would destroy your data", str(out), None, None,
                    "another file name for the output"))
        for other in outs[:i]:
            if _same(out, other):
                issues.append(Issue(
                    f"[outputs-collide] hai tệp kết quả là cùng một tệp ({other}) / two outputs are the same file "
                    f"({other})", str(out), None, None, "a different name for each output (e.g. --rejects)"))
        if is_input:
            continue
        if out.is_dir():
            issues.append(Issue("[output-is-directory] đường dẫn kết quả là một thư mục / the output path is a "
                                "directory", str(out), None, None, "a file name"))
            continue
        if out.exists() or out.is_symlink():
            if not _writable(out):
                issues.append(Issue(
                    "[output-read-only] tệp kết quả đã có và chỉ được đọc: không ghi đè / the output exists and is "
                    "read-only: it is never replaced", str(out), None, None,
                    "another file name, or make the file writable yourself"))
            elif not force:
                issues.append(Issue(
                    f"[output-exists] tệp kết quả đã tồn tại; thêm {force_option} để ghi đè / the output exists; add "
                    f"{force_option} to replace it", str(out), None, None, f"a new file name, or {force_option}"))
        elif not os.access(out.parent if str(out.parent) else Path("."), os.W_OK) and out.parent.exists():
            issues.append(Issue("[output-dir-read-only] không ghi được vào thư mục / the output folder is not "
                                "writable", str(out), None, None, "a folder you may write to"))
    if issues:
        raise ValidationFailed(issues, subject="output / tệp kết quả")


def _writable(path: Path) -> bool:
    """A file we may replace: its mode has a write bit for us (root ignores modes; we do not)."""
    try:
        st = path.stat()
    except OSError:  # a dangling symlink: replacing it replaces the link only
        return True
    if not stat.S_ISREG(st.st_mode):
        return False
    return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _temp_pid(name: str) -> int | None:
    m = re.search(re.escape(TEMP_MARK) + r"(\d+)-", name)
    return int(m.group(1)) if m else None


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Remove temporary files a killed run left next to `path` (their process is gone)."""
    path = Path(path)
    removed = []
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        return removed
    prefix = f".{path.name}{TEMP_MARK}"
    for cand in folder.iterdir():
        if cand.name.startswith(prefix):
            pid = _temp_pid(cand.name)
            if pid is not None and not _pid_alive(pid):
                with contextlib.suppress(OSError):
                    cand.unlink()
                    removed.append(cand)
    return removed


def lock_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


@contextlib.contextmanager
def output_lock(paths: Iterable[str | Path]) -> Iterator[None]:
    """Hold a lock file next to each output for the duration of a run. A lock whose process is gone
    (a SIGKILL) is taken over; a live one refuses the run, naming the process."""
    taken: list[Path] = []
    try:
        for p in paths:
            lp = lock_path(p)
            lp.parent.mkdir(parents=True, exist_ok=True)  # the output's folder may not exist yet
            for _ in range(2):
                try:
                    fd = os.open(lp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                except FileExistsError:
                    try:
                        pid = int(lp.read_text().strip() or 0)
                    except (OSError, ValueError):
                        pid = 0
                    if pid and _pid_alive(pid) and pid != os.getpid():
                        raise ValidationFailed([Issue(
                            f"[output-locked] một lần chạy khác (tiến trình {pid}) đang ghi tệp này / another run "
                            f"(process {pid}) is writing this output", str(p), None, str(lp),
                            "wait for it to finish, or choose another output")], subject="output / tệp kết quả") from None
                    with contextlib.suppress(OSError):
                        lp.unlink()  # stale: its process is gone
                    continue
                with os.fdopen(fd, "w") as f:
                    f.write(str(os.getpid()))
                taken.append(lp)
                with _lock:
                    _live_locks.add(str(lp))
                break
        yield
    finally:
        for lp in taken:
            with contextlib.suppress(OSError):
                lp.unlink()
            with _lock:
                _live_locks.discard(str(lp))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in `path`'s folder; when the block ends normally it replaces `path` in
    one step (os.replace), with the permissions a new file would get (umask). On any error, and on
    a handled signal (see `signal_cleanup`), the temporary file is removed and `path` is left as it
    was. A SIGKILL can leave one behind: it is named so that the next write to `path` removes it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}{os.getpid()}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    with _lock:
        _live_temps.add(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is shared like any other file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        with _lock:
            _live_temps.discard(tmp)


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write `path` by calling `write(temporary_path)` inside `atomic_path`."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def _remove_live() -> None:
    with _lock:
        names = list(_live_temps) + list(_live_locks)
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(name)


@contextlib.contextmanager
def signal_cleanup(signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)) -> Iterator[None]:
    """Remove this run's temporary and lock files when a signal ends it, then end as the signal would
    (exit status 128 + signal). Only in the main thread (Python delivers signals there).

    A signal that was ignored when we were called stays ignored: `nohup` ignores SIGHUP and a shell
    starts background jobs with SIGINT ignored, and a handler of ours would turn a hangup or a
    Ctrl-C meant for the terminal into the end of a run that was asked to survive it. A signal the
    caller has blocked stays blocked for the same reason."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}

    def handler(signum, frame):  # noqa: ARG001
        _remove_live()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for s in signals:
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(s) is not signal.SIG_IGN:
                previous[s] = signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(s, h)
