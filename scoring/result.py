"""The Result of an evaluation (design.md §4) and its bilingual explanation sentences."""
from __future__ import annotations

import string
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from .engine.effects import Decisions
from .rules.spec import Rule


class _Fields(dict):
    """Template fields: a missing placeholder stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Formatter(string.Formatter):
    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, str) and spec:
            return value
        if isinstance(value, float) and not spec:
            return f"{value:g}"
        return super().format_field(value, spec)

    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        return kwargs[key] if key in kwargs else "{" + str(key) + "}"


_FMT = _Formatter()


# The words of the kernel's codes, Vietnamese first: one table for the terminal, the explanation and the
# workbooks (the status codes are the rules' `status` effect values, rules/schema/rules.schema.json).
STATUS_WORDS = {"recognised": ("công nhận", "recognised"), "not_recognised": ("chưa công nhận", "not recognised"),
                "disqualified": ("bị loại", "disqualified")}
LEVEL_WORDS = {"commune": ("xã", "commune"), "district": ("huyện", "district"), "province": ("tỉnh", "province"),
               "central": ("trung ương", "central")}
STATUS_TEXT = {code: f"{vi} / {en}" for code, (vi, en) in STATUS_WORDS.items()}
LEVEL_TEXT = {code: f"{vi} / {en}" for code, (vi, en) in LEVEL_WORDS.items()}
LEVELS_VI = {code: vi for code, (vi, _) in LEVEL_WORDS.items()}


def sentence(rule: Rule, fact: Mapping[str, Any], lang: str) -> str:
    fields = _Fields(rule.params)
    fields.update(fact)
    if lang == "vi":
        for key in ("level", "from_level", "to_level", "by_level"):
            if fields.get(key) in LEVELS_VI:
                fields[key] = LEVELS_VI[fields[key]]
    try:
        return rule.explain[lang].format_map(fields)
    except (ValueError, TypeError):  # a placeholder the fact lacks, with a format spec: show it as is
        return _FMT.vformat(rule.explain[lang], (), fields)


@dataclass
class Result:
    dossier_id: str
    criteria_set: str
    form: str
    form_name: str
    level: str
    evaluated_on: str
    period: str
    product: dict[str, Any]
    members: list[str]
    member_totals: dict[str, float]
    parts: dict[str, float]
    part_max: dict[str, int]
    total: float
    max_total: int
    band_stars: int
    stars: int
    status: str
    recognised_by: str | None
    escalate_to: str | None
    unmet_minimums: list[dict[str, Any]]
    knockouts: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    trace: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    next_star: dict[str, Any] | None = field(default=None)
    kind: str = "new"  # the dossier's kind (new | upgrade | re-evaluation), echoed
    lodged_on: str | None = None  # the day the file was lodged, echoed (ISO date)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def trace_entries(decisions: Decisions) -> list[dict[str, Any]]:
    return [{"rule": f.rule.id, "vi": sentence(f.rule, f.fact, "vi"), "en": sentence(f.rule, f.fact, "en"),
             "facts": {k: v for k, v in f.fact.items() if isinstance(v, (int, float, str, bool)) or v is None}}
            for f in decisions.fired]


def warning_entries(decisions: Decisions) -> list[dict[str, Any]]:
    out = []
    for rule, fact in decisions.warnings:
        out.append({"code": rule.effects["warning"], "rule": rule.id, "vi": sentence(rule, fact, "vi"),
                    "en": sentence(rule, fact, "en")})
    return out
