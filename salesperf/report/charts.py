"""ECharts options built in Python: one generic builder per chart kind, no chart code per page.

A block of the report is a dataset (rows from the marts), the fields its table shows, the filters that apply
to it and, optionally, a chart. `option(block, locale)` turns the chart into an ECharts option that reads
the dataset through `encode`; the page's script only swaps in the rows the filters keep. Strings the
script completes at render time: `@fmt:<format>` (a formatter function) and `@categories` (the category
axis values of the filtered rows, in their order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from salesperf.report.labels import LABELS, text

Kind = Literal["bar", "hbar", "line", "pie", "funnel", "boxplot"]
# "localized": the dataset has one column per language, `<name>_zh` and `<name>_en`; the table shows the page's.
Format = Literal["text", "money", "pct", "signed_pct", "num", "int", "date", "enum", "score", "localized"]
PALETTE = ["#2f6fbf", "#e0812b", "#3a9a5b", "#c8453c", "#7b5cb8", "#8c6d46", "#d16fa6", "#6f7a86", "#b5b82f"]


@dataclass(frozen=True)
class Field:
    """A dataset column shown in the block's table (and tooltips): name, label key, display format."""

    name: str
    label: str
    fmt: Format = "text"


@dataclass(frozen=True)
class Chart:
    kind: Kind
    category: str  # the field on the category axis (pie / funnel: the slice name)
    values: tuple[str, ...]  # fields drawn as series (boxplot: low, q1, median, q3, high)
    fmt: Format = "money"  # value axis format
    stack: bool = False
    split_by: str | None = None  # one series per value of this field (e.g. region), from one dataset
    split_values: tuple[str, ...] = ()
    band: tuple[str, str, str] | None = None  # line: (lower, upper, upper - lower) fields, drawn as a band
    mark: float | None = None  # a reference line on the value axis (1.0 = 100 % attainment)
    category_fmt: Format = "text"
    height: int = 320


@dataclass(frozen=True)
class Filters:
    """Which dataset fields the page's period / region filters act on (None: the filter does not apply)."""

    period: str | None = None  # rows whose field equals the selected period (2025-Q3 or 2025)
    year: str | None = None  # rows whose field equals the selected period's year
    region: str | None = None
    region_scope: bool = False  # True: '' rows are the company, shown when no region is selected


@dataclass(frozen=True)
class Block:
    id: str
    title: str  # label key
    dataset: str
    fields: tuple[Field, ...]
    chart: Chart | None = None
    cards: bool = False  # a row of figure cards instead of a chart (the first row the filters keep)
    where: dict[str, Any] = field(default_factory=dict)  # fixed equality filters on the dataset
    filters: Filters = Filters()
    sort: tuple[str, Literal["asc", "desc"]] | None = None
    limit: int | None = None  # rows drawn in the chart (the table shows all)
    notes: tuple[str, ...] = ()  # label keys shown under the title
    # one table per value of group[0]: a heading row (these fields) before each group's rows, which the dataset
    # orders group by group
    group: tuple[Field, ...] = ()
    marts: tuple[str, ...] = ()  # marts the block reads (for the page's "source" line and the tests)


def _label(fields: tuple[Field, ...], name: str, locale: str) -> str:
    for f in fields:
        if f.name == name:
            return text(f.label, locale)
    return name


