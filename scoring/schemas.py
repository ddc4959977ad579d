"""JSON Schema validation turned into located `Issue`s (file + JSON path + what is allowed).

Two executors of one declaration (the schema files): `jsonschema` finds and words every violation,
and a small compiled check (`_Compiler`) answers only "is this valid?". Almost every document we
check is valid, and jsonschema's full walk cost about 2 ms of a dossier's ~3 ms of validation (plus
~40 ms to import it); so the compiled check runs first and jsonschema is imported and run only
when it says no, or cannot tell. The compiled check is exact for the keywords it knows and refuses
to build for any other (`SchemaUnsupported`), so a keyword added to a schema cannot be skipped
silently; where its answer could differ from jsonschema's (a rare value type in `enum` or
`uniqueItems`) it does not guess but hands the document to jsonschema.
"""
from __future__ import annotations

import json
import numbers
import re
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .errors import Issue
from .resources import schema_path

if TYPE_CHECKING:  # jsonschema is imported on the error path only
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

Check = Callable[[Any], bool]


class SchemaUnsupported(ValueError):
    """A schema uses a keyword (or a $ref) the compiled check does not implement."""


class _Unsure(Exception):
    """The compiled check cannot decide this value exactly as jsonschema would: ask jsonschema."""


# Keywords that never make a document invalid (annotations; `format` is an annotation because the
# validators are built without a format checker, as they always were here).
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples",
                          "format", "deprecated", "readOnly", "writeOnly"})
_TRUE, _FALSE = object(), object()


def _unbool(value: Any) -> Any:
    return _TRUE if value is True else _FALSE if value is False else value


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's `equal` for scalars (True is not 1, 1.0 is 1); containers are left to jsonschema."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, (list, tuple, dict)) or isinstance(two, (list, tuple, dict)):
        raise _Unsure
    return _unbool(one) == _unbool(two)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Number)


_TYPES: dict[str, Check] = {  # Draft 2020-12's type checker
    "object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None, "integer": _is_integer, "number": _is_number,
}


def _all(checks: list[Check]) -> Check:
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:  # the common case, without a generator per value
        first, second = checks
        return lambda v: first(v) and second(v)
    checks_t = tuple(checks)
    return lambda v: all(c(v) for c in checks_t)


