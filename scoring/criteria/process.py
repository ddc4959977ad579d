"""Process facts of a criteria set as an immutable model (`CriteriaSet.process`).

The decisions fix dates as well as points: how long a certificate lasts, when a re-evaluation is
filed, how long it may take, by when rounds finish, and on which grounds a certificate is revoked
(QĐ 26/2026 Điều 4, 5, 7, 8, 12). They are data in each set's `set.json` under `process`, each
with its article reference and provenance tag, so that the registry and the reports read them from
one place. A fact our sources lack is kept as a visible gap (tag GAP, value None), never invented.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import Issue


@dataclass(frozen=True)
class Fact:
    """Where a fact comes from: article, provenance tag, verbatim quote, our note."""

    tag: str
    ref: str | None = None
    quote: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RoundDeadline:
    """A round that finishes by `finish_by` (month, day) for files proposed before `proposed_before`."""

    level: str
    number: int
    proposed_before: tuple[int, int]
    finish_by: tuple[int, int]
    proposed_by: str | None
    source: Fact

    def finish_date(self, year: int) -> date:
        return date(year, *self.finish_by)

    def proposals_date(self, year: int) -> date:
        return date(year, *self.proposed_before)


@dataclass(frozen=True)
class RevocationGround:
    code: str  # a, b, c, d, đ, e (the decision's own letters)
    text: str
    text_en: str
    ref: str | None
    tag: str


@dataclass(frozen=True)
class ProcessFacts:
    certificate_months: int
    certificate: Fact
    window_opens_days: int | None  # re-evaluation filed no earlier than this many days before expiry
    window_closes_days: int | None  # … and no later than this many
    window: Fact
    reevaluation_days: int | None
    reevaluation_day_kind: str | None
    reevaluation: Fact | None
    extension_days: int | None  # Điều 12 k3: valid until decided, at most this many days after expiry
    extension_transitional: bool
    extension: Fact | None
    notice_days: int | None
    notice: Fact | None
    round_deadlines: tuple[RoundDeadline, ...]
    min_rounds_per_year: Mapping[str, int]
    rounds: Fact | None
    grounds: tuple[RevocationGround, ...]
    grounds_closed: bool
    grounds_source: Fact
    gaps: tuple[str, ...] = ()

    @property
    def has_window(self) -> bool:
        return self.window_opens_days is not None and self.window_closes_days is not None

    def ground(self, code: str) -> RevocationGround:
        """The ground with this letter (KeyError if the closed list has none)."""
        for g in self.grounds:
            if g.code == code:
                return g
        raise KeyError(code)

    def deadlines(self, level: str) -> tuple[RoundDeadline, ...]:
        return tuple(d for d in self.round_deadlines if d.level == level)


def _fact(doc: Mapping[str, Any] | None) -> Fact | None:
    if doc is None:
        return None
    return Fact(doc["tag"], doc.get("ref"), doc.get("quote"), doc.get("note"))


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def build_process(doc: Mapping[str, Any] | None) -> ProcessFacts | None:
    """The model of a (schema-valid) `process` object; None when the set has none."""
    if doc is None:
        return None
    validity, window = doc["certificate_validity"], doc["reevaluation_window"]
    limit, ext, notice = doc.get("reevaluation_limit"), doc.get("expiry_extension"), doc.get("reevaluation_notice")
    rounds, grounds = doc.get("rounds"), doc["revocation_grounds"]
    return ProcessFacts(
        certificate_months=validity["months"], certificate=_fact(validity),
        window_opens_days=window["opens_days_before_expiry"], window_closes_days=window["closes_days_before_expiry"],
        window=_fact(window),
        reevaluation_days=limit["days"] if limit else None, reevaluation_day_kind=limit.get("day_kind") if limit else None,
        reevaluation=_fact(limit),
        extension_days=ext["max_days_after_expiry"] if ext else None,
        extension_transitional=bool(ext.get("transitional")) if ext else False, extension=_fact(ext),
        notice_days=notice["days_before_expiry"] if notice else None, notice=_fact(notice),
        round_deadlines=tuple(
            RoundDeadline(d["level"], d["number"], _month_day(d["proposed_before"]), _month_day(d["finish_by"]),
                          d.get("proposed_by"), Fact(d["tag"], d.get("ref"), d.get("quote"), d.get("note")))
            for d in (rounds or {}).get("deadlines", ())),
        min_rounds_per_year=MappingProxyType(dict((rounds or {}).get("min_per_year", {}))),
        rounds=_fact(rounds),
        grounds=tuple(RevocationGround(g["code"], g["text"], g["text_en"], g.get("ref"), g.get("tag", grounds["tag"]))
                      for g in grounds["grounds"]),
        grounds_closed=bool(grounds.get("closed", True)), grounds_source=_fact(grounds),
        gaps=tuple(doc.get("gaps", ())),
    )


def process_issues(meta: Mapping[str, Any], file: str) -> list[Issue]:
    """What the schema cannot say: the validity agrees with `certificate_months`, the window opens
    before it closes, grounds have distinct codes, a deadline's month-day exists, and a fact with
    no value is tagged GAP (and one with a value is not)."""
    doc = meta.get("process")
    if doc is None:
        return []
    issues: list[Issue] = []
    where = "process"
    months = doc["certificate_validity"]["months"]
    if months != meta.get("certificate_months"):
        issues.append(Issue("[process-months-mismatch] process.certificate_validity.months khác certificate_months / "
                            "process.certificate_validity.months differs from certificate_months", file,
                            f"{where}.certificate_validity.months", months, str(meta.get("certificate_months"))))
    w = doc["reevaluation_window"]
    opens, closes = w["opens_days_before_expiry"], w["closes_days_before_expiry"]
    if (opens is None) != (closes is None):
        issues.append(Issue("[process-window-invalid] thời hạn đánh giá lại cần đủ hai đầu hoặc không có / the re-evaluation "
                            "window needs both ends or neither", file, f"{where}.reevaluation_window"))
    elif opens is not None and opens <= closes:
        issues.append(Issue("[process-window-invalid] thời hạn phải mở trước khi đóng / the window must open (days before "
                            "expiry) before it closes", file,
                            f"{where}.reevaluation_window", [opens, closes], "opens_days_before_expiry > closes_days_before_expiry"))
    for key, value_key in (("reevaluation_window", "opens_days_before_expiry"), ("reevaluation_limit", "days"),
                           ("expiry_extension", "max_days_after_expiry"), ("reevaluation_notice", "days_before_expiry")):
        fact = doc.get(key)
        if fact is None:
            continue
        missing = fact.get(value_key) is None
        if missing != (fact["tag"] == "GAP"):
            issues.append(Issue("[process-gap-tag] quy định không có giá trị phải gắn GAP, và chỉ quy định đó / a fact without a "
                                "value must be tagged GAP, and only such a fact", file,
                                f"{where}.{key}.tag", fact["tag"], "GAP when the value is null"))
    codes = [g["code"] for g in doc["revocation_grounds"]["grounds"]]
    if len(codes) != len(set(codes)):
        issues.append(Issue("[process-ground-duplicate] hai căn cứ thu hồi cùng mã / two revocation grounds have the same code", file, f"{where}.revocation_grounds.grounds",
                            codes))
    for i, d in enumerate((doc.get("rounds") or {}).get("deadlines", ())):
        for key in ("proposed_before", "finish_by"):
            try:
                date(2024, *_month_day(d[key]))  # a leap year: 02-29 exists
            except ValueError:
                issues.append(Issue("[process-day-invalid] không có ngày này trong năm / no such day of the year", file, f"{where}.rounds.deadlines[{i}].{key}", d[key]))
    return issues
