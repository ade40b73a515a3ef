"""Exit statuses of the ``selfeval`` commands, in one place."""
from __future__ import annotations

from collections.abc import Iterable

OK = 0             # every document succeeded
FAILED = 1         # at least one document failed (bad input, unreadable, storage error)
USAGE = 2          # bad command line (typer/click's own code)
NEEDS_REVIEW = 3   # nothing failed, but at least one document needs review


def for_statuses(statuses: Iterable[str]) -> int:
    statuses = set(statuses)
    if "failed" in statuses:
        return FAILED
    if "needs_review" in statuses:
        return NEEDS_REVIEW
    return OK
