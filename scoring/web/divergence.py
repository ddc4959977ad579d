"""Divergence on the board: the council layer's pairs of members over `max_spread` and the criteria
responsible (placeholder until `scoring.council` exposes its divergence API)."""
from __future__ import annotations

from typing import Any

from ..result import Result


def divergences(result: Result) -> list[dict[str, Any]]:
    """[{"a": member, "b": member, "gap": points, "criteria": [...]}] for the dossier's Result."""
    return []
