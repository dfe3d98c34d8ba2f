"""Which column a file's header names: canonical names and Chinese aliases (entities.py), and the month columns of a
wide target export.

Headers match after `normalise_header` (NFKC, case-folded, spaces and hyphens as `_`); a header spelled as the
canonical name wins over an alias. `header_scorer` lets readers.find_header pick the header row below titles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ingestion.entities import ENTITIES, Entity


def normalise_header(header: str) -> str:
    """Canonical form for matching: NFKC (full-width letters, digits, parentheses and the ideographic
    space become ASCII), BOM removed, trimmed, case-folded, runs of spaces/hyphens -> `_`."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


def _alias_index(entity: Entity) -> dict[str, str]:
    """normalised header -> canonical column; raises on an alias claimed by two columns."""
    index: dict[str, str] = {}
    for col in entity.columns:
        for label in (col.name, *col.aliases):
            key = normalise_header(label)
            if index.setdefault(key, col.name) != col.name:
                raise ValueError(f"{entity.name}: header {label!r} means both {index[key]} and {col.name}")
    return index


ALIAS_INDEX: dict[str, dict[str, str]] = {name: _alias_index(e) for name, e in ENTITIES.items()}


def map_headers(entity: Entity, headers: list[str]) -> dict[str, str]:
    """canonical column -> the file header that holds it. A header spelled as the canonical name wins over
    an alias; otherwise the leftmost match wins. Unknown headers are left out (kept only in raw JSON)."""
    index = ALIAS_INDEX[entity.name]
    mapping: dict[str, str] = {}
    for exact in (True, False):
        for header in headers:
            key = normalise_header(header)
            col = index.get(key)
            if col and col not in mapping and (key == col) == exact:
                mapping[col] = header
    return mapping


def header_scorer(entity: Entity) -> Callable[[list[str]], float]:
    """readers.stage_file's header_score for this entity: how many distinct columns a candidate row's cells
    name (canonical names and aliases; for targets also month columns of the wide layout). A title row,
    an export-date line or a data row names none, so the header is found below any of them."""
    index = ALIAS_INDEX[entity.name]

    def score(cells: list[str]) -> float:
        named = {index[key] for cell in cells if (key := normalise_header(cell)) in index}
        months = {m for cell in cells if (m := month_of_header(cell))} if entity.name == "targets" else set()
        return float(len(named) + len(months))

    return score


def missing_columns_message(entity: Entity, headers: list[str], missing: list[str]) -> str:
    expected = ", ".join(c.name + ("*" if c.required else "") for c in entity.columns)
    return (
        f"missing required column(s) {', '.join(missing)}; expected columns {expected} (* = required; "
        f"Chinese labels accepted), found {', '.join(headers) or 'none'}"
    )


_CN_MONTHS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


YEAR_HEADERS = {"年度", "年份", "年", "year", "fiscal_year", "财年"}


def month_of_header(header: str) -> int | None:
    """1..12 for a month column header (一月, 1月, 01月, Jan, January, M1), else None."""
    key = normalise_header(header)
    for n in range(1, 13):
        english = _EN_MONTHS[n - 1]
        if key in (f"{_CN_MONTHS[n - 1]}月", f"{n}月", f"{n:02d}月", f"m{n}", f"m{n:02d}", english, english[:3]):
            return n
    return None
