"""The rule declarations of `rules/`, loaded, validated and instantiated for one set and period.

A rule file says *what* decides (conditions and effects); the numbers it compares against come
from the criteria set (bands, gates, recognition) so that a what-if can override them without
editing any file. Instantiation turns `for_each` rules into concrete rules with every parameter
resolved; both executors compile the same concrete rules.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from ..errors import CriteriaInvalid, Issue
from ..resources import rules_dir
from ..text import load_json
from .semantics import OPTIONAL_STAGES, STAGES

__all__ = ["OPTIONAL_STAGES", "STAGES", "Condition", "FieldRef", "Rule", "instantiate", "load_declarations"]


@dataclass(frozen=True)
class FieldRef:
    """Another field of the same fact (compare two fields, e.g. mean < need)."""

    field: str


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # literal, list, or FieldRef


@dataclass(frozen=True)
class Rule:
    """A concrete rule: parameters resolved, ready to compile."""

    id: str
    stage: str
    conditions: tuple[Condition, ...]
    effects: Mapping[str, Any]  # values are literals or "@field" references to the matched fact
    description: Mapping[str, str]
    explain: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)  # for the explanation sentence
    source: str | None = None
    never: bool = False  # an `in` over an empty list: can never fire


def _rules_schema_issues(doc: Any, file: str) -> list[Issue]:
    # the schema's compiled check first; jsonschema is imported only for a file that fails it
    from ..schemas import file_schema_errors, json_path

    return [Issue(e.message, file=file, location=json_path(e.absolute_path))
            for e in file_schema_errors(doc, rules_dir() / "schema" / "rules.schema.json")]


def load_declarations(folder: str | None = None) -> tuple[tuple[dict[str, Any], ...], str]:
    """All rule declarations in file order, and a content hash that names the compiled rulesets
    (read once per folder: `load_declarations()` and `load_declarations(None)` share the read)."""
    return _declarations(str(Path(folder) if folder else rules_dir()))


@cache
def _declarations(folder: str) -> tuple[tuple[dict[str, Any], ...], str]:
    base = Path(folder)
    decls: list[dict[str, Any]] = []
    issues: list[Issue] = []
    digest = hashlib.sha256()
    for path in sorted(base.glob("*.json")):
        doc = load_json(path)
        digest.update(path.name.encode() + json.dumps(doc, sort_keys=True, ensure_ascii=False).encode())
        found = _rules_schema_issues(doc, str(path))
        issues += found
        if not found:
            decls += [dict(rule, _file=path.name) for rule in doc["rules"]]
    ids = [d["id"] for d in decls]
    for rid in {i for i in ids if ids.count(i) > 1}:
        issues.append(Issue("rule id declared twice", file=str(base), value=rid))
    if issues:
        raise CriteriaInvalid(issues, subject=f"rule files in {base}")
    return tuple(decls), digest.hexdigest()[:12]


def _resolve(value: Any, item: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"field"}:
        return FieldRef(value["field"])
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name in item:
            return item[name]
        if name in params:
            return params[name]
        raise KeyError(f"rule parameter '{name}' is not defined")
    return value


def instantiate(params: Mapping[str, Any], folder: str | None = None) -> tuple[Rule, ...]:
    """Concrete rules for one set, period and parameter overrides, in stage order."""
    decls, _ = load_declarations(folder)
    rules: list[Rule] = []
    for decl in decls:
        items = params[decl["for_each"]] if "for_each" in decl else [{}]
        for item in items:
            rid = decl["id"]
            if "id_suffix" in decl:
                rid = f"{rid}.{_resolve(decl['id_suffix'], item, params)}"
            # a null switch parameter (max_spread: null) means "no such check", not "no bound"
            never = any(_resolve(f"${name}", item, params) is None for name in decl.get("requires", ()))
            conditions = []
            for fld, op, raw in decl["when"]:
                value = _resolve(raw, item, params)
                if value is None:
                    continue  # unbounded (e.g. the top band has no upper limit)
                if op in ("in", "not in") and not isinstance(value, (list, tuple)):
                    raise KeyError(f"rule {rid}: '{op}' needs a list, got {value!r}")
                if op == "in" and not value:
                    never = True
                if op == "not in" and not value:
                    continue
                conditions.append(Condition(fld, op, tuple(value) if isinstance(value, list) else value))
            effects = {k: (v if isinstance(v, str) and v.startswith("@") else _resolve(v, item, params))
                       for k, v in decl["then"].items()}
            shown = {k: v for k, v in params.items() if not isinstance(v, (list, tuple, dict))}
            shown.update(item)
            rules.append(Rule(rid, decl["stage"], tuple(conditions), effects, decl["description"], decl["explain"],
                              shown, decl.get("source"), never))
    rules.sort(key=lambda r: STAGES.index(r.stage))
    return tuple(rules)
