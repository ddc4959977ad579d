"""How the effects of fired rules combine into decisions — shared by both executors.

`set` effects must agree (two rules giving different stars is a defect in the rule files and is
reported, never silently resolved), caps take the minimum, knock-outs any, lists append.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import EngineError
from ..rules.spec import Rule

SET_ONCE = ("band_stars", "stars", "status", "recognised_by", "escalate_to")


@dataclass
class Fired:
    rule: Rule
    fact: dict[str, Any]


@dataclass
class Decisions:
    values: dict[str, Any] = field(default_factory=dict)
    cap: int = 5
    knocked_out: bool = False
    knockouts: list[str] = field(default_factory=list)
    unmet: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[tuple[Rule, dict[str, Any]]] = field(default_factory=list)
    fired: list[Fired] = field(default_factory=list)


def resolve(value: Any, fact: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return fact[value[1:]]
    return value


def apply(decisions: Decisions, rule: Rule, fact: dict[str, Any]) -> None:
    decisions.fired.append(Fired(rule, fact))
    for key, raw in rule.effects.items():
        value = resolve(raw, fact)
        if key in SET_ONCE:
            old = decisions.values.get(key, value)
            if old != value:
                raise EngineError(f"rules disagree on {key}: {old!r} then {value!r} (rule {rule.id}); "
                                  "the rule files overlap")
            decisions.values[key] = value
        elif key == "cap":
            decisions.cap = min(decisions.cap, int(value))
        elif key == "knocked_out":
            decisions.knocked_out = decisions.knocked_out or bool(value)
        elif key == "knockout":
            decisions.knockouts.append(value)
        elif key == "unmet_minimum":
            decisions.unmet.append(fact)
        elif key == "warning":
            decisions.warnings.append((rule, fact))
        elif key == "note":
            pass
        else:  # pragma: no cover - the rules schema allows only the keys above
            raise EngineError(f"rule {rule.id}: unknown effect {key}")


def award_fact(decisions: Decisions) -> dict[str, Any]:
    if "band_stars" not in decisions.values:
        raise EngineError("no band rule fired: the bands do not cover the total")
    return {"band_stars": decisions.values["band_stars"], "cap": decisions.cap,
            "knocked_out": decisions.knocked_out, "n_knockouts": len(decisions.knockouts)}


def outcome_fact(decisions: Decisions, score_fact: Mapping[str, Any]) -> dict[str, Any]:
    return {"stars": decisions.values["stars"], "level": score_fact["level"], "total": score_fact["total"],
            "knocked_out": decisions.knocked_out}
