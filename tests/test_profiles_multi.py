"""Profiles that fit real files (issue 13): one landed file feeding several entities through one profile, lookups
that name their worksheet, bind errors that say what was expected, `.xls` workbooks, and opportunities' first-seen
date kept across runs. Small hand-made exports, and real .xls files shipped in statsmodels."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from ingestion.load import ingest_all, ingest_entity
from ingestion.profiles import load_profiles
from ingestion.readers import stage_file
from salesperf.cli import check
from salesperf.config.files import ConfigError
from tests.helpers.ingest import NOW, land, q

STATSMODELS = Path(pd.__file__).resolve().parent.parent / "statsmodels"


def profiles(config: Path, text: str) -> list:
    (config / "sources").mkdir(parents=True, exist_ok=True)
    (config / "sources" / "p.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_profiles(config)


EXPORT = (
    "单号,日期,客户,客户名称,业务员,物料,物料名称,产品线,数量,单价\n"
    "A1,2025-03-01,K1,甲公司,R1,M1,螺丝,五金,10,2.5\n"
    "A2,2025-03-02,K2,乙公司,R1,M2,扳手,工具,1,30\n"
    "A3,2025-03-03,K1,甲公司,R2,M1,螺丝,五金,4,2.5\n"
)
ONE_FILE = """\
profiles:
  - id: erp
    files: ["exports/*.csv"]
    entities:
      orders:
        columns: {order_id: 单号, order_date: 日期, customer_id: 客户, rep_id: 业务员, product_id: 物料,
                  quantity: 数量, unit_price: 单价}
      customers:
        columns: {customer_id: 客户, customer_name: 客户名称}
      products:
        columns: {product_id: 物料, product_name: 物料名称, product_line: 产品线}
"""


def test_an_order_export_also_yields_customers_and_products(tmp_path):
    landing = tmp_path / "landing"
    land(landing, "exports", "erp_march.csv", EXPORT)
    con = duckdb.connect()
    reports = ingest_all(con, landing, now=NOW, profiles=profiles(tmp_path / "config", ONE_FILE))
    # one audit row per (file, entity), rows read = accepted + rejected each
    assert q(
        con,
        "select entity, file, rows_read, rows_accepted, rows_rejected, message from audit.ingested_files "
        "order by entity",
    ) == [
        ("customers", "exports/erp_march.csv", 3, 3, 0, "profile erp.customers"),
        ("orders", "exports/erp_march.csv", 3, 3, 0, "profile erp.orders"),
        ("products", "exports/erp_march.csv", 3, 3, 0, "profile erp.products"),
    ]
    assert sum(len(r.files) for r in reports.values()) == 3
    # the same key on two lines is two rows of raw.customers (the keyed de-duplication in staging keeps one)
    assert q(con, "select customer_id, customer_name, _source_row from raw.customers order by 3") == [
        ("K1", "甲公司", 2),
        ("K2", "乙公司", 3),
        ("K1", "甲公司", 4),
    ]
    assert q(con, "select distinct product_id, product_line from raw.products order by 1") == [
        ("M1", "五金"),
        ("M2", "工具"),
    ]
    # re-running changes nothing
    again = ingest_all(con, landing, now=NOW, profiles=profiles(tmp_path / "config", ONE_FILE))
    assert {f.status for r in again.values() for f in r.files} == {"skipped"}
    # the export's folder is read by the profile: no "unknown folder" warning
    report = check.inspect_landing(landing, tmp_path / "config")
    assert [p for p in report.problems if p.file.startswith("exports")] == []


def test_a_claimed_file_in_an_entity_folder_is_read_only_through_its_profile(tmp_path):
    landing = tmp_path / "landing"
    land(landing, "orders", "erp_march.csv", EXPORT)
    text = ONE_FILE.replace('files: ["exports/*.csv"]', 'files: ["orders/erp_*.csv"]').replace(
        "      customers:\n        columns: {customer_id: 客户, customer_name: 客户名称}\n", ""
    )
    con = duckdb.connect()
    ingest_all(con, landing, now=NOW, profiles=profiles(tmp_path / "config", text))
    assert q(con, "select entity, rows_accepted from audit.ingested_files order by 1") == [
        ("orders", 3),
        ("products", 3),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - {id: x, entity: orders, entities: {orders: {}}, files: [a]}\n", "not both"),
        ("  - {id: x, files: [a]}\n", "give `entity`"),
        ("  - {id: x, files: [a], columns: {order_id: a}, entities: {orders: {}}}\n", "per entity"),
        ("  - {id: x, files: [a], entities: {orders: {columns: {order_no: a}}}}\n", "entities.orders.(top level)"),
        ("  - {id: x, files: [a], entities: {order: {}}}\n", "unknown entity 'order'"),
    ],
)
def test_multi_entity_profile_errors_name_the_key_path(body, message, tmp_path):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        profiles(tmp_path, "profiles:\n" + body)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


LOOKUP = """\
profiles:
  - id: orders_with_books
    entity: orders
    files: ["*.csv"]
    lookups:
      - name: doc
        file: lookups/books.xlsx
        key: 单号
        match: src."order_id"
        {sheet}
    where: doc."类型" = '订单'
