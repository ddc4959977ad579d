"""The rule engine: durable-rules evaluating one dossier's facts against the compiled rule files.

Lifecycle lessons (design.md §6) are handled here once: each ruleset is registered once per
process under a name carrying the rule files' hash and the parameters' hash; each evaluation has
its own session id whose state is always deleted; exceptions swallowed into the session state are
raised; one lock serialises the host; the host's background dispatch threads are not started
(every action runs synchronously inside assert_fact).
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Mapping

from durable.engine import Host, MessageNotHandledException

from ..errors import EngineError
from ..rules.semantics import FINAL, OPTIONAL_STAGES, PLAN, STAGES, check_effects, needs
from ..rules.spec import FieldRef, Rule
from .effects import Decisions, apply, derived_fact, require

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def _value(v: Any) -> Any:
    return {"$m": v.field} if isinstance(v, FieldRef) else v


def compile_condition(field: str, op: str, value: Any) -> dict[str, Any]:
    if op == "==":
        return {"$eq": {field: _value(value)}} if isinstance(value, FieldRef) else {field: value}
    if op in _OPS:
        return {_OPS[op]: {field: _value(value)}}
    if op == "in":
        return {"$or": [{field: v} for v in value]} if len(value) > 1 else {field: value[0]}
    if op == "not in":
        return {"$and": [{"$neq": {field: v}} for v in value]}
    raise ValueError(f"unknown operator {op}")


def compile_ruleset(rules: tuple[Rule, ...]) -> dict[str, Any]:
    """The durable-rules JSON definition of the concrete rules."""
    definition = {}
    for i, rule in enumerate(rules):
        if rule.never:
            continue
        terms = [{"stage": rule.stage}] + [compile_condition(c.field, c.op, c.value) for c in rule.conditions]
        definition[f"r{i}"] = {"all": [{"m": {"$and": terms}}], "run": f"r{i}"}
    return definition


class _SyncHost(Host):
    """A durable-rules host whose actions come from our table and that starts no timer threads."""

    def __init__(self) -> None:
        self.actions: dict[str, Callable[[Any], None]] = {}
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self.actions[action_name]

    def _run(self) -> None:  # the background dispatchers would race our synchronous evaluations
        return


class RuleEngine:
    """One host per process; rulesets registered once each; evaluations serialised."""

    _instance: "RuleEngine | None" = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._host = _SyncHost()
        self._names: dict[str, tuple[str, tuple[Rule, ...]]] = {}
        self._sids = itertools.count()
        # per session: (stage index, fact sequence, rule index, rule, fact) of every rule that fired
        self._fired: dict[str, list[tuple[int, int, int, Rule, dict[str, Any]]]] = {}
        self.sessions_deleted = 0

    @classmethod
    def shared(cls) -> "RuleEngine":
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _ruleset(self, key: str, rules: tuple[Rule, ...]) -> str:
        if key not in self._names:
            check_effects(rules)
            name = f"ocop-{key}"
            definition = compile_ruleset(rules)
            # action names must be unique across rulesets: prefix them with the ruleset's number
            n = len(self._names)
            for rid, body in definition.items():
                body["run"] = f"{n}:{rid}"
            for i, rule in enumerate(rules):
                self._host.actions[f"{n}:r{i}"] = self._action(i, rule)
            self._host.set_rulesets({name: definition})
            self._names[key] = (name, rules)
        return self._names[key][0]

    def _action(self, index: int, rule: Rule) -> Callable[[Any], None]:
        def record(c: Any) -> None:
            message = c.m._d
            fact = {k: v for k, v in message.items() if k not in ("sid", "stage", "id", "$s", "_i")}
            self._fired[c.s["sid"]].append((STAGES.index(rule.stage), message["_i"], index, rule, fact))
        return record

    def _apply_new(self, sid: str, done: int, decisions: Decisions) -> int:
        """Apply effects of rules fired since `done`, in a canonical order (stage, fact, rule):
        durable-rules does not promise an order among rules matching the same fact."""
        fired = self._fired[sid]
        for _, _, _, rule, fact in sorted(fired[done:], key=lambda f: f[:3]):
            apply(decisions, rule, fact)
        return len(fired)

    def _assert(self, name: str, sid: str, stage: str, fact: Mapping[str, Any], seq: int) -> None:
        message = dict(fact, sid=sid, stage=stage, _i=seq)
        try:
            self._host.assert_fact(name, message)
        except MessageNotHandledException:
            if stage not in OPTIONAL_STAGES:
                shown = {k: v for k, v in fact.items() if k not in ("label", "label_en")}
                raise EngineError(f"no rule handles this {stage} fact: {shown}; the rule files do not cover "
                                  "this case") from None
        state = self._host.get_state(name, sid)
        if "exception" in state:
            raise EngineError(f"a rule action failed: {state['exception']}")

    def evaluate(self, key: str, rules: tuple[Rule, ...], facts: Mapping[str, list[dict[str, Any]]]) -> Decisions:
        """Run the staged facts through the ruleset `key` and combine the fired rules' effects."""
        with self._lock:
            name = self._ruleset(key, rules)
            sid = f"e{next(self._sids)}"
            self._fired[sid] = []
            decisions = Decisions()
            seq = itertools.count()
            try:
                done = 0
                for stage in PLAN:
                    if stage.derived is None:
                        for fact in facts.get(stage.name, ()):
                            self._assert(name, sid, stage.name, fact, next(seq))
                        continue
                    done = self._apply_new(sid, done, decisions)
                    require(decisions, needs(stage))
                    self._assert(name, sid, stage.name, derived_fact(stage, decisions, (facts.get("score") or [{}])[0]), next(seq))
                self._apply_new(sid, done, decisions)
                require(decisions, FINAL)
                return decisions
            finally:
                self._fired.pop(sid, None)
                try:
                    self._host.delete_state(name, sid)
                    self.sessions_deleted += 1
                except Exception:  # pragma: no cover - a session that never got state
                    pass
