"""The manager report in a real browser: Debian's /usr/bin/chromium (`make browser-deps`, never a browser
download) driven by Playwright, on the report of the shared generated company (conftest `company`).

What is checked: every dataset the page embeds equals a fresh query of its marts (test_report_data.py), every
chart draws exactly the rows its filters keep, its category axis shows the marts' keys, its canvas is not
blank, Chinese glyphs render with a CJK font, the page makes no network request and logs no console error
under every period x region and both languages, and each section is photographed into docs/images/.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import duckdb
import pytest

from salesperf.report import build_report
from tests.report_fresh import expected_datasets

CHROMIUM = Path("/usr/bin/chromium")
# /work/.library/env/machines/python.md: without the background-networking flags Chromium tries to reach
# Google's hosts at every start. headless=True adds --headless; a new empty --user-data-dir per run.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots (docs/images) are rewritten only by `make screenshots`, which sets SALESPERF_SCREENSHOTS,
# so that a test run leaves the checkout clean; otherwise they go to a temporary folder and are checked the same way.
PALETTE0 = (0x2F, 0x6F, 0xBF)  # charts.PALETTE[0]: the first series of every chart

# The ECharts model of a chart: per series its name, the category (or slice) names and every dimension's
# values as drawn; per category axis the ordinal categories and the labels actually laid out.
DRAWN_JS = """
(id) => {
  const chart = window.salesperfReport.charts[id];
  if (!chart) return null;
  const model = chart.getModel(), series = [], axes = [];
  model.eachSeries(s => {
    if (String(s.id).indexOf('_band') >= 0) return;
    const d = s.getData(), names = [], values = {};
    d.dimensions.forEach(dim => { values[dim] = []; });
    for (let i = 0; i < d.count(); i++) {
      names.push(d.getName(i));
      d.dimensions.forEach(dim => values[dim].push(d.get(dim, i)));
    }
    series.push({name: s.name, type: s.subType, names: names, values: values});
  });
  ['xAxis', 'yAxis'].forEach(kind => {
    const c = model.getComponent(kind, 0);
    if (c && c.axis.type === 'category') {
      axes.push({kind: kind, categories: c.axis.scale.getOrdinalMeta().categories.slice(),
                 labels: c.axis.getViewLabels().map(l => l.formattedLabel)});
    }
  });
  return {series: series, axes: axes};
}
"""

# Share of the canvas that is not background, and pixels in the first series' colour.
PIXELS_JS = """
([id, rgb]) => {
  const canvas = window.salesperfReport.charts[id].getDom().querySelector('canvas');
  const copy = document.createElement('canvas');  // read a copy: no readback on the page's own canvas
  copy.width = canvas.width; copy.height = canvas.height;
  const g = copy.getContext('2d', {willReadFrequently: true});
  g.drawImage(canvas, 0, 0);
  const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0, series = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] > 0 && !(px[i] > 235 && px[i + 1] > 235 && px[i + 2] > 235)) ink++;
    if (px[i + 3] > 200 && Math.abs(px[i] - rgb[0]) < 24 && Math.abs(px[i + 1] - rgb[1]) < 24
        && Math.abs(px[i + 2] - rgb[2]) < 24) series++;
  }
  return {ink: ink / (canvas.width * canvas.height), series: series};
}
"""

# Each CJK character drawn alone in the charts' font: with a CJK font every glyph differs; without one they
# all become the same .notdef box (tofu), identical to an unassigned code point's.
GLYPHS_JS = """
(chars) => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d', {willReadFrequently: true});
  const font = "48px 'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";
  const draw = ch => {
    g.clearRect(0, 0, 64, 64); g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top'; g.fillText(ch, 4, 4);
    const a = g.getImageData(0, 0, 64, 64).data; let s = '', ink = 0;
    for (let i = 3; i < a.length; i += 4) { s += a[i] > 127 ? '1' : '0'; if (a[i] > 127) ink++; }
    return {bits: s, ink: ink};
  };
  g.font = font;
  return {glyphs: chars.map(draw), tofu: draw('\\u0378'), width: g.measureText(chars.join('')).width};
}
"""


@pytest.fixture(scope="module")
def published(company) -> Path:
    return company[0].warehouse


@pytest.fixture(scope="module")
def report(published, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = build_report(published, out, locale="zh")
    return result


class Browser:
    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.requests: list[str] = []
        self.problems: list[str] = []

    def set(self, **state) -> None:
        self.page.evaluate("(s) => window.salesperfReport.set(s)", state)

    def blocks(self) -> list[dict]:
        return self.page.evaluate("window.salesperfReport.report.blocks")

    def report(self) -> dict:
        return self.page.evaluate("window.salesperfReport.report")


@pytest.fixture(scope="module")
def browser(report, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make browser-deps` (Debian chromium + fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    url = report.path.resolve().as_uri()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1360, "height": 900},
            device_scale_factor=1,
            locale="zh-CN",
        )
        page = context.new_page()
        b = Browser(page, url)
        context.on("request", lambda r: b.requests.append(r.url))
        page.on("console", lambda m: m.type in ("error", "warning") and b.problems.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: b.problems.append(f"pageerror: {e}"))
        page.goto(url)
        page.wait_for_function("window.salesperfReport && Object.keys(window.salesperfReport.charts).length > 0")
        yield b
        context.close()


def _clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def kept_rows(report: dict, block: dict, period: str, region: str) -> list[dict]:
    """The rows a block shows, by the page's rules restated here: fixed filters, period / year / region,
    sort with nulls last, then the chart's limit (applied by the caller)."""
    ds = report["datasets"][block["dataset"]]
    rows = [dict(zip(ds["columns"], r, strict=True)) for r in ds["rows"]]
    f = block["filters"]
    rows = [r for r in rows if all(r[k] == v for k, v in block["where"].items())]
    if f["period"]:
        rows = [r for r in rows if r[f["period"]] == period]
    if f["year"]:
        rows = [r for r in rows if str(r[f["year"]]) == period[:4]]
    if f["region"] and (f["region_scope"] or region):  # scope: '' rows are the company, shown with no region
        rows = [r for r in rows if r[f["region"]] == region]
    if block["sort"]:
        field, direction = block["sort"]
        present = sorted((r for r in rows if r[field] is not None), key=lambda r: r[field], reverse=direction == "desc")
        rows = present + [r for r in rows if r[field] is None]
    return rows


