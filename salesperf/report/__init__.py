"""The manager report: one static, self-contained HTML file of charts and tables from the published marts.

    from salesperf.report import build_report
    result = build_report(Path("warehouse/salesperf.duckdb"), Path("report.html"), period="2026-Q3")

No server and no network request: the data is embedded, Apache ECharts is inlined (vendored, pinned), a
client-side filter picks the period and region, and a button switches between Chinese and English. This
package reads only the published DuckDB file; it never imports the orchestration. docs/report.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from salesperf.report.labels import LABELS, resolve_locale, text
from salesperf.report.page import render
from salesperf.report.sections import all_sections, assemble
from salesperf.report.source import normalize_period, open_context, period_label_of

__all__ = ["ReportResult", "build_report"]


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    period: str
    locale: str
    blocks: tuple[str, ...]  # ids of the blocks drawn
    omitted: tuple[str, ...]  # one line per part left out (mart not published yet, or other columns)


def build_report(
    warehouse: Path, out: Path, *, period: str | None = None, locale: str | None = None, years: int = 2
) -> ReportResult:
    """Write the report of the published file `warehouse` to `out` (atomically: a temporary file renamed).

    period: the period the page opens on (`2026` or `2026-Q3`; default: the quarter holding the warehouse's
    as-of date). locale: `zh` or `en` (default SALESPERF_LOCALE, else zh). years: calendar years covered,
    up to the as-of year (widened to hold `period`).
    """
    started = time.perf_counter()
    locale = resolve_locale(locale)
    period = normalize_period(period) if period else None
    ctx = open_context(Path(warehouse), period=period, years=years)
    try:
        sections = all_sections()
        assembled = assemble(sections, ctx)
        chosen = period or period_label_of(ctx.as_of)
        page = render(ctx, sections, assembled, locale=locale, period=chosen)
    finally:
        ctx.con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    omitted = tuple(
        ", ".join(text(b, locale) if b in LABELS else b for b in o.blocks)
        + f" ({', '.join('marts.' + m for m in o.marts)}: "
        + ("not published yet)" if o.reason == "missing" else f"other columns than expected: {o.error})")
        for o in assembled.omitted
    )
    return ReportResult(
        path=out,
        bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        period=chosen,
        locale=locale,
        blocks=tuple(b.id for blocks in assembled.blocks.values() for b in blocks),
        omitted=omitted,
    )
