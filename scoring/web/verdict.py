"""The kernel's word on a sheet: a dossier as stored in the registry, with the given members'
sheets, scored by `scoring.evaluate` (the web adds no scoring logic of its own)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..errors import ValidationFailed
from ..evaluate import evaluate
from ..result import Result

# fields of the stored dossier that are the dossier's own (design.md §3); its sheets are replaced
DOSSIER_FIELDS = ("dossier_id", "criteria_set", "form", "level", "evaluated_on", "product", "findings",
                  "story_exists", "cases")


def with_sheets(content: Mapping[str, Any], sheets: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The dossier JSON with exactly these (member, scores) sheets."""
    data = {k: content[k] for k in DOSSIER_FIELDS if k in content and content[k] is not None}
    data["sheets"] = [{"member": m, "scores": dict(scores)} for m, scores in sheets]
    return data


def member_verdict(content: Mapping[str, Any], member: str, scores: Mapping[str, Any]) -> Result | None:
    """One member's complete sheet scored on its own: their total, parts, stars and what blocks the
    next star. None when the kernel refuses the sheet (the page then shows the running sum only)."""
    try:
        return evaluate(with_sheets(content, [(member, scores)]))
    except ValidationFailed:
        return None
