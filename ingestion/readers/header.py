"""Finding the header row below titles and export-date lines (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ingestion.sql_macros import WHITESPACE

HEADER_SEARCH_ROWS = 20  # non-blank rows at the top of a file or sheet searched for the header
# Scores a candidate header row (its non-empty cells, trimmed); higher is more header-like, 0 = not one.
HeaderScore = Callable[[list[str]], float]


class HeaderSpec:
    """How to find the header: a given row number, or detection with an optional score."""

    def __init__(self, row: int | None, score: HeaderScore | None) -> None:
        self.row, self.score = row, score


def filled_cells(cells: Sequence[str | None]) -> list[str]:
    return [t for c in cells if c is not None and (t := c.strip(WHITESPACE))]


def find_header(rows: Sequence[Sequence[str | None]], score: HeaderScore | None = None) -> int | None:
    """Index in `rows` (the top of a file or sheet) of the header row; None when every row is blank.

    With `score`, the first row with the best positive score wins. Otherwise (or when nothing scores) the
    first row with at least 2 distinct non-empty cells and at least half as many non-empty cells as the
    widest row: a title (销售订单明细表), an export-date line or a banner merged across the sheet has one
    distinct value, a key/value line (导出人：张三) is narrower than the table. A one-column file's header is
    its first non-blank row."""
    cells = [filled_cells(r) for r in rows]
    candidates = [i for i, c in enumerate(cells) if c][:HEADER_SEARCH_ROWS]
    if not candidates:
        return None
    if score is not None:
        scores = [score(cells[i]) for i in candidates]
        best = max(scores)
        if best > 0:
            return candidates[scores.index(best)]
    widest = max(len(cells[i]) for i in candidates)
    if max(len(set(cells[i])) for i in candidates) < 2:
        return candidates[0]
    need = max(2, (widest + 1) // 2)
    return next((i for i in candidates if len(set(cells[i])) >= 2 and len(cells[i]) >= need), candidates[0])