def chart_blocks(b: Browser) -> list[dict]:
    return [blk for blk in b.blocks() if blk["chart"]]


def _approx_list(values):
    return [pytest.approx(v, rel=1e-9, abs=1e-9) if isinstance(v, float) else v for v in values]


def expected_series(chart: dict, rows: list[dict]) -> list[tuple[list[dict], list[str]]]:
    """(rows, value fields) per series, in series order."""
    if chart["split_by"]:
        return [([r for r in rows if r[chart["split_by"]] == v], chart["values"][:1]) for v in chart["split_values"]]
    if chart["kind"] in ("boxplot", "pie", "funnel"):
        return [(rows, list(chart["values"]))]
    return [(rows, [v]) for v in chart["values"]]


def check_drawn(b: Browser, period: str, region: str) -> int:
    """Every chart draws exactly the rows its filters keep (names and values), and its category axis
    labels every key; returns the number of charts checked."""
    report, checked = b.report(), 0
    for block in chart_blocks(b):
        chart = block["chart"]
        rows = kept_rows(report, block, period, region)
        rows = rows[: block["limit"]] if block["limit"] else rows
        drawn = b.page.evaluate(DRAWN_JS, block["id"])
        if not rows:
            assert drawn is None, f"{block['id']}: drawn without rows"
            continue
        checked += 1
        expected = expected_series(chart, rows)
        assert len(drawn["series"]) == len(expected), block["id"]
        for (group, fields), series in zip(expected, drawn["series"], strict=True):
            where = (block["id"], series["name"], period, region)
            assert series["names"] == [str(r[chart["category"]]) for r in group], where
            for field in fields:
                got = [_clean(v) for v in series["values"][field]]
                assert got == _approx_list([r[field] for r in group]), (*where, field)
        for axis in drawn["axes"]:
            categories = list(dict.fromkeys(str(r[chart["category"]]) for r in rows))
            assert axis["categories"] == categories, block["id"]
            assert len(axis["labels"]) == len(categories), f"{block['id']}: a category without its label"
            if chart["category_fmt"] == "text":
                assert axis["labels"] == categories, block["id"]
    return checked


