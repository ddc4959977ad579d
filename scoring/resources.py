"""Where the criteria packs and rule files are, installed or in a source checkout.

The wheel carries them as scoring/_data/{criteria,rules}; a source checkout (or an editable
install, which hatchling does not force-include into) has them at the repository root.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Directory of the bundled `criteria` or `rules` folder."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled '{name}' folder not found next to {_PACKAGE}")


def criteria_dir() -> Path:
    """The criteria root: OCOP_CRITERIA_DIR if set (a province's edited copy), else the bundled one."""
    override = os.environ.get("OCOP_CRITERIA_DIR")
    return Path(override) if override else data_dir("criteria")


def rules_dir() -> Path:
    return data_dir("rules")


def schema_path(name: str) -> Path:
    """Schemas always come from the bundled copy: an edited pack is validated against ours."""
    return data_dir("criteria") / "schema" / f"{name}.schema.json"
