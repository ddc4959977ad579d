"""What kind of file a dossier is, when it was lodged, and which criteria set it is scored under.

QĐ 26/2026/QĐ-TTg took effect on 22/05/2026. Its Điều 12 k2 finishes the files lodged before that day
under the rules they were lodged under (QĐ 148 as amended by QĐ 1489), within 60 days for first-time
and upgrade files and 30 days for re-evaluations (evaluated on or before 21/07/2026 and 21/06/2026:
the dates are data, `set.json` in_force.finish_by of the old set). Điều 7.6.a: a re-evaluation is filed
180 to 120 days before the certificate expires; Điều 12 k3: a certificate whose holder could not file in
that window stays valid until the decision, at most 180 days after expiry.

One function chooses the set for both executors (`scoring.dossier` for one dossier, the batch once per
distinct (set, dates, kind)), and one computes the filing facts the rules decide on (as arrays, so that
the batch and the single path share the arithmetic). The windows themselves are rules
(rules/15-filing.json), which state their sources.

Readings of ours (the texts are silent; NOT IN TEXT):
- A dossier without `lodged_on` that names an old set evaluated in its transition is taken to be a file
  lodged before the successor's start (it is checked against its kind's window); one that names no set
  is scored under the set in force on its evaluation date.
- A file lodged before 22/05/2026 and evaluated after its window is not scored under either set by
  default: the decision says the old rules finish it by then, not what applies later. The dossier must
  name its set (criteria_set), e.g. qd26-2026 if the council evaluates it under the new criteria.
- A dossier that names the new set for a file lodged before 22/05/2026 and evaluated within the window is
  refused: Điều 12 k2 says such files follow the old rules.
- The 180–120-day window of Điều 7.6.a is QĐ 26/2026's: it is checked for files lodged on or after 22/05/2026.
- Điều 12 k3 applies to a certificate whose last filing day (120 days before expiry) falls before QĐ
  26/2026 took effect, so the window of Điều 7.6.a could not be met, and whose 180 extra days reach that
  day (expiry at most 180 days before it): the reference reads k3 as transitional only. Such a
  re-evaluation filed late is not warned; its certificate counts as valid until the evaluation, at most
  180 days after expiry (`certificate-extended`), and `previous-certificate-expired` warns after that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping

import numpy as np

from .criteria.model import CriteriaSet

KINDS = ("new", "upgrade", "re-evaluation")
DEFAULT_KIND = "new"
# Vietnamese names of the kinds as councils write them (Mẫu 01: đăng ký lần đầu / nâng hạng / phân hạng lại)
KIND_ALIASES = {
    "new": "new", "lần đầu": "new", "đánh giá lần đầu": "new", "mới": "new",
    "upgrade": "upgrade", "nâng hạng": "upgrade", "nâng sao": "upgrade",
    "re-evaluation": "re-evaluation", "reevaluation": "re-evaluation", "phân hạng lại": "re-evaluation",
    "đánh giá lại": "re-evaluation", "đánh giá, phân hạng lại": "re-evaluation",
}
KIND_LABELS = {"new": "lần đầu", "upgrade": "nâng hạng", "re-evaluation": "phân hạng lại"}
FAR = 10 ** 6  # days: "no such date" in the integer facts (never within any window)


@dataclass(frozen=True)
class Problem:
    """Why no set can score the dossier: the message (Vietnamese / English), field, value and what is allowed."""

    message: str
    field: str
    value: object
    allowed: str
    code: str = "set-not-applicable"  # a code of scoring.checks.catalogue


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def choose_set(set_id: str | None, day: date, kind: str, lodged_on: date | None,
               sets: Mapping[str, CriteriaSet]) -> CriteriaSet | Problem:
    """The criteria set a dossier is scored under (see the module docstring), or why there is none."""
    if lodged_on is not None and lodged_on > day:
        return Problem(f"ngày nộp hồ sơ {_d(lodged_on)} sau ngày đánh giá {_d(day)} / the file is lodged "
                       f"({lodged_on.isoformat()}) after it is evaluated ({day.isoformat()})", "lodged_on",
                       lodged_on.isoformat(), f"a date on or before the evaluation date {day.isoformat()}")
    if set_id is not None:
        if set_id not in sets:
            return Problem("bộ tiêu chí không có / unknown criteria set", "criteria_set", set_id, ", ".join(sets),
                           "set-unknown")
        cs = sets[set_id]
        if cs.in_force_on(day):
            old = _finishing_old_set(day, kind, lodged_on, sets)
            if old is not None and old.id != cs.id:
                lodged_before, last = old.finish_window(kind)
                return Problem(
                    f"hồ sơ {KIND_LABELS[kind]} nộp ngày {_d(lodged_on)} (trước {_d(lodged_before)}) được hoàn thành "
                    f"theo {old.id} đến hết ngày {_d(last)} (QĐ 26/2026 Điều 12 k2) / a {kind} file lodged on "
                    f"{lodged_on.isoformat()}, before {lodged_before.isoformat()}, and evaluated by {last.isoformat()} "
                    f"is finished under {old.id} (QĐ 26/2026 Điều 12 k2)", "criteria_set", set_id,
                    f"{old.id} (or omit criteria_set)")
            return cs
        if cs.accepts(day):
            window = cs.finish_window(kind)
            if window is not None:
                lodged_before, last = window
                if lodged_on is not None and lodged_on >= lodged_before:
                    return Problem(
                        f"{set_id} chỉ áp dụng cho hồ sơ nộp trước ngày {_d(lodged_before)}; hồ sơ nộp ngày "
                        f"{_d(lodged_on)} / {set_id} applies after its time in force only to files lodged before "
                        f"{lodged_before.isoformat()}; this one was lodged on {lodged_on.isoformat()}", "lodged_on",
                        lodged_on.isoformat(), f"a date before {lodged_before.isoformat()}, or the set in force on "
                        f"{day.isoformat()} (omit criteria_set)")
                if day > last:
                    return _late(cs, kind, day, last)
            return cs
        last = cs.lapses or cs.end
        return Problem(f"ngày đánh giá nằm ngoài thời gian áp dụng {set_id} / evaluation date is outside the dates "
                       f"{set_id} applies to", "evaluated_on", day.isoformat(),
                       f"{cs.start.isoformat()} … {last.isoformat() if last else 'today'}")
    old = _lodged_under_old_set(day, lodged_on, sets)
    if old is not None:
        _, last = old.finish_window(kind)
        return old if day <= last else _late(old, kind, day, last)
    for cs in sets.values():
        if cs.in_force_on(day):
            return cs
    spans = "; ".join(f"{s}: {c.start.isoformat()} … {(c.end.isoformat() if c.end else 'today')}" for s, c in sets.items())
    return Problem("không bộ tiêu chí nào có hiệu lực vào ngày đánh giá / no criteria set is in force on the "
                   "evaluation date", "evaluated_on", day.isoformat(), spans)


def _late(cs: CriteriaSet, kind: str, day: date, last: date) -> Problem:
    return Problem(
        f"hồ sơ {KIND_LABELS[kind]} theo {cs.id} phải hoàn thành đánh giá đến hết ngày {_d(last)} (QĐ 26/2026 Điều 12 "
        f"k2); ngày đánh giá {_d(day)} / a {kind} file finishing under {cs.id} must be evaluated by "
        f"{last.isoformat()} (QĐ 26/2026 Điều 12 k2); this one is evaluated on {day.isoformat()}. The decision does "
        "not say what applies after that: name the set the council uses in criteria_set", "evaluated_on",
        day.isoformat(), f"on or before {last.isoformat()} for a {kind} file under {cs.id}, or another criteria_set")


def _lodged_under_old_set(day: date, lodged_on: date | None, sets: Mapping[str, CriteriaSet]) -> CriteriaSet | None:
    """The set a file lodged while it was in force finishes under, when it is evaluated after the
    successor's start (any kind: the window is checked by the caller)."""
    if lodged_on is None:
        return None
    for cs in sets.values():
        window = cs.finish_window(DEFAULT_KIND)
        if window and cs.start <= lodged_on < window[0] <= day:
            return cs
    return None