def _base(block: Block, locale: str) -> dict[str, Any]:
    return {
        "animation": False,  # deterministic drawing for screenshots and pixel checks
        "color": PALETTE,
        "textStyle": {"fontFamily": "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"},
        "dataset": [{"dimensions": [], "source": []}],
        "tooltip": {"trigger": "axis", "confine": True, "valueFormatter": f"@fmt:{block.chart.fmt}"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
    }


def _series_sources(block: Block, locale: str) -> list[tuple[str, int, str]]:
    """(series name, dataset index, value field) per series; split charts get one filtered dataset each."""
    chart = block.chart
    if chart.split_by:
        value = chart.values[0]
        names = [text("v_" + v, locale) if "v_" + v in LABELS else v for v in chart.split_values]
        return [(name, i + 1, value) for i, name in enumerate(names)]
    return [(_label(block.fields, v, locale), 0, v) for v in chart.values]


def _split_datasets(chart: Chart) -> list[dict[str, Any]]:
    return [
        {"transform": {"type": "filter", "config": {"dimension": chart.split_by, "=": v}}} for v in chart.split_values
    ]


def _cartesian(block: Block, locale: str) -> dict[str, Any]:
    chart = block.chart
    horizontal = chart.kind == "hbar"
    option = _base(block, locale)
    option["dataset"] += _split_datasets(chart) if chart.split_by else []
    category_axis = {
        "type": "category",
        "data": "@categories",
        "axisLabel": {"interval": 0, "formatter": f"@fmt:{chart.category_fmt}", "hideOverlap": False},
        "axisTick": {"alignWithLabel": True},
    }
    if not horizontal:
        category_axis["axisLabel"]["rotate"] = 30 if chart.kind != "line" else 0
    value_axis = {"type": "value", "axisLabel": {"formatter": f"@fmt:{chart.fmt}_axis"}, "scale": False}
    if horizontal:
        category_axis["inverse"] = True  # the first row at the top, as in the table below
        option["xAxis"], option["yAxis"] = value_axis, category_axis
    else:
        option["xAxis"], option["yAxis"] = category_axis, value_axis
    option["tooltip"]["axisPointer"] = {"type": "shadow" if chart.kind != "line" else "line"}
    x, y = ("y", "x") if horizontal else ("x", "y")
    series = []
    for name, index, value in _series_sources(block, locale):
        one: dict[str, Any] = {
            "type": "line" if chart.kind == "line" else "bar",
            "name": name,
            "datasetIndex": index,
            "encode": {x: chart.category, y: value, "tooltip": [value]},
        }
        if chart.stack:
            one["stack"] = "total"
        if chart.kind == "line":
            one.update({"symbolSize": 5, "connectNulls": False})
        series.append(one)
    if chart.kind == "line" and chart.band:
        lower, _upper, width = chart.band
        band_name, band_color = text("forecast_band", locale), "rgba(224,129,43,0.35)"
        series += [
            {
                "type": "line",
                "id": "_band_base",
                "name": band_name,
                "encode": {x: chart.category, y: lower, "tooltip": []},
                "stack": "_band",
                "lineStyle": {"opacity": 0},
                "itemStyle": {"color": band_color},
                "symbol": "none",
                "silent": True,
            },
            {
                "type": "line",
                "id": "_band_width",
                "name": band_name,
                "encode": {x: chart.category, y: width, "tooltip": []},
                "stack": "_band",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"color": band_color},
                "itemStyle": {"color": band_color},
                "symbol": "none",
                "silent": True,
            },
        ]
    if chart.mark is not None and series:
        series[0]["markLine"] = {
            "silent": True,
            "symbol": "none",
            "label": {"formatter": f"@fmt:{chart.fmt}", "position": "insideEndTop"},
            "lineStyle": {"type": "dashed", "color": "#444"},
            "data": [{"xAxis" if horizontal else "yAxis": chart.mark}],
        }
    option["series"] = series
    return option


def _radial(block: Block, locale: str) -> dict[str, Any]:
    chart = block.chart
    option = _base(block, locale)
    option["tooltip"] = {"trigger": "item", "confine": True, "valueFormatter": f"@fmt:{chart.fmt}"}
    value = chart.values[0]
    one: dict[str, Any] = {
        "type": chart.kind,
        "name": _label(block.fields, value, locale),
        "encode": {"itemName": chart.category, "value": value, "tooltip": [value]},
        "label": {"formatter": "{b}: {d}%" if chart.kind == "pie" else "{b}"},
    }
    if chart.kind == "pie":
        one.update({"radius": ["30%", "65%"], "center": ["50%", "55%"]})
    else:
        one.update({"sort": "none", "top": 40, "bottom": 10, "left": "10%", "width": "80%"})
    option["series"] = [one]
    return option


def _boxplot(block: Block, locale: str) -> dict[str, Any]:
    chart = block.chart
    option = _base(block, locale)
    option["tooltip"] = {"trigger": "item", "confine": True, "valueFormatter": f"@fmt:{chart.fmt}"}
    option["xAxis"] = {
        "type": "category",
        "data": "@categories",
        "axisLabel": {"interval": 0, "rotate": 30, "formatter": f"@fmt:{chart.category_fmt}"},
    }
    option["yAxis"] = {"type": "value", "axisLabel": {"formatter": f"@fmt:{chart.fmt}_axis"}}
    series: dict[str, Any] = {
        "type": "boxplot",
        "name": " / ".join(_label(block.fields, v, locale) for v in chart.values),
        "encode": {"x": chart.category, "y": list(chart.values), "tooltip": list(chart.values)},
    }
    if chart.mark is not None:
        series["markLine"] = {
            "silent": True,
            "symbol": "none",
            "label": {"formatter": f"@fmt:{chart.fmt}", "position": "insideEndTop"},
            "lineStyle": {"type": "dashed", "color": "#444"},
            "data": [{"yAxis": chart.mark}],
        }
    option["series"] = [series]
    return option


BUILDERS = {
    "bar": _cartesian,
    "hbar": _cartesian,
    "line": _cartesian,
    "pie": _radial,
    "funnel": _radial,
    "boxplot": _boxplot,
}


def option(block: Block, locale: str) -> dict[str, Any] | None:
    """The ECharts option of `block` in `locale`, or None for a block without a chart."""
    if block.chart is None:
        return None
    return BUILDERS[block.chart.kind](block, locale)
