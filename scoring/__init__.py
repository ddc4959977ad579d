"""ocop-scoring: score Vietnamese OCOP products against the official star criteria.

The library is the product; the `ocop` command is a thin layer over it.
"""
from . import criteria
from .errors import (CriteriaInvalid, DossierInvalid, EngineError, FormUnavailable, Issue, OcopError,
                     ValidationFailed)

__version__ = "0.1.0"
__all__ = ["criteria", "CriteriaInvalid", "DossierInvalid", "EngineError", "FormUnavailable", "Issue",
           "OcopError", "ValidationFailed", "__version__"]
