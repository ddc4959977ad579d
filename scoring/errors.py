"""Errors as data: every problem found in user input or data files is an `Issue`.

Councils fix their spreadsheets from these messages, so each issue names where (file, row or field),
what was found and what is allowed; an exception carries the full list so that a batch can write
all of them to its rejects file instead of stopping at the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem, located precisely enough for a person to find and fix it."""

    message: str
    file: str | None = None
    location: str | None = None  # JSON path ("parts[0].children[2]"), field ("sheets[1].scores.6.2") or row
    value: Any = None
    allowed: str | None = None
    severity: str = "error"  # "error" | "warning"
    # the stable code of the check (scoring.checks.catalogue); read from a "[code] …" message when not given
    code: str | None = None

    def __post_init__(self) -> None:
        if self.code is None and self.message.startswith("["):
            head = self.message[1:].split("]", 1)[0]
            if head and "]" in self.message and all(ch.isalnum() or ch == "-" for ch in head):
                object.__setattr__(self, "code", head)

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.location) if p)
        text = f"{where}: {self.message}" if where else self.message
        if self.value is not None:
            text += f" (giá trị / got {self.value!r})"
        if self.allowed:
            text += f"; cho phép / allowed: {self.allowed}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


# one wording for a blank required cell wherever a table is read (long tables, member columns, dossier ids)
REQUIRED_EMPTY = "[value-missing] thiếu giá trị bắt buộc / required value is empty"


class OcopError(Exception):
    """Base class of the library's errors."""


@dataclass
class ValidationFailed(OcopError):
    """Input (a dossier, a criteria file, a table row) did not validate; `issues` lists why."""

    issues: list[Issue] = field(default_factory=list)
    subject: str = "input"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.issues)
        lines = [f"{self.subject} không hợp lệ / is invalid ({n} lỗi / problem{'s' if n != 1 else ''}):"]
        lines += [f"  - {issue}" for issue in self.issues]
        return "\n".join(lines)


class CriteriaInvalid(ValidationFailed):
    """A criteria pack (shipped or edited by a province) breaks the schema or a semantic check."""


class DossierInvalid(ValidationFailed):
    """A dossier cannot be scored as given."""


class PolicyInvalid(ValidationFailed, ValueError):
    """A policy what-if (`overrides=`: other bands, gates or spread) that cannot be applied; each
    issue names the override (`overrides.bands.6`), the value and what is allowed. It is also a
    ValueError, as the library raised before issues carried the field."""


class FormUnavailable(OcopError):
    """The form exists in the classification but our sources do not have it (status missing)."""


class EngineError(OcopError):
    """The rule engine failed internally (an exception raised inside a rule action, a lost session)."""
