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
# Run before resolving an issue: random seeds, many more examples (pytest --hypothesis-profile=thorough,
# or HYPOTHESIS_PROFILE=thorough).
settings.register_profile(
    "thorough", derandomize=False, deadline=None, max_examples=1000, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(n: int) -> int:
    """`n` examples for a test that sets its own count (a slow property), ten times more under the
    thorough profile: a test's own `max_examples` overrides the profile's, so without this the
    thorough run would only change the seeds."""
    return n * 10 if settings().max_examples >= 1000 else n

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


import shutil  # noqa: E402

import pytest  # noqa: E402


def _required_in_ci(what: str, how: str) -> None:
    """Locally a missing server skips its tests; in CI (.ci/run provides it) that is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI: {how}")
    pytest.skip(f"{what} not available ({how})")


@pytest.fixture(scope="session")
def pg_url() -> str:
    """SQLAlchemy URL of a real PostgreSQL server (.ci/run starts a throwaway cluster)."""
    url = os.environ.get("OCOP_TEST_PG_URL")
    if not url:
        _required_in_ci("PostgreSQL", "set OCOP_TEST_PG_URL, as .ci/run does")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, driven by Playwright (no browser download: executable_path)."""
    path = os.environ.get("OCOP_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _required_in_ci("Chromium", "apt-get install -y chromium, as .ci/run does")
    return path
