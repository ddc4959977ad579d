"""ocop-scoring: score Vietnamese OCOP products against the official star criteria.

The library is the product; the `ocop` command is a thin layer over it.
"""
from . import criteria
from .errors import (CriteriaInvalid, DossierInvalid, EngineError, FormUnavailable, Issue, OcopError,
                     ValidationFailed)
# `scoring.evaluate` is the function (issue contract), not the submodule of the same name: importing it
# here, after the submodule has loaded, binds the package attribute to the function for good.
from .evaluate import evaluate

__version__ = "0.1.0"
__all__ = ["criteria", "evaluate", "CriteriaInvalid", "DossierInvalid", "EngineError", "FormUnavailable", "Issue",
           "OcopError", "ValidationFailed", "__version__", "evaluate_batch", "read_table", "write_table"]

_BATCH = {"evaluate_batch", "read_table", "write_table"}


def __getattr__(name: str):
    """`scoring.evaluate_batch` and the table readers, imported on first use: the batch needs pandas,
    which `import scoring` (and `ocop score`) should not pay for."""
    if name in _BATCH:
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'scoring' has no attribute {name!r}")
