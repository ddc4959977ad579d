"""Criteria packs: the official OCOP forms as validated, versioned, immutable data.

    >>> from scoring import criteria
    >>> cs = criteria.in_force("2026-06-01")      # QĐ 26/2026
    >>> form = cs.form("rau-cu-qua-hat-tuoi")
    >>> form.leaf("2.2").star_minimum(3)
"""
from .loader import (PartialFormWarning, available_sets, get_form, in_force, load_all, load_set, load_set_from,
                     printed_numbers, validate_path)
from .model import Band, CriteriaSet, Form, Gate, Node, Option, Part, Period
from .process import Fact, ProcessFacts, RevocationGround, RoundDeadline

__all__ = [
    "Band", "CriteriaSet", "Fact", "Form", "Gate", "Node", "Option", "Part", "Period", "PartialFormWarning",
    "ProcessFacts", "RevocationGround", "RoundDeadline",
    "available_sets", "get_form", "in_force", "load_all", "load_set", "load_set_from", "printed_numbers",
    "validate_path",
]
