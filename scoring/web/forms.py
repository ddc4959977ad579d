"""The office's management forms: what a posted form holds, and where its errors are shown.

A form is re-rendered with what was typed and, next to each field, the reason it was refused: our
own checks (a year that is not a number, a date that is not a date) as i18n keys, and the
registry's refusals (`RegistryError`, located by the registry on a field such as `name`, `level`,
`number`) with the registry's own bilingual message. An error the form has no field for is shown
above the form. Nothing here writes: the routes write through the registry only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping

from ..dossier import level_code
from ..errors import Issue, ValidationFailed
from ..registry.models import LEVELS, ROLES

TOP = ""  # the key of an error shown above the form (no field of its own)


class FormInvalid(Exception):
    """Our own check refused a field before the registry was asked (`key` is an i18n key)."""

    def __init__(self, field_name: str, key: str, **fields: Any) -> None:
        super().__init__(field_name)
        self.field = field_name
        self.key = key
        self.fields = fields


class RowRefused(Exception):
    """A refusal of one row of a form with several (a council's members): its issues' fields are
    that row's (`prefix` + location, e.g. members.2.name)."""

    def __init__(self, exc: ValidationFailed, prefix: str) -> None:
        super().__init__(prefix)
        self.exc = exc
        self.prefix = prefix


@dataclass
class FormState:
    """One form's values (as typed, for re-display) and its errors by field name (TOP: above it).

    An error is either ("key", fields) for the page's translator or ("raw", {"text": message})
    for a registry message (already bilingual)."""

    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def get(self, key: str, default: Any = "") -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def error(self, key: str) -> tuple[str, dict[str, Any]] | None:
        return self.errors.get(key)

    @property
    def top_errors(self) -> list[tuple[str, dict[str, Any]]]:
        """Errors whose field this form does not show (shown above it, never lost)."""
        return [e for k, e in self.errors.items() if k not in self.values]

    @property
    def all_errors(self) -> list[tuple[str, dict[str, Any]]]:
        return list(self.errors.values())


def issue_text(issue: Issue) -> str:
    """A registry issue as one line for the page: its message, the value refused and what is allowed."""
    text = issue.message
    if issue.value is not None and issue.value != "":
        text += f" (giá trị / got: {issue.value})"
    if issue.allowed:
        text += f"; cho phép / allowed: {issue.allowed}"
    return text


def refused(state: FormState, exc: Exception, prefix: str = "") -> FormState:
    """Put a refusal on the form: FormInvalid on its field; a registry refusal on the field its issue
    names (`prefix` + location, e.g. members.2.name), else above the form."""
    if isinstance(exc, FormInvalid):
        state.errors[exc.field] = (exc.key, exc.fields)
        return state
    assert isinstance(exc, ValidationFailed)
    for issue in exc.issues:
        where = prefix + (issue.location or "")
        key = where if where in state.values else TOP
        if key in state.errors:
            key = f"{TOP}{len(state.errors)}"  # a second message keeps its own line
        state.errors[key] = ("raw", {"text": issue_text(issue)})
    return state


def optional(value: str | None) -> str | None:
    """An optional text field: trimmed, None when empty (the registry's columns keep NULL, not '')."""
    value = (value or "").strip()
    return value or None


def whole(value: str, name: str, low: int, high: int) -> int:
    """A whole number typed in a form, within [low, high]."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise FormInvalid(name, "need_number", low=low, high=high) from None
    if not low <= number <= high:
        raise FormInvalid(name, "need_number", low=low, high=high)
    return number


def day(value: str | None, name: str, *, required: bool = False) -> date | None:
    """A date from `<input type=date>` (YYYY-MM-DD); browsers without a date picker send text."""
    value = (value or "").strip()
    if not value:
        if required:
            raise FormInvalid(name, "need_date")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormInvalid(name, "need_date") from None


def level(value: str, name: str = "level") -> str:
    """A level as the registry names it: `tỉnh`, `Cấp tỉnh` and `province` are `province` (the
    dossier reader's own mapping); anything else is refused on the field with the allowed list."""
    code = level_code((value or "").strip())
    if code not in LEVELS:
        raise FormInvalid(name, "bad_level")
    return code


def role(value: str, name: str) -> str:
    if value not in ROLES:
        raise FormInvalid(name, "bad_role")
    return value


def attempt(state: FormState, write: Callable[[], Any], prefix: str = "") -> Any:
    """Run `write`; a refusal (ours or the registry's) goes on the form and None is returned."""
    try:
        return write()
    except RowRefused as row:
        refused(state, row.exc, prefix + row.prefix)
        return None
    except (FormInvalid, ValidationFailed) as exc:
        refused(state, exc, prefix)
        return None


def form_values(posted: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The named fields as typed (strings; a missing field is empty)."""
    out = {}
    for n in names:
        value = posted.get(n, "")
        out[n] = value if isinstance(value, str) else ""
    return out
