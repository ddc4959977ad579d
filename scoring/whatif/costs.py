"""What an upgrade costs: one unit per option step by default, or a province's cost table.

A cost table (CSV or JSON) has rows `form, criterion, from_points, to_points, cost[, label]`;
`form` may be `*` for every form. An upgrade the table does not price directly is priced along a
chain of priced steps (1→2 then 2→3) when one exists; otherwise it is not available, unless a
`default_step_cost` is given for unpriced steps. Costs are exact integers (VND).
"""
from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import Issue, ValidationFailed
from ..text import read_text


@dataclass(frozen=True)
class Price:
    cost: float
    label: str | None = None


@dataclass
class CostModel:
    """Prices criterion upgrades. Without a table: one unit per option step raised."""

    table: Mapping[tuple[str, str], Mapping[tuple[int, int], Price]] = field(default_factory=dict)
    default_step_cost: float | None = None
    unit: str = "step"

    @property
    def has_table(self) -> bool:
        return bool(self.table)

    def price(self, form: str, criterion: str, ladder: tuple[int, ...], start: int, to: int) -> Price | None:
        """Cheapest price from `start` to `to` points on this criterion, or None if not available."""
        if to == start:
            return Price(0)
        steps = ladder.index(to) - ladder.index(start)
        if not self.has_table:
            return Price(float(steps))
        edges = dict(self.table.get(("*", criterion), {}))
        edges.update(self.table.get((form, criterion), {}))
        if (start, to) in edges:
            direct = edges[(start, to)]
        else:
            direct = None
        # cheapest chain over priced edges (Dijkstra on the ladder, edges only upwards)
        best: dict[int, tuple[float, list[str]]] = {start: (0.0, [])}
        heap = [(0.0, start)]
        while heap:
            c, node = heapq.heappop(heap)
            if node == to:
                break
            if c > best[node][0]:
                continue
            for (a, b), p in edges.items():
                if a == node and b > a:
                    nc = c + p.cost
                    if b not in best or nc < best[b][0]:
                        best[b] = (nc, best[node][1] + ([p.label] if p.label else []))
                        heapq.heappush(heap, (nc, b))
        chain = Price(best[to][0], " + ".join(best[to][1]) or None) if to in best else None
        options = [p for p in (direct, chain) if p is not None]
        if self.default_step_cost is not None:
            options.append(Price(steps * self.default_step_cost, None))
        return min(options, key=lambda p: p.cost) if options else None


def _rows_from_file(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".json":
        data = json.loads(read_text(path))
        return data["costs"] if isinstance(data, dict) else data
    import csv
    import io

    return list(csv.DictReader(io.StringIO(read_text(path))))


def load_costs(source: str | Path | Iterable[Mapping[str, Any]], *, default_step_cost: float | None = None) -> CostModel:
    """A CostModel from a CSV/JSON file or rows; every bad row is reported with its number."""
    name = str(source) if isinstance(source, (str, Path)) else "cost table"
    rows = _rows_from_file(Path(source)) if isinstance(source, (str, Path)) else list(source)
    table: dict[tuple[str, str], dict[tuple[int, int], Price]] = {}
    issues = []
    for i, row in enumerate(rows, start=2 if isinstance(source, (str, Path)) and str(source).endswith(".csv") else 0):
        try:
            form = str(row.get("form") or "*").strip()
            crit = str(row["criterion"]).strip()
            a, b = int(float(row["from_points"])), int(float(row["to_points"]))
            cost = float(row["cost"])
        except (KeyError, ValueError, TypeError) as exc:
            issues.append(Issue(f"bad cost row ({exc.__class__.__name__}: {exc})", name, f"row {i}", dict(row),
                                "form, criterion, from_points, to_points (whole numbers), cost (a number), label"))
            continue
        if b <= a or cost < 0:
            issues.append(Issue("an upgrade must raise the points and cost ≥ 0", name, f"row {i}", dict(row),
                                "to_points > from_points, cost ≥ 0"))
            continue
        label = (row.get("label") or "").strip() or None
        table.setdefault((form, crit), {})[(a, b)] = Price(cost, label)
    if issues:
        raise ValidationFailed(issues, subject=name)
    return CostModel(table, default_step_cost, unit="VND")