def test_embedded_data_equals_fresh_queries_of_the_marts(browser, published):
    report = browser.report()
    con = duckdb.connect(str(published), read_only=True)
    try:
        expected = expected_datasets(con)
    finally:
        con.close()
    assert set(expected) == set(report["datasets"]), "every dataset the page embeds has a fresh query here"
    for name, (key_fields, rows) in expected.items():
        ds = report["datasets"][name]
        embedded = {
            tuple(r[ds["columns"].index(k)] for k in key_fields): dict(zip(ds["columns"], r, strict=True))
            for r in ds["rows"]
        }
        assert len(embedded) == len(ds["rows"]), f"{name}: key {key_fields} is not unique"
        assert set(embedded) == set(rows), f"{name}: rows differ"
        for key, want in rows.items():
            got = {k: embedded[key][k] for k in want}
            assert got == {k: pytest.approx(v, abs=1e-6) if isinstance(v, float) else v for k, v in want.items()}, (
                name,
                key,
            )


def test_charts_draw_the_filtered_rows_and_the_marts_keys(browser):
    meta = browser.report()["meta"]
    states = [(meta["default_period"], ""), (meta["default_period"], meta["regions"][0]), (meta["periods"][4], "")]
    states.append((meta["periods"][5], meta["regions"][-1]))  # a closed quarter of the as-of year
    checked = 0
    for period, region in states:
        browser.set(period=period, region=region)
        checked += check_drawn(browser, period, region)
    browser.set(period=meta["default_period"], region="")
    assert checked >= 4 * 12, "most charts have data in every state"


def test_every_chart_draws_on_its_canvas(browser):
    for locale in ("zh", "en"):
        browser.set(locale=locale)
        for block in chart_blocks(browser):
            if not browser.page.evaluate(f"!!window.salesperfReport.charts[{block['id']!r}]"):
                continue
            pixels = browser.page.evaluate(PIXELS_JS, [block["id"], list(PALETTE0)])
            assert pixels["ink"] > 0.01, f"{block['id']} ({locale}): canvas nearly blank {pixels}"
            assert pixels["series"] > 150, f"{block['id']} ({locale}): first series not drawn {pixels}"
    browser.set(locale="zh")


