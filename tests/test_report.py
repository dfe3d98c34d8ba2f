"""The manager report without a browser: the vendored ECharts, the section machinery on a hand-written
published file (parts whose marts are missing or different are left out with a note), labels, locale,
period, the CLI command and the Dagster asset. Browser tests: test_report_browser.py."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from salesperf.report import build_report
from salesperf.report.assets import ECHARTS_JS, ECHARTS_SHA256, ECHARTS_VERSION, TEMPLATES, VENDOR_DIR
from salesperf.report.labels import LABELS, resolve_locale
from salesperf.report.source import normalize_period

PAYLOAD_RE = re.compile(r'<script type="application/json" id="salesperf-report">(.*?)</script>', re.S)


def payload(html: str) -> dict:
    return json.loads(PAYLOAD_RE.search(html).group(1))


def test_vendored_echarts_is_the_recorded_file():
    digest = hashlib.sha256(ECHARTS_JS.read_bytes()).hexdigest()
    assert digest == ECHARTS_SHA256, "echarts.min.js changed: re-vendor it as vendor/echarts/README.md says"
    assert f'version:"{ECHARTS_VERSION}"' in ECHARTS_JS.read_text(encoding="utf-8")
    readme = (VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    assert f"echarts@{ECHARTS_VERSION}" in readme and "npm pack" in readme
    assert "Apache License" in (VENDOR_DIR / "LICENSE").read_text() and (VENDOR_DIR / "NOTICE").exists()
    assert sorted(p.name for p in VENDOR_DIR.iterdir()) == ["LICENSE", "NOTICE", "README.md", "echarts.min.js"]


# A hand-written published file: only dim_rep and fct_attainment. Team T1 has two reps in 华东 and one in 华北: its region is 华东 (the majority).
REPS = [
    ("R1", "王伟", "华东", "T1"),
    ("R2", "李娜", "华东", "T1"),
    ("R3", "张敏", "华北", "T1"),
    ("R4", "</script><script>alert(1)</script>", "华北", None),
]
ATTAINMENT = [
    # level, key, period_type, period_start, label, status, actual, target
    ("region", "华东", "quarter", "2025-04-01", "2025-Q2", "open", 800.0, 1000.0),
    ("region", "华北", "quarter", "2025-04-01", "2025-Q2", "open", 300.0, 600.0),
    ("team", "T1", "quarter", "2025-04-01", "2025-Q2", "open", 1000.0, 1400.0),
    ("rep", "R1", "quarter", "2025-04-01", "2025-Q2", "open", 500.0, 500.0),
    ("rep", "R4", "quarter", "2025-04-01", "2025-Q2", "open", 0.0, 0.0),  # nothing to show: left out
    ("product_line", "仪表", "quarter", "2025-04-01", "2025-Q2", "open", 750.0, 900.0),
    ("product_line", "传感器", "quarter", "2025-04-01", "2025-Q2", "open", 250.0, None),
    ("region", "华东", "year", "2025-01-01", "2025", "open", 2000.0, 5000.0),
    ("region", "华东", "quarter", "2023-01-01", "2023-Q1", "closed", 10.0, 10.0),  # outside the 2 years
]


@pytest.fixture
def small_warehouse(tmp_path) -> Path:
    path = tmp_path / "salesperf.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema audit")
    con.execute("create table audit.warehouse_info as select now()::timestamp as published_at, date '2025-05-20' as_of")
    con.execute(
        "create table marts.dim_rep (rep_id varchar, rep_name varchar, region varchar, team varchar, as_of_date date)"
    )
    con.executemany("insert into marts.dim_rep values (?, ?, ?, ?, date '2025-05-20')", REPS)
    con.execute("""
        create table marts.fct_attainment (level varchar, key varchar, period_type varchar, period_start date,
            period_label varchar, period_status varchar, actual_amount decimal(18, 2), target_amount decimal(18, 2),
            attainment_pct double, projected_attainment_pct double, gap_amount decimal(18, 2))
    """)
    con.executemany(
        "insert into marts.fct_attainment values (?, ?, ?, ?::date, ?, ?, ?, ?, ?::double / nullif(?, 0), "
        "?::double / nullif(?, 0) * 1.5, ? - ?)",
        [(*r, r[6], r[7], r[6], r[7], r[7], r[6]) for r in ATTAINMENT],
    )
    con.execute("""
        alter table marts.fct_attainment add column period_end date;
        update marts.fct_attainment set period_end = period_start
            + case period_type when 'quarter' then interval 3 month else interval 1 year end - interval 1 day;
        alter table marts.fct_attainment add column stretch_target_amount decimal(18, 2);
        update marts.fct_attainment set stretch_target_amount = target_amount * 1.1;
        alter table marts.fct_attainment add column run_rate_amount decimal(18, 2);
        update marts.fct_attainment set run_rate_amount = actual_amount * 1.5;
        alter table marts.fct_attainment add column workdays_in_period integer default 60;
        alter table marts.fct_attainment add column workdays_elapsed integer default 30;
    """)
    con.close()
    return path


def test_parts_without_their_marts_are_left_out_with_a_note(small_warehouse, tmp_path):
    result = build_report(small_warehouse, tmp_path / "r.html")
    # the company figures and trend need only fct_attainment (forecast columns stay empty without a forecast)
    company = {"kpi_period", "kpi_year", "trend"}
    assert set(result.blocks) == company | {"region_att", "team_att", "rep_att", "mix", "pl_att"}
    omitted = "\n".join(result.omitted)
    assert "fct_sales_forecast" not in omitted
    for mart in (
        "fct_risk_alerts",
        "fct_leaderboard",
        "fct_sales_comparison",
        "fct_commission_statements",
        "fct_collections",
        "fct_funnel",
    ):
        assert any(f"marts.{mart}" in line and "not published yet" in line for line in result.omitted), mart
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="omitted"' in html and "fct_product_affinity" in html


def test_attainment_rows_hand_worked(small_warehouse, tmp_path):
    report = payload(build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8"))
    ds = report["datasets"]["attainment_units"]
    rows = {(r[0], r[1], r[4]): dict(zip(ds["columns"], r, strict=True)) for r in ds["rows"]}
    # 2023 lies outside the two years covered (2024-2025); R4 has neither actual nor target
    assert set(rows) == {
        ("region", "华东", "2025-Q2"),
        ("region", "华北", "2025-Q2"),
        ("team", "T1", "2025-Q2"),
        ("rep", "R1", "2025-Q2"),
        ("region", "华东", "2025"),
    }
    east = rows[("region", "华东", "2025-Q2")]
    assert (east["actual"], east["target"], east["attainment"], east["gap"]) == (800.0, 1000.0, 0.8, 200.0)
    assert rows[("team", "T1", "2025-Q2")]["region"] == "华东"  # 2 of its 3 reps are in 华东
    assert rows[("rep", "R1", "2025-Q2")]["label"] == "王伟 R1" and rows[("rep", "R1", "2025-Q2")]["region"] == "华东"
    kpis = report["datasets"]["company_kpis"]
    east_q2 = [dict(zip(kpis["columns"], r, strict=True)) for r in kpis["rows"] if r[0] == "华东" and r[2] == "2025-Q2"]
    assert len(east_q2) == 1 and (east_q2[0]["actual"], east_q2[0]["attainment"]) == (800.0, 0.8)
    assert east_q2[0]["forecast_end"] is None  # no forecast published: no period-end forecast
    mix = report["datasets"]["product_lines"]
    shares = {r[0]: r[mix["columns"].index("share")] for r in mix["rows"]}
    assert shares == {"仪表": 0.75, "传感器": 0.25}  # 750 / (750 + 250)


def test_page_is_self_contained_and_escapes_data(small_warehouse, tmp_path):
    html = build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    assert "default-src 'none'" in html  # the page may fetch nothing
    assert "</script><script>alert(1)" not in html  # a rep name cannot end the data block
    names = payload(html)["meta"]["regions"]
    assert names == ["华东", "华北"]  # code point order, as DuckDB sorts them
    assert html.count("<script") == 3  # payload, ECharts, runtime


def test_default_period_and_window(small_warehouse, tmp_path):
    report = payload(build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8"))
    assert report["meta"]["default_period"] == "2025-Q2"  # the quarter holding the as-of date 2025-05-20
    assert report["meta"]["periods"][:5] == ["2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2025"]
    assert report["meta"]["periods"][-1] == "2024"
    wider = payload(build_report(small_warehouse, tmp_path / "w.html", period="2023-q1").path.read_text("utf-8"))
    assert wider["meta"]["default_period"] == "2023-Q1" and wider["meta"]["periods"][-1] == "2023"
    assert any(r[4] == "2023-Q1" for r in wider["datasets"]["attainment_units"]["rows"])


def test_period_and_locale_arguments():
    assert normalize_period(" 2026-q3 ") == "2026-Q3" and normalize_period("2026") == "2026"
    for bad in ("2026-Q5", "2026-07", "Q3"):
        with pytest.raises(ValueError, match="2026 or 2026-Q3"):
            normalize_period(bad)
    assert resolve_locale("en_US.UTF-8") == "en" and resolve_locale("zh-CN") == "zh"
    with pytest.raises(ValueError, match="SALESPERF_LOCALE"):
        resolve_locale("fr")


def test_locale_from_environment(small_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESPERF_LOCALE", "en")
    html = build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<title>Sales performance report</title>" in html
    monkeypatch.delenv("SALESPERF_LOCALE")
    html = build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "<title>销售业绩经营报告</title>" in html


def test_every_label_and_format_the_page_uses_exists(small_warehouse, tmp_path):
    runtime = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    formats = set(re.findall(r"^\s{4}([a-z_]+): function", runtime, re.M))
    report = payload(build_report(small_warehouse, tmp_path / "r.html").path.read_text(encoding="utf-8"))
    for key in set(re.findall(r'\bt\("([a-z_]+)"[,)]', runtime)):
        assert key in LABELS, key
    for block in report["blocks"]:
        assert block["title"] in LABELS
        assert all(f["label"] in LABELS for f in block["fields"]), block["id"]
        for loc in ("zh", "en"):
            text = json.dumps(block["options"][loc], ensure_ascii=False) if block["options"] else ""
            assert "http" not in text
            assert set(re.findall(r"@fmt:([a-z_]+)", text)) <= formats, block["id"]
    for key, (zh, en) in LABELS.items():
        assert zh.strip() and en.strip(), key


def test_report_package_does_not_import_the_orchestration(small_warehouse, tmp_path):
    code = (
        "import sys; from pathlib import Path; from salesperf.report import build_report; "
        f"build_report(Path({str(small_warehouse)!r}), Path({str(tmp_path / 'r.html')!r})); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('orchestration', 'dagster', 'dbt')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_report_command(small_warehouse, tmp_path, monkeypatch, capsys):
    from salesperf.cli import main

    monkeypatch.setenv("SALESPERF_WAREHOUSE", str(small_warehouse))
    out = tmp_path / "out" / "r.html"
    assert main(["report", "--out", str(out), "--period", "2025-q1"]) == 0
    assert payload(out.read_text(encoding="utf-8"))["meta"]["default_period"] == "2025-Q1"
    printed = capsys.readouterr().out
    assert "report:" in printed and "r.html" in printed and "not published yet" in printed
    assert main(["report", "--period", "next quarter"]) == 1
    assert "report period must look like 2026 or 2026-Q3" in capsys.readouterr().err
    monkeypatch.setenv("SALESPERF_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert main(["report"]) == 1
    assert "no published warehouse at" in capsys.readouterr().err


def test_asset_writes_a_report_per_run_and_latest(small_warehouse, tmp_path):
    from dagster import materialize

    from orchestration.assets.report import manager_report
    from orchestration.resources import SalesperfSettings

    settings = SalesperfSettings(
        landing_dir=str(tmp_path / "landing"),
        config_dir=str(tmp_path / "config"),
        warehouse=str(small_warehouse),
        dagster_home=str(tmp_path / "dh"),
        as_of="2025-05-20",
    )
    folder = small_warehouse.parent / ".build" / small_warehouse.stem / "reports"
    config = {"ops": {"manager_report": {"config": {"keep_last": 2, "locale": "en"}}}}
    paths = []
    for _ in range(3):
        result = materialize([manager_report], resources={"settings": settings}, run_config=config)
        assert result.success
        meta = result.asset_materializations_for_node("manager_report")[0].metadata
        paths.append(Path(meta["path"].value))
        assert meta["folder"].value == str(folder) and meta["locale"].value == "en"
    runs = sorted(folder.glob("salesperf-report-*.html"))
    assert runs == sorted(paths[1:])  # keep_last=2: the first run's file was removed
    assert (folder / "latest.html").read_bytes() == paths[-1].read_bytes()