class _Compiler:
    """Builds one validity predicate per schema node; local `$ref`s are compiled once and shared."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#"):
            raise SchemaUnsupported(f"$ref {pointer!r}: only references within the schema are compiled")
        if pointer not in self.refs:
            target = self.root
            try:
                for part in filter(None, pointer[1:].split("/")):
                    part = part.replace("~1", "/").replace("~0", "~")
                    target = target[int(part)] if isinstance(target, list) else target[part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise SchemaUnsupported(f"$ref {pointer!r} points to nothing in the schema") from None
            slot: list[Check] = []
            self.refs[pointer] = lambda v: slot[0](v)  # recursion-safe: filled below
            slot.append(self.compile(target))
            self.refs[pointer] = slot[0]
            return slot[0]
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise SchemaUnsupported(f"a schema must be an object or a boolean, not {schema!r}")
        unknown = set(schema) - _ANNOTATIONS - set(_KEYWORDS)
        if unknown:
            raise SchemaUnsupported(f"keywords not compiled: {', '.join(sorted(unknown))}")
        checks = [_KEYWORDS[k](self, schema[k], schema) for k in schema if k in _KEYWORDS]
        return _all([c for c in checks if c is not None])


# Python types whose every value is of the JSON type (a quick answer before the exact test, which
# handles subclasses, 3.0 as an integer and other numbers)
_EXACT = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "null": (type(None),),
          "integer": (int,), "number": (int, float)}


def _k_type(c: _Compiler, types: Any, schema: dict) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    tests = tuple(_TYPES[t] for t in names)
    quick = frozenset(py for t in names for py in _EXACT[t])
    if len(tests) == 1:
        test = tests[0]
        return lambda v: type(v) in quick or test(v)
    return lambda v: type(v) in quick or any(t(v) for t in tests)


def _k_enum(c: _Compiler, values: list, schema: dict) -> Check:
    if values and all(isinstance(e, str) for e in values):
        texts = frozenset(values)  # a text equals only a text
        return lambda v: isinstance(v, str) and v in texts
    return lambda v: any(_equal(e, v) for e in values)


def _k_const(c: _Compiler, value: Any, schema: dict) -> Check:
    return lambda v: _equal(value, v)


def _k_pattern(c: _Compiler, pattern: str, schema: dict) -> Check:
    search = re.compile(pattern).search  # re.search, as jsonschema does: not anchored unless the pattern is
    return lambda v: not isinstance(v, str) or search(v) is not None


def _bound(compare: Callable[[Any, Any], bool], kind: Check, measure: Callable[[Any], Any]):
    def keyword(c: _Compiler, limit: Any, schema: dict) -> Check:
        if kind is _is_number:  # int and float values (most of them) skip the numbers.Number test
            return lambda v: (not compare(v, limit)) if type(v) in (int, float) else (not kind(v) or not compare(v, limit))
        return lambda v: not kind(v) or not compare(measure(v), limit)
    return keyword


def _lt(a: Any, b: Any) -> bool:
    return a < b


def _gt(a: Any, b: Any) -> bool:
    return a > b


def _same_value(v: Any) -> Any:
    return v


def _k_required(c: _Compiler, names: list, schema: dict) -> Check:
    names_t = tuple(names)
    return lambda v: not isinstance(v, dict) or all(n in v for n in names_t)


def _k_properties(c: _Compiler, props: dict, schema: dict) -> Check:
    subs = tuple((name, c.compile(sub)) for name, sub in props.items())
    return lambda v: not isinstance(v, dict) or all(check(v[name]) for name, check in subs if name in v)


def _k_additional(c: _Compiler, extra: Any, schema: dict) -> Check | None:
    if "patternProperties" in schema:
        raise SchemaUnsupported("patternProperties is not compiled")
    if extra is True:
        return None
    known = frozenset(schema.get("properties", {}))
    if extra is False:
        return lambda v: not isinstance(v, dict) or all(k in known for k in v)
    sub = c.compile(extra)
    return lambda v: not isinstance(v, dict) or all(sub(x) for k, x in v.items() if k not in known)


def _k_property_names(c: _Compiler, names: Any, schema: dict) -> Check:
    sub = c.compile(names)
    return lambda v: not isinstance(v, dict) or all(sub(k) for k in v)


def _k_items(c: _Compiler, items: Any, schema: dict) -> Check | None:
    prefix = len(schema.get("prefixItems", []))
    if items is True:
        return None
    if items is False:
        return lambda v: not isinstance(v, list) or len(v) <= prefix
    sub = c.compile(items)
    if prefix:
        return lambda v: not isinstance(v, list) or all(sub(x) for x in v[prefix:])
    return lambda v: not isinstance(v, list) or all(sub(x) for x in v)


def _k_prefix_items(c: _Compiler, items: list, schema: dict) -> Check:
    subs = tuple(c.compile(s) for s in items)
    return lambda v: not isinstance(v, list) or all(check(x) for check, x in zip(subs, v))


def _unique(values: list) -> bool:
    if all(isinstance(x, str) for x in values) or all(type(x) is int for x in values):
        return len(set(values)) == len(values)
    raise _Unsure


def _k_unique(c: _Compiler, flag: bool, schema: dict) -> Check | None:
    return (lambda v: not isinstance(v, list) or _unique(v)) if flag else None


def _k_one_of(c: _Compiler, subs: list, schema: dict) -> Check:
    checks = tuple(c.compile(s) for s in subs)
    return lambda v: sum(1 for check in checks if check(v)) == 1


def _k_any_of(c: _Compiler, subs: list, schema: dict) -> Check:
    checks = tuple(c.compile(s) for s in subs)
    return lambda v: any(check(v) for check in checks)


def _k_all_of(c: _Compiler, subs: list, schema: dict) -> Check:
    return _all([c.compile(s) for s in subs])


def _k_not(c: _Compiler, sub: Any, schema: dict) -> Check:
    check = c.compile(sub)
    return lambda v: not check(v)


def _k_ref(c: _Compiler, pointer: str, schema: dict) -> Check:
    return c.ref(pointer)


def _is_object(v: Any) -> bool:
    return isinstance(v, dict)


def _is_array(v: Any) -> bool:
    return isinstance(v, list)


def _is_string(v: Any) -> bool:
    return isinstance(v, str)


_KEYWORDS: dict[str, Callable[[_Compiler, Any, dict], Check | None]] = {
    "type": _k_type, "enum": _k_enum, "const": _k_const, "pattern": _k_pattern,
    "minimum": _bound(_lt, _is_number, _same_value), "maximum": _bound(_gt, _is_number, _same_value),
    "minLength": _bound(_lt, _is_string, len), "maxLength": _bound(_gt, _is_string, len),
    "minItems": _bound(_lt, _is_array, len), "maxItems": _bound(_gt, _is_array, len),
    "minProperties": _bound(_lt, _is_object, len), "maxProperties": _bound(_gt, _is_object, len),
    "required": _k_required, "properties": _k_properties, "additionalProperties": _k_additional,
    "propertyNames": _k_property_names, "items": _k_items, "prefixItems": _k_prefix_items,
    "uniqueItems": _k_unique, "oneOf": _k_one_of, "anyOf": _k_any_of, "allOf": _k_all_of, "not": _k_not,
    "$ref": _k_ref,
}


def compile_check(schema: Any) -> Check:
    """A predicate true exactly when jsonschema (Draft 2020-12, no format checker) finds `schema`
    satisfied; it raises `_Unsure` where it cannot tell. SchemaUnsupported for unknown keywords."""
    return _Compiler(schema).compile(schema)  # every $ref is resolved here: a dangling one fails now


@cache
def _schema_doc(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


_checks: dict[Path, Check] = {}
_checks_lock = threading.Lock()


def _check_for(path: Path) -> Check:
    with _checks_lock:
        if path not in _checks:
            _checks[path] = compile_check(_schema_doc(path))
        return _checks[path]


@cache
def _validator_for(path: Path) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = _schema_doc(path)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validator(name: str) -> Draft202012Validator:
    """jsonschema's validator of criteria/schema/<name>.schema.json, built once per process."""
    return _validator_for(_named(name))


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