def test_chinese_glyphs_render_with_a_cjk_font(browser):
    chars = list("销售区域达成")
    result = browser.page.evaluate(GLYPHS_JS, chars)
    bitmaps = [g["bits"] for g in result["glyphs"]]
    assert all(g["ink"] > 100 for g in result["glyphs"]), "a CJK glyph drew nothing"
    assert len(set(bitmaps)) == len(chars), "distinct characters drew the same shape (tofu)"
    assert result["tofu"]["bits"] not in bitmaps, "a CJK character drew the missing-glyph box"
    # CJK glyphs are full-width: six characters at 48 px advance 6 em = 288 px
    assert result["width"] == pytest.approx(48 * len(chars), abs=2)
    cdp = browser.page.context.new_cdp_session(browser.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    title = browser.page.inner_text("h1")
    cjk = [f for f in fonts if "CJK" in f["familyName"]]
    assert cjk and sum(f["glyphCount"] for f in cjk) == len(title), (title, fonts)


def test_language_switch_and_region_filter(browser, published):
    page = browser.page
    meta = browser.report()["meta"]
    page.click("#switch-locale")
    assert page.inner_text("h1") == "Sales performance report"
    assert page.evaluate("document.documentElement.lang") == "en"
    legend = page.evaluate("window.salesperfReport.charts.region_att.getOption().series.map(s => s.name)")
    assert legend == ["Attainment", "Projected attainment (run rate)"]
    page.click("#switch-locale")
    assert page.inner_text("h1") == "销售业绩经营报告"
    region = meta["regions"][1]
    page.select_option("#filter-region", region)
    con = duckdb.connect(str(published), read_only=True)
    try:
        actual = con.execute(
            "select actual_amount from marts.fct_attainment where level = 'region' and key = ? and period_label = ?",
            [region, meta["default_period"]],
        ).fetchone()[0]
        reps = {r[0] for r in con.execute("select rep_id from marts.dim_rep where region = ?", [region]).fetchall()}
    finally:
        con.close()
    card = page.inner_text("#blk-kpi_period dd[data-field=actual]")
    assert card == f"¥{actual:,.2f}"  # the company cards now describe the region
    drawn = page.evaluate(DRAWN_JS, "rep_att")
    assert drawn["series"][0]["names"] and {n.split(" ")[-1] for n in drawn["series"][0]["names"]} <= reps
    page.select_option("#filter-region", "")


def test_alert_digest_is_one_table_per_manager_by_money_filtered_by_region(browser, published):
    """The digest block: a heading row per manager then their alerts by rank, the reason in the page's language;
    with a region selected, only the managers of that region (dim_rep.region)."""
    page = browser.page
    meta = browser.report()["meta"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        digest = con.execute("""
            select d.manager_name, d.digest_rank, d.reason_zh, d.reason_en, coalesce(m.region, '')
            from marts.fct_risk_alert_digest d left join marts.dim_rep m on m.rep_id = d.manager_id
            order by d.manager_id is null, d.manager_money_at_risk desc, d.manager_id, d.digest_rank""").fetchall()
    finally:
        con.close()
    assert digest, "the demo company has open alerts"
    for locale, reason in (("zh", 2), ("en", 3)):
        for region in ("", meta["regions"][0]):
            browser.set(period=meta["default_period"], region=region, locale=locale)
            want = [r for r in digest if not region or r[4] == region]
            rows = page.evaluate("""() => Array.from(document.querySelectorAll('#blk-alert_digest tbody tr'))
                .map(tr => tr.className === 'group' ? ['group', tr.innerText]
                                                    : ['row', tr.cells[0].innerText, tr.cells[5].innerText])""")
            managers = list(dict.fromkeys(r[0] for r in want))
            headings = [r[1] for r in rows if r[0] == "group"]
            assert [h.split(" · ")[0] for h in headings] == managers, (locale, region)
            assert [(int(r[1]), r[2]) for r in rows if r[0] == "row"] == [(r[1], r[reason]) for r in want]
    browser.set(period=meta["default_period"], region="", locale="zh")


def test_no_network_request_and_no_console_error_under_every_filter(browser):
    meta = browser.report()["meta"]
    for period in meta["periods"]:
        for region in ["", *meta["regions"]]:
            browser.set(period=period, region=region, locale="zh")
        browser.set(period=period, region=meta["regions"][0], locale="en")
    browser.set(period=meta["default_period"], region="", locale="zh")
    assert browser.requests == [browser.url], "the page fetched something"
    assert browser.problems == []


def test_screenshot_of_each_section(browser, tmp_path):
    page = browser.page
    folder = os.environ.get("SALESPERF_SCREENSHOTS")
    images = Path(folder).resolve() if folder else tmp_path
    images.mkdir(parents=True, exist_ok=True)
    page.add_style_tag(content="header { position: static !important; } .table-wrap { max-height: 260px; }")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
    page.evaluate("Object.values(window.salesperfReport.charts).forEach(c => c.resize())")
    written = []
    for section in page.query_selector_all("section.report-section[id^=sec-]"):
        name = section.get_attribute("id").removeprefix("sec-")
        path = images / f"report-{name}.png"
        section.screenshot(path=str(path))
        written.append(path)
    page.set_viewport_size({"width": 1360, "height": 900})
    assert {p.stem for p in written} >= {
        "report-company",
        "report-org",
        "report-products",
        "report-process",
        "report-commissions",
    }
    assert all(p.stat().st_size > 20_000 for p in written)


def test_pipeline_wrote_a_report_per_run_and_latest(company):
    settings = company[0]
    folder = settings.build_dir / "reports"
    runs = sorted(folder.glob("salesperf-report-*.html"), key=lambda p: p.stat().st_mtime)
    assert len(runs) == 2, "the company fixture ran the job twice: one report per run"
    assert (folder / "latest.html").read_bytes() == runs[-1].read_bytes()
    assert f"salesperf-report-{settings.as_of.isoformat()}-" in runs[-1].name