def _finishing_old_set(day: date, kind: str, lodged_on: date | None, sets: Mapping[str, CriteriaSet]
                       ) -> CriteriaSet | None:
    old = _lodged_under_old_set(day, lodged_on, sets)
    return old if old is not None and day <= old.finish_window(kind)[1] else None


def successor_start(sets: Mapping[str, CriteriaSet]) -> date | None:
    """The day the transition of Điều 12 starts (the old set's `finish_by.lodged_before`), from the data."""
    days = [cs.finish_by["lodged_before"] for cs in sets.values() if cs.finish_by]
    return date.fromisoformat(max(days)) if days else None


def filing_facts(kind: np.ndarray, lodged: np.ndarray, expires: np.ndarray, evaluated: np.ndarray,
                 successor: date | None) -> dict[str, np.ndarray]:
    """The filing facts of the 'form' stage, one entry per dossier (datetime64[D] arrays, NaT = not given):
    day counts are arithmetic, the windows are the rules' (rules/15-filing.json). FAR where a date is missing."""
    has_lodged, has_expiry = ~np.isnat(lodged), ~np.isnat(expires)

    def days(a: np.ndarray, b: np.ndarray, ok: np.ndarray) -> np.ndarray:
        out = np.full(len(a), FAR, dtype=np.int64)
        out[ok] = (a[ok] - b[ok]).astype(np.int64)
        return out

    start = np.full(len(kind), np.datetime64(successor) if successor else np.datetime64("NaT"), dtype="datetime64[D]")
    return {
        "kind": kind.astype(object), "has_lodged": has_lodged, "has_expiry": has_expiry,
        "days_before_expiry": days(expires, lodged, has_lodged & has_expiry),
        "days_after_expiry": days(evaluated, expires, has_expiry),
        "expiry_after_transition": days(expires, start, has_expiry & ~np.isnat(start)),
        "lodged_after_transition": days(lodged, start, has_lodged & ~np.isnat(start)),
    }
