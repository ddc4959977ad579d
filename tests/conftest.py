"""Shared test setup: a deterministic Hypothesis profile (CI and local runs give the same examples)."""
from __future__ import annotations

import os
import warnings

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from scoring.criteria import PartialFormWarning  # noqa: E402

warnings.simplefilter("ignore", PartialFormWarning)


import contextlib  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator  # noqa: E402


@contextlib.contextmanager
def criteria_root(root: Path) -> Iterator[Path]:
    """Point the library at another criteria root (as a province's edited copy would) for a while."""
    old = os.environ.get("OCOP_CRITERIA_DIR")
    os.environ["OCOP_CRITERIA_DIR"] = str(root)
    try:
        yield root
    finally:
        if old is None:
            del os.environ["OCOP_CRITERIA_DIR"]
        else:
            os.environ["OCOP_CRITERIA_DIR"] = old
