"""The HTML page: a skeleton of sections and blocks (in the default language), the payload (labels,
datasets, blocks with their ECharts options in both languages), ECharts and the generic runtime inlined."""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import asdict
from string import Template
from typing import Any

from salesperf.report import charts
from salesperf.report.assets import ECHARTS_VERSION, echarts_js, template
from salesperf.report.charts import Block
from salesperf.report.labels import LOCALES, label_table, text
from salesperf.report.sections import Assembled, Section
from salesperf.report.source import Context

WIDE_KINDS = {"line", "hbar"}


def periods(ctx: Context) -> list[str]:
    """The page's periods, newest first: each covered year's quarters, then the year."""
    out: list[str] = []
    for year in range(ctx.last_year, ctx.first_year - 1, -1):
        out += [f"{year}-Q{q}" for q in (4, 3, 2, 1)] + [str(year)]
    return out


def regions(ctx: Context) -> list[str]:
    rows = ctx.con.execute("select distinct region from marts.dim_rep where region is not null order by 1").fetchall()
    return [r[0] for r in rows]


def block_payload(block: Block) -> dict[str, Any]:
    return {
        "id": block.id,
        "title": block.title,
        "dataset": block.dataset,
        "fields": [asdict(f) for f in block.fields],
        "chart": asdict(block.chart) if block.chart else None,
        "cards": block.cards,
        "where": block.where,
        "filters": asdict(block.filters),
        "sort": list(block.sort) if block.sort else None,
        "limit": block.limit,
        "group": [asdict(f) for f in block.group],
        "marts": list(block.marts),
        "options": {loc: charts.option(block, loc) for loc in LOCALES} if block.chart else None,
    }


def _json_for_script(payload: Any) -> str:
    """JSON safe inside <script>: no `</script>`, no `<!--` (every `<` escaped)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def _l(key: str, locale: str, tag: str = "span", attrs: str = "", **vars: str) -> str:
    """An element whose text comes from the label table (and is switched with the language)."""
    s = text(key, locale)
    for k, v in vars.items():
        s = s.replace("{" + k + "}", v)
    lv = f" data-lv='{html.escape(json.dumps(vars, ensure_ascii=False))}'" if vars else ""
    return f'<{tag}{attrs} data-l="{key}"{lv}>{html.escape(s)}</{tag}>'


def _block_html(block: Block, locale: str) -> str:
    wide = block.cards or (block.chart and block.chart.kind in WIDE_KINDS) or (not block.chart)
    parts = [f'<div class="block{" wide" if wide else ""}" id="blk-{block.id}" data-marts="{",".join(block.marts)}">']
    parts.append(_l(block.title, locale, "h3"))
    parts += [_l(n, locale, "p", ' class="notes"') for n in block.notes]
    if block.cards:
        parts.append('<dl class="cards"></dl>')
    elif block.chart:
        title = html.escape(text(block.title, locale))
        parts.append(f'<div class="chart" role="img" aria-label="{title}"></div><p class="limit-note"></p>')
    parts.append(_l("no_data", locale, "p", ' class="empty" hidden'))
    table = '<div class="table-wrap"><table><caption></caption><thead></thead><tbody></tbody></table></div>'
    if block.chart or block.cards:  # the numbers behind a chart, one click away (and read by screen readers)
        parts.append(
            f"<details{' open' if not block.cards else ''}>{_l('table_of', locale, 'summary')}{table}</details>"
        )
    else:
        parts.append(table)
    parts.append('<p class="table-note"></p></div>')
    return "".join(parts)


def _omitted_html(assembled: Assembled, sections: tuple[Section, ...], locale: str) -> str:
    if not assembled.omitted:
        return ""
    titles = {s.id: s.title for s in sections}
    items = []
    for o in assembled.omitted:
        marts = ", ".join(f"marts.{m}" for m in o.marts)
        what = " / ".join(text(b, locale) if b.startswith("blk_") else b for b in o.blocks)
        key = "omitted_missing" if o.reason == "missing" else "omitted_error"
        items.append(
            f"<li>{_l(titles[o.section], locale)} · {html.escape(what)}: "
            f"{_l(key, locale, marts=marts, error=o.error)}</li>"
        )
    return (
        '<section class="report-section" id="omitted">'
        + _l("omitted_title", locale, "h2")
        + "<ul>"
        + "".join(items)
        + "</ul></section>"
    )


def render(ctx: Context, sections: tuple[Section, ...], assembled: Assembled, *, locale: str, period: str) -> str:
    shown = [s for s in sections if assembled.blocks.get(s.id)]
    blocks = [b for s in shown for b in assembled.blocks[s.id]]
    payload = {
        "meta": {
            "as_of": ctx.as_of.isoformat(),
            "published_at": ctx.published_at,
            "source": ctx.path.name,
            "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
            "echarts_version": ECHARTS_VERSION,
            "default_period": period,
            "periods": periods(ctx),
            "regions": regions(ctx),
            "locale": locale,
        },
        "labels": label_table(),
        "datasets": {k: {"columns": t.columns, "rows": t.rows} for k, t in assembled.datasets.items()},
        "blocks": [block_payload(b) for b in blocks],
    }
    section_html = "\n".join(
        f'<section class="report-section" id="sec-{s.id}">{_l(s.title, locale, "h2")}<div class="blocks">'
        + "".join(_block_html(b, locale) for b in assembled.blocks[s.id])
        + "</div></section>"
        for s in shown
    )
    nav = "".join(f'<a href="#sec-{s.id}">{_l(s.title, locale)}</a>' for s in shown)
    footer_vars = {"version": ECHARTS_VERSION}
    return Template(template("report.html")).substitute(
        html_lang="zh-CN" if locale == "zh" else "en",
        title=html.escape(text("report_title", locale)),
        as_of_label=html.escape(text("as_of", locale)),
        as_of=ctx.as_of.isoformat(),
        published_label=html.escape(text("published_at", locale)),
        published_at=html.escape(str(ctx.published_at or "–")),
        source_label=html.escape(text("source_file", locale)),
        source=html.escape(ctx.path.name),
        period_label=html.escape(text("filter_period", locale)),
        region_label=html.escape(text("filter_region", locale)),
        language=html.escape(text("language", locale)),
        noscript=html.escape(text("noscript", locale)),
        nav=nav,
        sections=section_html + _omitted_html(assembled, sections, locale),
        footer=html.escape(text("footer", locale).replace("{version}", ECHARTS_VERSION)),
        footer_vars=html.escape(json.dumps(footer_vars)),
        payload=_json_for_script(payload),
        css=template("report.css"),
        echarts=echarts_js(),
        runtime=template("report.js"),
    )
