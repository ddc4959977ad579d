"""Batch scoring of whole cohorts (vectorized), council tables in and out."""
from .frame import dossier_dicts, to_wide
from .tables import read_table, write_table
from .vector import RESULT_COLUMNS, TIE_BREAK, evaluate_batch

__all__ = ["RESULT_COLUMNS", "TIE_BREAK", "dossier_dicts", "evaluate_batch", "read_table", "to_wide", "write_table"]
