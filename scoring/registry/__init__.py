"""The registry: the OCOP programme's memory (design.md §7), on SQLite by default and PostgreSQL.

    >>> from scoring.registry import Registry
    >>> reg = Registry("sqlite:///ocop.db"); reg.init()
    >>> reg.import_file("fixtures/cohort/cohort.csv", actor="cli:me")

See docs/REGISTRY.md for the API, the transaction rule and our readings of the decisions.
"""
from .api import ISSUERS, Registry, Transaction, cli_actor
from .errors import RegistryError
from .importer import ImportReport

__all__ = ["ISSUERS", "ImportReport", "Registry", "RegistryError", "Transaction", "cli_actor"]
