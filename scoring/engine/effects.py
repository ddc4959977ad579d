"""The rule engine's decisions for one dossier: the effects of the fired rules combined as
`rules/semantics.py` declares (the vectorized executor reads the same declaration), and the facts
of the derived stages (award, outcome) built from them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import EngineError
from ..rules.semantics import ANY, APPEND, COMBINED, LISTS, MIN, NOTE, SET_ONCE, Stage, effect_of, missing
from ..rules.spec import Rule


@dataclass
class Fired:
    rule: Rule
    fact: dict[str, Any]


@dataclass
class Decisions:
    """SET_ONCE decisions in `values`, MIN/ANY targets in `combined`, APPEND lists in `lists`, every
    fired rule with its fact in `fired` (the trace)."""

    values: dict[str, Any] = field(default_factory=dict)
    combined: dict[str, Any] = field(default_factory=lambda: {t: e.initial for t, e in COMBINED.items()})
    lists: dict[str, list[Any]] = field(default_factory=lambda: {t: [] for t in LISTS})
    fired: list[Fired] = field(default_factory=list)

    @property
    def cap(self) -> int:
        return self.combined["cap"]

    @property
    def knocked_out(self) -> bool:
        return self.combined["knocked_out"]

    @property
    def knockouts(self) -> list[str]:
        return self.lists["knockouts"]

    @property
    def unmet(self) -> list[dict[str, Any]]:
        return self.lists["unmet_minimums"]

    @property
    def warnings(self) -> list[tuple[Rule, dict[str, Any]]]:
        return self.lists["warnings"]


def resolve(value: Any, fact: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return fact[value[1:]]
    return value


def apply(decisions: Decisions, rule: Rule, fact: dict[str, Any]) -> None:
    decisions.fired.append(Fired(rule, fact))
    for key, raw in rule.effects.items():
        eff = effect_of(rule.id, key)
        if eff.combine == NOTE:
            continue
        value = resolve(raw, fact)
        if eff.combine == SET_ONCE:
            old = decisions.values.get(eff.target, value)
            if old != value:
                raise EngineError(f"rules disagree on {key}: {old!r} then {value!r} (rule {rule.id}); "
                                  "the rule files overlap")
            decisions.values[eff.target] = value
        elif eff.combine == MIN:
            decisions.combined[eff.target] = min(decisions.combined[eff.target], int(value))
        elif eff.combine == ANY:
            decisions.combined[eff.target] = decisions.combined[eff.target] or bool(value)
        elif eff.combine == APPEND:
            entry = {"value": value, "fact": fact, "rule": (rule, fact)}[eff.entry]
            decisions.lists[eff.target].append(entry)
        else:  # pragma: no cover - semantics.py declares only the combinations above
            raise EngineError(f"rule {rule.id}: effect {key} combines as {eff.combine!r}, which no executor knows")


def require(decisions: Decisions, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in decisions.values:
            raise EngineError(missing(name))


def derived_fact(stage: Stage, decisions: Decisions, score_fact: Mapping[str, Any]) -> dict[str, Any]:
    """The one fact of a derived stage (award, outcome), as `stage.derived` declares it."""
    sources = {"decision": decisions.values, "combined": decisions.combined, "score": score_fact}
    return {fld: len(decisions.lists[name]) if source == "count" else sources[source][name]
            for fld, (source, name) in (stage.derived or {}).items()}