"""


def test_a_lookup_into_a_workbook_names_its_sheet(tmp_path):
    landing = tmp_path / "landing"
    # the first sheet lists every document as a return: reading it "by default" turned orders into returns
    _workbook(
        landing / "lookups" / "books.xlsx",
        {
            "退货": [["单号", "类型"], ["SO1", "退货"], ["SO2", "退货"]],
            "订单": [["单号", "类型"], ["SO1", "订单"], ["SO2", "订单"]],
        },
    )
    land(
        landing,
        "orders",
        "o.csv",
        "order_id,order_date,customer_id,rep_id,product_id,quantity,unit_price\n"
        "SO1,2025-03-01,C1,R1,P1,1,10\nSO2,2025-03-01,C1,R1,P1,2,10\n",
    )
    con = duckdb.connect()
    f = ingest_entity(
        con, "orders", landing, now=NOW, profiles=profiles(tmp_path / "a", LOOKUP.format(sheet=""))
    ).files[0]
    assert f.status == "rejected_file"
    assert (
        "lookups/books.xlsx is a workbook with 2 worksheets (退货, 订单); name the one to read with `sheet:`"
        in f.message
    )
    con = duckdb.connect()
    f = ingest_entity(
        con, "orders", landing, now=NOW, profiles=profiles(tmp_path / "b", LOOKUP.format(sheet="sheet: 订单"))
    ).files[0]
    assert (f.status, f.rows_read, f.rows_accepted) == ("loaded", 2, 2)


def test_a_bind_error_in_where_says_what_was_expected(tmp_path):
    landing = tmp_path / "landing"
    land(
        landing,
        "orders",
        "o.csv",
        "order_id,order_date,customer_id,rep_id,product_id,quantity,unit_price\nSO1,2025-03-01,C1,R1,P1,1,10\n",
    )
    config = tmp_path / "config"
    profiles(
        config,
        """\
        profiles:
          - {id: p, entity: orders, files: ["*.csv"], where: '"Stage" = ''x''',
             columns: {order_id: order_id, order_date: order_date, customer_id: customer_id, rep_id: rep_id,
                       product_id: product_id, quantity: quantity, unit_price: unit_price}}
        """,
    )
    report = check.inspect_landing(landing, config)
    [problem] = [p for p in report.problems if p.severity == check.ERROR]
    assert (problem.file, problem.column) == ("orders/o.csv", "where")
    assert problem.expected.startswith('profile p: a SQL expression over the file\'s columns ("order_id", "order_date"')
    assert "Stage" in problem.found


def test_xls_workbooks_read_like_the_csv_derived_from_them():
    """statsmodels ships FRED's macrodata.xls (sheets README, Monthly, Quarterly) and macrodata.csv derived from
    its Quarterly sheet (files nobody here wrote): the same figures either way, 1959 Q1 - 2009 Q3."""
    folder = STATSMODELS / "datasets" / "macrodata"
    xls = folder / "src" / "macrodata.xls"
    if not xls.is_file():  # the wheel ships it inside a folder of the same name
        xls = xls / "macrodata.xls"
    con = duckdb.connect()
    everything = stage_file(con, xls, "all_sheets")
    assert everything.sheets == ["Monthly"] and [s for s, _ in everything.skipped_sheets] == ["README", "Quarterly"]
    assert list(stage_file(con, xls, "q", sheet="Quarterly")) == [
        "DATE",
        "DPIC96",
        "FGCEC96",
        "GDPC96",
        "GPDIC96",
        "PCECC96",
    ]
    con.register("expected", pd.read_csv(folder / "macrodata.csv"))
    rows = con.execute("""
        select count(*), max(abs(cast(q.GDPC96 as double) - e.realgdp)),
               max(abs(cast(q.PCECC96 as double) - e.realcons)),
               max(abs(cast(q.GPDIC96 as double) - e.realinv)), max(abs(cast(q.FGCEC96 as double) - e.realgovt)),
               max(abs(cast(q.DPIC96 as double) - e.realdpi))
        from expected e
        join q on cast(q."DATE" as date) = make_date(e.year::int, e.quarter::int * 3 - 2, 1)""").fetchall()
    assert rows[0][0] == 203
    assert max(rows[0][1:]) < 1e-9


def test_xls_dates_come_out_as_dates():
    """An FRBNY nowcasting workbook shipped in statsmodels' tests: real .xls with a date column."""
    xls = STATSMODELS / "tsa/statespace/tests/results/frbny_nowcast/Nowcasting/data/US/2016-06-29.xls"
    con = duckdb.connect()
    stage_file(con, xls, "x")
    assert con.execute('select "Date", "PAYEMS" from x order by _row limit 2').fetchall() == [
        ("1985-01-01", "96373"),
        ("1985-02-01", "96497"),
    ]