def surely_valid(instance: Any, path: Path) -> bool:
    """True when the schema file at `path` certainly accepts `instance` (the compiled check); False
    when it does not, or cannot tell."""
    try:
        return _check_for(path)(instance)
    except _Unsure:
        return False


def file_schema_errors(instance: Any, path: Path) -> list[ValidationError]:
    """jsonschema's errors of `instance` against the schema file at `path` (none without importing
    jsonschema when the compiled check accepts it), in the order of their locations."""
    if surely_valid(instance, path):
        return []
    return sorted(_validator_for(path).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))


_named = cache(schema_path)  # the bundled schemas do not move while the process runs


def schema_issues(instance: Any, name: str, file: str | None = None) -> list[Issue]:
    """All schema violations of `instance` against criteria/schema/<name>.schema.json."""
    issues = []
    for error in file_schema_errors(instance, _named(name)):
        # oneOf failures hide the useful message in their context: report the deepest one
        best = error
        if error.context:
            best = max(error.context, key=lambda e: len(e.absolute_path))
        value = best.instance if not isinstance(best.instance, (dict, list)) else None
        issues.append(Issue(message="[schema] sai lược đồ / schema: " + (best.message if best is not error else error.message), file=file,
                            location=json_path(best.absolute_path), value=value, allowed=_allowed(best)))
    return issues
