"""What a rule's effects mean and in which stages rules run: declared once, read by both executors.

The rule engine (durable-rules, one dossier, with its trace) and the vectorized scorer (numpy, a
table of dossiers) are two implementations of this module. Neither spells out an effect key or a
stage of its own: `EFFECTS` says how each effect key combines across the rules that fire, `PLAN`
says the stages in order, which of them take their facts from the dossier and which are built
from the decisions taken so far, and what every dossier must have been decided by the end. An
effect key missing here fails in both executors (`check_effects`), before any dossier is scored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple

from ..errors import EngineError

# How the values of one effect key combine over the rules that fire for a dossier:
SET_ONCE = "set_once"  # a decision: every rule giving it must agree (two stars from two rules is a defect
#                        in the rule files, reported, never silently resolved)
MIN = "min"            # the smallest value wins (a cap)
ANY = "any"            # true once any rule says true (knocked out)
APPEND = "append"      # a per-dossier list, in the engine's order (stage, fact, rule)
NOTE = "note"          # decides nothing: the rule is there for the trace


class Effect(NamedTuple):
    combine: str
    target: str  # where the combined value lives: a decision's name, or the list's name on the Result
    initial: Any = None  # MIN / ANY: the value before any rule fires
    entry: str = "value"  # APPEND: what one entry is ("value": the effect's value, "fact": the matched
    #                       fact, "rule": the rule with its matched fact, for its own explanation)


EFFECTS: Mapping[str, Effect] = {
    "band_stars": Effect(SET_ONCE, "band_stars"),
    "stars": Effect(SET_ONCE, "stars"),
    "status": Effect(SET_ONCE, "status"),
    "recognised_by": Effect(SET_ONCE, "recognised_by"),
    "escalate_to": Effect(SET_ONCE, "escalate_to"),
    "cap": Effect(MIN, "cap", initial=5),  # 5: the top star level, i.e. no cap
    "knocked_out": Effect(ANY, "knocked_out", initial=False),
    "unmet_minimum": Effect(APPEND, "unmet_minimums", entry="fact"),
    "knockout": Effect(APPEND, "knockouts", entry="value"),
    "warning": Effect(APPEND, "warnings", entry="rule"),
    "note": Effect(NOTE, "note"),
}

DECISIONS = tuple(e.target for e in EFFECTS.values() if e.combine == SET_ONCE)
COMBINED = {e.target: e for e in EFFECTS.values() if e.combine in (MIN, ANY)}
LISTS = tuple(dict.fromkeys(e.target for e in EFFECTS.values() if e.combine == APPEND))  # the Result's order


def effect_of(rule_id: str, key: str) -> Effect:
    """The declaration of effect `key`; an undeclared key is a defect of the rule set, raised."""
    try:
        return EFFECTS[key]
    except KeyError:
        raise EngineError(f"rule {rule_id}: unknown effect {key} (declared: {', '.join(EFFECTS)})") from None


def check_effects(rules: Iterable[Any]) -> None:
    """Every effect of every rule is declared: checked when a rule set is compiled, so a rule that
    would fire rarely cannot hide an unknown key until the dossier that triggers it."""
    for rule in rules:
        for key in rule.effects:
            effect_of(rule.id, key)


@dataclass(frozen=True)
class Stage:
    """One stage of an evaluation. A stage without `derived` takes its facts from the dossier
    (facts.py, batch/group.py). A derived stage has one fact per dossier, built from the decisions
    taken so far: field -> (source, name), where source is "decision" (a SET_ONCE decision, which
    must have been taken for every dossier, else `MISSING[name]` is raised), "combined" (a MIN/ANY
    target), "count" (the length of an APPEND list) or "score" (a field of the dossier's score fact)."""

    name: str
    optional: bool = False  # its facts may match no rule; in every other stage a fact no rule handles
    #                         means the rule files do not cover a case, and both executors raise
    derived: Mapping[str, tuple[str, str]] | None = None


PLAN: tuple[Stage, ...] = (
    Stage("form", optional=True),  # matches only when there is something to warn about
    Stage("criterion"),
    Stage("score"),
    Stage("minimum"),
    Stage("finding"),
    Stage("award", derived={"band_stars": ("decision", "band_stars"), "cap": ("combined", "cap"),
                            "knocked_out": ("combined", "knocked_out"), "n_knockouts": ("count", "knockouts")}),
    Stage("outcome", derived={"stars": ("decision", "stars"), "level": ("score", "level"),
                              "total": ("score", "total"), "knocked_out": ("combined", "knocked_out")}),
)
STAGES = tuple(s.name for s in PLAN)
OPTIONAL_STAGES = tuple(s.name for s in PLAN if s.optional)
FINAL = ("status",)  # decisions every dossier must have once the last stage ran

MISSING = {  # why a decision a stage needs was not taken: the rule files do not cover a case
    "band_stars": "no band rule fired: the bands do not cover the total",
    "stars": "no award rule fired",
    "status": "no outcome rule fired: the recognition rules do not cover this case",
}


def needs(stage: Stage) -> tuple[str, ...]:
    """The decisions that must have been taken before a derived stage's fact can be built."""
    return tuple(name for source, name in (stage.derived or {}).values() if source == "decision")


def missing(decision: str) -> str:
    return MISSING.get(decision, f"no rule decided {decision}")


class Binding(NamedTuple):
    """A rule that caps the stars below a target: `stage` "minimum" for a marked option (its facts
    are the marks of `stars`), "finding" for a recorded requirement of `stars`."""

    rule_id: str
    stage: str
    stars: int


def binding_minimums(rules: Iterable[Any], target: int) -> tuple[Binding, ...]:
    """The rules that keep a dossier below `target` stars when they fire: those whose cap is below
    it. What blocks the next star (evaluate) and which marks a plan must meet (whatif) read this,
    so they decide with the rules the engine fires, not with a loop of their own over star levels.
    A cap rule must match its facts on one `stars == N` condition (the level of the mark or
    requirement); one that does not is refused rather than guessed."""
    out = []
    for rule in rules:
        if "cap" not in rule.effects or rule.never:
            continue
        cap = rule.effects["cap"]
        levels = [c.value for c in rule.conditions if c.field == "stars" and c.op == "=="]
        if isinstance(cap, str) or len(levels) != 1:
            raise EngineError(f"rule {rule.id}: a cap must be a number and the rule must match one star level "
                              "(stars == N) for plans and 'next star' to read it")
        if int(cap) < target:
            out.append(Binding(rule.id, rule.stage, int(levels[0])))
    return tuple(out)
