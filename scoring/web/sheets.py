"""A member's scoring sheet as the page shows it, built from the official form (`scoring.criteria`),
and the points a posted page carries, checked against that form.

The page lists each criterion's options as radio buttons with their points and star-minimum marks
(QĐ 26/2026 `***`); a criterion that applies only when a story exists gets a "not applicable"
choice. The only arithmetic here is the running sum of the points picked so far (what the paper
sheet's total cell shows while it is being filled); every score, decision and "what blocks the next
star" comes from `scoring.evaluate` on the complete sheet.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Mapping

from ..criteria import Form, Node, PartialFormWarning
from ..criteria import load_set

FIELD_PREFIX = "c:"  # form field of a criterion: "c:1.1"


def load_form(criteria_set: str, slug: str) -> Form:
    with warnings.catch_warnings():  # the page states the form's status itself
        warnings.simplefilter("ignore", PartialFormWarning)
        return load_set(criteria_set).form(slug)


def star_marks(stars: int | None) -> str:
    return "★" * stars if stars else ""


@dataclass(frozen=True)
class Row:
    """One line of the sheet: a heading (depth > 0, no options) or a criterion with its options."""

    node: Node
    depth: int
    field: str | None
    chosen: int | None
    optional: bool  # applies only when a story exists: "not applicable" is a valid choice

    @property
    def shown_number(self) -> str:
        return self.node.printed or self.node.number


def sheet_rows(form: Form, scores: Mapping[str, int | None]) -> list[dict[str, Any]]:
    """Parts with their rows, in the form's printed order, with the member's current picks."""
    parts = []
    for part in form.parts:
        rows: list[Row] = []

        def walk(node: Node, depth: int) -> None:
            if node.is_leaf:
                rows.append(Row(node, depth, FIELD_PREFIX + node.number, scores.get(node.number),
                                node.applies_when is not None))
            else:
                rows.append(Row(node, depth, None, None, False))
                for child in node.children:
                    walk(child, depth + 1)

        for child in part.children:
            walk(child, 0)
        parts.append({"part": part, "rows": rows, "sum": running_sum(form, scores, part.part)})
    return parts


def running_sum(form: Form, scores: Mapping[str, int | None], part: str | None = None) -> int:
    """The points picked so far (a part's, or the whole sheet's)."""
    return sum(int(scores[leaf.number]) for leaf in form.leaves
               if scores.get(leaf.number) is not None and (part is None or leaf.part == part))


def missing(form: Form, scores: Mapping[str, int | None]) -> list[str]:
    """Criteria that must still be picked before the sheet can be submitted (a criterion that
    applies only when a story exists may stay empty: it then does not apply)."""
    return [leaf.number for leaf in form.leaves if leaf.number not in scores and leaf.applies_when is None]


class BadPoints(ValueError):
    """A posted value that is not one of the criterion's options (a tampered form)."""

    def __init__(self, number: str, value: str, allowed: tuple[int, ...]):
        super().__init__(f"tiêu chí {number}: {value!r} không phải là một lựa chọn / criterion {number}: {value!r} is "
                         f"not an option; allowed: {', '.join(map(str, allowed))}")


def read_posted(form: Form, posted: Mapping[str, str]) -> dict[str, int | None]:
    """The points a posted sheet carries: every value must be one of the criterion's option points
    ('' = not picked; 'na' = not applicable, only for a criterion that applies conditionally)."""
    scores: dict[str, int | None] = {}
    for leaf in form.leaves:
        raw = posted.get(FIELD_PREFIX + leaf.number)
        if raw is None or raw == "":
            continue
        if raw == "na" and leaf.applies_when is not None:
            scores[leaf.number] = None
            continue
        try:
            value = int(raw)
        except ValueError:
            raise BadPoints(leaf.number, raw, leaf.points) from None
        if value not in leaf.points:
            raise BadPoints(leaf.number, raw, leaf.points)
        scores[leaf.number] = value
    return scores
