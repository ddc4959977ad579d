"""Dossier checks: declared once (`catalogue`), implemented by two backends.

The scalar backend (`scoring.dossier`) checks one JSON dossier; the columnar backend
(`scoring.batch.checks`) checks a whole table with array operations. Each backend registers its
check functions here under the codes they can raise, and seals itself at import with
`Backend.seal()`: a declared check that a backend's scope requires and no function of it claims is
an error at import, never a silent skip. The conformance kit (`scoring.testing`) then proves that
both backends raise the same codes at the same places on the same dossiers.
"""
from __future__ import annotations

from typing import Any, Callable

from .catalogue import (CHECKS, MEMBER_ALLOWED, NUMBER_TYPE, SCOPES, Check, issue, not_whole_points, schema_coded,
                        value_invalid)

__all__ = ["CHECKS", "Check", "issue", "value_invalid", "schema_coded", "not_whole_points", "NUMBER_TYPE",
           "MEMBER_ALLOWED", "Backend", "CheckCoverageError", "SCALAR", "COLUMNAR"]


class CheckCoverageError(AssertionError):
    """A backend lacks a declared check (or claims an undeclared code): our bug, found at import."""


class Backend:
    """The check functions of one executor, in the order they run, with the codes each can raise."""

    def __init__(self, name: str, scopes: tuple[str, ...]) -> None:
        self.name = name
        self.scopes = scopes
        self.checks: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {}

    def register(self, name: str, *codes: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.checks[name] = (codes, fn)
            return fn
        return add

    def run(self, name: str, *args: Any) -> Any:
        """The registered function `name` (None when it has been removed: a mutant, which `seal` and
        the conformance kit catch)."""
        entry = self.checks.get(name)
        return entry[1](*args) if entry else None

    def codes(self) -> set[str]:
        return {c for codes, _ in self.checks.values() for c in codes}

    def missing(self) -> list[str]:
        """Declared codes this backend must implement and does not."""
        return sorted(c.code for c in CHECKS.values() if c.scope in self.scopes and c.code not in self.codes())

    def seal(self) -> None:
        problems = [f"{self.name} backend has no implementation of check {c!r}" for c in self.missing()]
        problems += [f"{self.name} backend claims undeclared code {c!r}" for c in sorted(self.codes() - set(CHECKS))]
        if problems:
            raise CheckCoverageError("; ".join(problems))


SCALAR = Backend("scalar", ("both", "json"))
COLUMNAR = Backend("columnar", ("both", "table"))
assert set(SCOPES) == {"both", "json", "table"}
