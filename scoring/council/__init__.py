"""Council sessions (design.md §7): per-member scoring sheets out and back, the divergence rule,
quorum, and the session's documents. Every score is a kernel Result; this layer adds none."""
from .read import ReadOutcome, read_sheets
from .sheets import make_sheets

__all__ = ["ReadOutcome", "make_sheets", "read_sheets"]
