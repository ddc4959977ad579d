"""The one door to the kernel for this layer: dossiers are scored by `scoring.evaluate`, with only
the fields the kernel's dossier schema knows (fields a newer dossier carries, such as `kind` or
`previous_certificate`, stay in the layer's copy and its documents, and reach the kernel as soon as
its schema accepts them)."""
from __future__ import annotations

from functools import cache
from typing import Any, Mapping

from ..evaluate import evaluate
from ..result import Result
from ..schemas import validator


@cache
def kernel_fields() -> frozenset[str]:
    return frozenset(validator("dossier").schema.get("properties", {}))


def kernel_view(dossier: Mapping[str, Any]) -> dict[str, Any]:
    keep = kernel_fields()
    return {k: v for k, v in dossier.items() if k in keep}


def score(dossier: Mapping[str, Any], *, file: str | None = None) -> Result:
    """The kernel's Result for a dossier (raises the kernel's DossierInvalid)."""
    from ..dossier import parse_dossier

    return evaluate(parse_dossier(kernel_view(dossier), file=file))
