"""What-if: exact star-upgrade plans, cohort support planning, and policy comparisons.

Names are exported lazily, so that the command line (which needs only `cli_support` to declare its
options) does not load the rule engine before a what-if command runs.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "compare_policies": ".policy", "CohortPlan": ".cohort", "COUNTS": ".cohort", "parse_rewards": ".cohort",
    "parse_targets": ".cohort", "plan": ".cohort", "CostModel": ".costs", "load_costs": ".costs",
    "ASSUMPTIONS": ".upgrade", "Plan": ".upgrade", "Upgrade": ".upgrade", "upgrade_plan": ".upgrade",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
