"""JSON Schema validation turned into located `Issue`s (file + JSON path + what is allowed)."""
from __future__ import annotations

import json
from functools import cache
from typing import Any, Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import Issue
from .resources import schema_path


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def json_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _allowed(error: ValidationError) -> str | None:
    s = error.schema if isinstance(error.schema, dict) else {}
    v = error.validator
    if v == "enum":
        return ", ".join(map(repr, s.get("enum", [])))
    if v == "type":
        return f"type {s.get('type')}"
    if v == "pattern":
        return f"text matching {s.get('pattern')}"
    if v in ("minimum", "maximum", "minLength", "minItems", "maxItems"):
        return f"{v} {s.get(v)}"
    if v == "additionalProperties":
        return "only the fields defined in the schema: " + ", ".join(sorted(s.get("properties", {})))
    if v == "required":
        return "fields " + ", ".join(s.get("required", []))
    return None


def schema_issues(instance: Any, name: str, file: str | None = None) -> list[Issue]:
    """All schema violations of `instance` against criteria/schema/<name>.schema.json."""
    issues = []
    for error in sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        # oneOf failures hide the useful message in their context: report the deepest one
        best = error
        if error.context:
            best = max(error.context, key=lambda e: len(e.absolute_path))
        value = best.instance if not isinstance(best.instance, (dict, list)) else None
        issues.append(Issue(message="[schema] sai lược đồ / schema: " + (best.message if best is not error else error.message), file=file,
                            location=json_path(best.absolute_path), value=value, allowed=_allowed(best)))
    return issues
