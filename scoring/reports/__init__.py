"""Plans, progress reports and supervision lists, measured against the registry (design.md §7).

`load_plan` reads and checks a plan file (YAML or XLSX); the reports' figures are plain dataclasses
(`figures`), computed from the registry (`compute`) and rendered to HTML, XLSX or PDF (`render_*`).
"""
from __future__ import annotations

from .model import Area, BudgetLine, Plan, Range, Rewards, Targets, UpgradeTarget
from .planfile import load_plan

__all__ = ["Area", "BudgetLine", "Plan", "Range", "Rewards", "Targets", "UpgradeTarget", "load_plan"]
