"""The registry's refusals: invalid input (exit 2) with a stable code, in Vietnamese and English.

They are `ValidationFailed` (the kernel's error for bad input) so that the `ocop` group maps them
to exit 2 like every other input error; `code` is stable for scripts and the web app.
"""
from __future__ import annotations

from typing import Any

from ..errors import Issue, ValidationFailed


class RegistryError(ValidationFailed):
    """A write the registry refuses (unknown id, closed list, a rule of the process, a conflict)."""

    def __init__(self, code: str, vi: str, en: str, *, location: str | None = None, value: Any = None,
                 allowed: str | None = None, details: list[str] | None = None) -> None:
        self.code = code
        self.details = list(details or [])
        issues = [Issue(f"[{code}] {vi} / {en}", location=location, value=value, allowed=allowed)]
        issues += [Issue(d) for d in self.details]
        super().__init__(issues, subject="registry")


def not_found(what_vi: str, what_en: str, key: Any, location: str) -> RegistryError:
    return RegistryError(f"unknown-{what_en.replace(' ', '-')}", f"không có {what_vi} này trong sổ",
                         f"no such {what_en} in the registry", location=location, value=key)
