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