def test_opportunities_first_seen_date_survives_a_replaced_file(tmp_path):
    landing = tmp_path / "landing"
    header = "opportunity_id,customer_id,stage,amount\n"
    land(landing, "opportunities", "opps.csv", header + "S1,C1,初访,100\n")
    con = duckdb.connect()
    ingest_entity(con, "opportunities", landing, now=dt.datetime(2025, 3, 1, 8))
    land(landing, "opportunities", "opps.csv", header + "S1,C1,报价,150\nS2,C2,初访,10\n")  # the file replaced
    ingest_entity(con, "opportunities", landing, now=dt.datetime(2025, 3, 9, 8))
    assert q(con, "select key, first_seen_at from audit.first_seen order by 1") == [
        ("S1", dt.datetime(2025, 3, 1, 8)),  # first seen on the 1st, although its raw rows are from the 9th now
        ("S2", dt.datetime(2025, 3, 9, 8)),
    ]
    assert q(con, "select count(*) from raw.opportunities") == [(2,)]


def test_order_status_labels_in_english_and_chinese(tmp_path):
    landing = tmp_path / "landing"
    labels = ["已完成", "待审核", "On Hold", "in process", "审批中", "有争议", "Disputed", "客户异议", "作废", "Void"]
    body = "".join(f"SO{i},2025-03-01,C1,R1,P1,1,10,{label}\n" for i, label in enumerate(labels))
    land(
        landing,
        "orders",
        "o.csv",
        "order_id,order_date,customer_id,rep_id,product_id,quantity,unit_price,状态\n" + body,
    )
    con = duckdb.connect()
    f = ingest_entity(con, "orders", landing, now=NOW).files[0]
    assert (f.rows_read, f.rows_accepted) == (10, 10)
    assert [r[0] for r in q(con, "select status from raw.orders order by _source_row")] == [
        "completed",
        "pending",
        "pending",
        "pending",
        "pending",
        "disputed",
        "disputed",
        "disputed",
        "cancelled",
        "cancelled",
    ]
