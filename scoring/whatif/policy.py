"""Policy what-if on a batch: the same cohort under other thresholds (bands, gates), side by side.

Overrides are parameters of the rule files (see scoring.rules.params), so a provincial office can
ask "how many district products would escalate with a 70-point gate instead of 50?" without editing
any rule or criteria file.
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..batch import evaluate_batch

OUTCOME = ["stars", "status", "escalate_to"]


def _outcome(frame: pd.DataFrame) -> pd.DataFrame:
    """Outcome columns as comparable text: a missing value (no escalation) is the same everywhere.

    pandas 3 keeps a missing value missing through astype(str), and NaN != NaN, so comparing raw
    columns would report every dossier that escalates nowhere as changed.
    """
    out = frame[OUTCOME].astype(object)
    return out.where(out.notna(), "—").astype(str)


def compare_policies(frame: pd.DataFrame, scenarios: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """Score `frame` under each scenario (name -> overrides; None = the decision's own thresholds).

    Returns per-scenario counts (stars, status, escalation) and, against the first scenario, the
    dossiers whose stars, status or escalation change (a dossier rejected under one scenario only
    counts as a change too).
    """
    outcomes: dict[str, pd.DataFrame] = {}
    summary: dict[str, Any] = {}
    for name, overrides in scenarios.items():
        results, rejects = evaluate_batch(frame, overrides=overrides)
        outcomes[name] = results.set_index("dossier_id")
        summary[name] = {
            "overrides": dict(overrides or {}),
            "scored": len(results), "rejected": int(rejects["dossier_id"].nunique()) + int(rejects["dossier_id"].isna().sum()),
            "stars": {int(k): int(v) for k, v in results["stars"].value_counts().sort_index().items()},
            "status": {str(k): int(v) for k, v in results["status"].value_counts().sort_index().items()},
            "escalate_to": {str(k): int(v) for k, v in results["escalate_to"].fillna("none").value_counts().items()},
        }
    names = list(scenarios)
    base = outcomes[names[0]]
    changes = {}
    for name in names[1:]:
        other = outcomes[name]
        index = base.index.union(other.index)
        a = _outcome(base.reindex(index))
        b = _outcome(other.reindex(index))
        changed = (a != b).any(axis=1)
        before = base.reindex(index).loc[changed, OUTCOME].add_prefix(f"{names[0]}.")
        after = other.reindex(index).loc[changed, OUTCOME].add_prefix(f"{name}.")
        diff = pd.concat([before, after], axis=1).rename_axis("dossier_id").reset_index().astype(object)
        changes[name] = diff.where(diff.notna(), None).to_dict(orient="records")
    return {"scenarios": summary, "changes": changes}
