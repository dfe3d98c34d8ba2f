"""Ingesting landing folders (ingestion/load.py) and the calendar (ingestion/calendar.py).

Over 400 lines on purpose: the tests of one component, sharing its fixtures (split by component, not by size).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingestion.calendar import load_calendar
from ingestion.entities import ENTITIES, LINEAGE_COLUMNS, SQL_TYPES
from ingestion.load import ensure_schemas, ingest_all, ingest_entity
from salesperf.calendar import FALLBACK, OFFICIAL, calendar_days
from tests.helpers.ingest import NOW, ORDERS_HEADER, assert_row_accounting, by_file, land, last_mtime, q, snapshot


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


# -- schemas ------------------------------------------------------------------------------------------


def test_ensure_schemas_creates_every_raw_table_idempotently(con):
    ensure_schemas(con)
    first = snapshot(con)
    ensure_schemas(con)
    assert snapshot(con) == first
    for name, entity in ENTITIES.items():
        cols = q(
            con,
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
            "AND table_name = ? ORDER BY column_index",
            [name],
        )
        expected = [(c.name, SQL_TYPES[c.kind]) for c in entity.columns] + list(LINEAGE_COLUMNS.items())
        assert cols == expected, name
    assert [
        r[0]
        for r in q(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'audit' "
            "AND table_name = 'ingested_files' ORDER BY column_index",
        )
    ] == [
        "file_seq",
        "file",
        "entity",
        "sha256",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "status",
        "message",
        "ingested_at",
        "rows_held",  # added after the first release (so last): rows held out of credit after dbt
    ]
    assert [
        r[0]
        for r in q(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'audit' "
            "AND table_name = 'rejected_rows' ORDER BY column_index",
        )
    ] == ["file", "entity", "row_number", "raw", "reason", "sheet"]


def test_outdated_raw_table_is_rebuilt_and_its_files_reingested(con, landing):
    land(landing, "payments", "p.csv", "payment_id,customer_id,payment_date,amount\nPM1,C1,2025-03-05,10\n")
    ingest_entity(con, "payments", landing, now=NOW)
    con.execute("ALTER TABLE raw.payments DROP COLUMN order_id")  # as if the spec had changed
    with pytest.warns(UserWarning, match="raw.payments does not match its spec"):
        ensure_schemas(con)
    assert q(con, "SELECT count(*) FROM audit.ingested_files WHERE entity = 'payments'") == [(0,)]
    report = ingest_entity(con, "payments", landing, now=NOW)
    assert by_file(report) == {"payments/p.csv": ("loaded", 1, 1, 0)}


# -- good and bad rows --------------------------------------------------------------------------------

GOOD_AND_BAD = (
    "\n".join(
        [
            ORDERS_HEADER + ",note",
            "SO-1,1,2025-03-05,C001,R01,P01,2,100.5,CNY,completed,ok",  # row 2: good
            'SO-1,2,2025/3/6,C001,R01,P02,1,"1,234.50",,已取消,',  # row 3: good, Chinese status, currency default
            "SO-2,,2025年3月7日,C002,R02,P01,3,¥88,,,",  # row 4: good, defaults for line_no/currency/status
            "SO-3,1,soon,C003,R01,P01,2,10,CNY,completed,",  # row 5: bad date
            ",,,,,,,,,,",  # row 6: blank, neither read nor rejected
            "SO-4,1,2025-03-08,C004,R01,P01,,abc,CNY,weird,",  # row 7: three failures
            "SO-5,1.5,45721,C005,R03,P03,1,1.2万,usd,Completed,",  # row 8: bad line_no; serial date is fine
            "SO-6,3,45722,C006,R03,P03,1,1.2万,usd,Completed,",  # row 9: good
        ]
    )
    + "\n"
)


def test_good_and_bad_rows(con, landing):
    land(landing, "orders", "2025-03.csv", GOOD_AND_BAD)
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {"orders/2025-03.csv": ("loaded", 7, 4, 3)}
    assert_row_accounting(con)
    rows = q(
        con,
        "SELECT order_id, line_no, order_date, quantity, unit_price, discount_amount, currency, status, "
        "_source_file, _source_row, _file_seq, _ingested_at FROM raw.orders ORDER BY _source_row",
    )
    f = "orders/2025-03.csv"
    zero = Decimal("0")
    assert rows == [
        ("SO-1", 1, dt.date(2025, 3, 5), Decimal("2"), Decimal("100.5"), zero, "CNY", "completed", f, 2, 1, NOW),
        ("SO-1", 2, dt.date(2025, 3, 6), Decimal("1"), Decimal("1234.5"), zero, "CNY", "cancelled", f, 3, 1, NOW),
        ("SO-2", 1, dt.date(2025, 3, 7), Decimal("3"), Decimal("88"), zero, "CNY", "completed", f, 4, 1, NOW),
        ("SO-6", 3, dt.date(2025, 3, 6), Decimal("1"), Decimal("12000"), zero, "usd", "completed", f, 9, 1, NOW),
    ]
    rejected = q(con, "SELECT file, entity, row_number, reason FROM audit.rejected_rows ORDER BY row_number")
    expected_date = "a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial)"
    assert rejected == [
        (f, "orders", 5, f'order_date: expected {expected_date}, found "soon"'),
        (
            f,
            "orders",
            7,
            "quantity: required but blank; "
            'unit_price: expected a price (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^12, found "abc"; '
            'status: expected one of completed, cancelled, pending, disputed, found "weird"',
        ),
        (f, "orders", 8, 'line_no: expected a whole number, found "1.5"'),
    ]
    raw = json.loads(q(con, "SELECT raw FROM audit.rejected_rows WHERE row_number = 7")[0][0])
    assert raw == {
        "order_id": "SO-4",
        "line_no": "1",
        "order_date": "2025-03-08",
        "customer_id": "C004",
        "rep_id": "R01",
        "product_id": "P01",
        "quantity": None,
        "unit_price": "abc",
        "currency": "CNY",
        "status": "weird",
        "note": None,
    }
    assert q(
        con,
        "SELECT file_seq, file, entity, rows_read, rows_accepted, rows_rejected, status, message, "
        "ingested_at FROM audit.ingested_files",
    ) == [(1, f, "orders", 7, 4, 3, "loaded", None, NOW)]


def test_whitespace_only_cells_are_blank_not_errors(con, landing):
    land(
        landing,
        "orders",
        "ws.csv",
        ORDERS_HEADER + ",cancelled_date\n  SO-1\u3000,  ,2025-03-05, C1 ,R1,P1,2,10, ,\u3000, \n",
    )
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {"orders/ws.csv": ("loaded", 1, 1, 0)}
    assert q(
        con, "SELECT order_id, line_no, customer_id, currency, status, cancelled_date, _source_row FROM raw.orders"
    ) == [("SO-1", 1, "C1", "CNY", "completed", None, 2)]


def test_every_entity_loads_its_canonical_and_chinese_headers(con, landing):
    land(landing, "reps", "reps.csv", "销售员编号,姓名,区域,角色,入职日期\nR1,张三,华东,销售经理,2020/1/6\n")
    land(landing, "credit_splits", "s.csv", "订单编号,销售员编号,分配比例\nSO-1,R1,60%\nSO-1,R2,0.4\n")
    land(landing, "targets", "t.csv", '期间,层级,对象,目标金额\n2025-Q1,区域,华东,1.5万\n2025,公司,,"¥2,000,000"\n')
    land(
        landing, "activities", "a.csv", "活动编号,销售员编号,活动类型,活动日期,时长（分钟）\nA1,R1,拜访,2025-03-05,45\n"
    )
    reports = ingest_all(con, landing, entities=["reps", "credit_splits", "targets", "activities"], now=NOW)
    assert {e: r.rows_accepted for e, r in reports.items()} == {
        "reps": 1,
        "credit_splits": 2,
        "targets": 2,
        "activities": 1,
    }
    assert q(con, "SELECT rep_id, rep_name, region, role, hire_date FROM raw.reps") == [
        ("R1", "张三", "华东", "manager", dt.date(2020, 1, 6))
    ]
    assert q(con, "SELECT split_pct FROM raw.credit_splits ORDER BY _source_row") == [
        (Decimal("0.6"),),
        (Decimal("0.4"),),
    ]
    assert q(con, "SELECT period, level, key, target_amount FROM raw.targets ORDER BY _source_row") == [
        ("2025-Q1", "region", "华东", Decimal("15000")),
        ("2025", "company", None, Decimal("2000000")),
    ]
    assert q(con, "SELECT activity_type, duration_minutes FROM raw.activities") == [("visit", 45.0)]


def test_wide_targets_are_unpivoted(con, landing):
    land(
        landing,
        "targets",
        "wide.csv",
        "年度,层级,对象,一月,二月,三月\n2025,区域,华东,100,200,\n2025,销售员,R1,1万,abc,50\n",
    )
    report = ingest_entity(con, "targets", landing, now=NOW)
    assert by_file(report) == {"targets/wide.csv": ("loaded", 5, 4, 1)}  # a row = one filled month cell
    assert q(con, "SELECT period, level, key, target_amount, _source_row FROM raw.targets ORDER BY ALL") == [
        ("2025-01", "region", "华东", Decimal("100"), 2),
        ("2025-01", "rep", "R1", Decimal("10000"), 3),
        ("2025-02", "region", "华东", Decimal("200"), 2),
        ("2025-03", "rep", "R1", Decimal("50"), 3),
    ]
    assert q(con, "SELECT row_number, reason FROM audit.rejected_rows") == [
        (3, 'target_amount: expected an amount (1234.5, 1,234.50, ¥1,234 or 1.2万) within ±10^12, found "abc"')
    ]
    assert json.loads(q(con, "SELECT raw FROM audit.rejected_rows")[0][0])["二月"] == "abc"
    assert_row_accounting(con)


# -- re-runs, renames, changes ------------------------------------------------------------------------


def test_rerun_is_a_no_op(con, landing):
    land(landing, "orders", "2025-03.csv", GOOD_AND_BAD)
    land(landing, "orders", "bad-header.csv", "foo,bar\n1,2\n")
    ingest_entity(con, "orders", landing, now=NOW)
    before = snapshot(con)
    report = ingest_entity(con, "orders", landing, now=NOW + dt.timedelta(days=1))
    assert {f.status for f in report.files} == {"skipped"}
    assert snapshot(con) == before


def test_renamed_identical_file_is_a_no_op(con, landing):
    path = land(landing, "orders", "march.csv", GOOD_AND_BAD)
    ingest_entity(con, "orders", landing, now=NOW)
    before = snapshot(con)
    path.rename(landing / "orders" / "march (copy).csv")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {"orders/march (copy).csv": ("skipped", 0, 0, 0)}
    assert "identical to orders/march.csv" in report.files[0].message
    assert snapshot(con) == before


def test_changed_file_replaces_its_rows(con, landing):
    land(landing, "orders", "a.csv", GOOD_AND_BAD)
    land(landing, "orders", "b.csv", ORDERS_HEADER + "\nSO-9,1,2025-03-09,C9,R9,P9,1,9,CNY,completed\n")
    ingest_entity(con, "orders", landing, now=NOW)
    assert q(con, "SELECT file, file_seq FROM audit.ingested_files ORDER BY file") == [
        ("orders/a.csv", 1),
        ("orders/b.csv", 2),
    ]
    land(
        landing,
        "orders",
        "a.csv",
        ORDERS_HEADER + "\nSO-1,1,2025-03-05,C001,R01,P01,5,100.5,CNY,completed\n"
        "SO-7,1,never,C7,R7,P7,1,1,CNY,completed\n",
    )
    later = NOW + dt.timedelta(hours=1)
    report = ingest_entity(con, "orders", landing, now=later)
    assert by_file(report) == {"orders/a.csv": ("loaded", 2, 1, 1), "orders/b.csv": ("skipped", 0, 0, 0)}
    assert q(con, "SELECT order_id, quantity, _source_file, _file_seq, _ingested_at FROM raw.orders ORDER BY ALL") == [
        ("SO-1", Decimal("5"), "orders/a.csv", 3, later),
        ("SO-9", Decimal("1"), "orders/b.csv", 2, NOW),
    ]
    assert q(con, "SELECT file, row_number FROM audit.rejected_rows") == [("orders/a.csv", 3)]
    assert q(con, "SELECT file, file_seq, rows_read FROM audit.ingested_files ORDER BY file") == [
        ("orders/a.csv", 3, 2),
        ("orders/b.csv", 2, 1),
    ]
    assert_row_accounting(con)


def test_path_overwritten_with_a_copy_of_another_file(con, landing):
    """Its earlier rows go, and the copy adds nothing (its content is already in raw)."""
    land(landing, "adjustments", "a.csv", "rep_id,period,amount,reason\nR1,2025-03,100,bonus\n")
    land(landing, "adjustments", "b.csv", "rep_id,period,amount,reason\nR2,2025-03,50,fix\n")
    ingest_entity(con, "adjustments", landing, now=NOW)
    land(landing, "adjustments", "b.csv", "rep_id,period,amount,reason\nR1,2025-03,100,bonus\n")
    report = ingest_entity(con, "adjustments", landing, now=NOW)
    assert by_file(report)["adjustments/b.csv"][0] == "skipped"
    assert q(con, "SELECT rep_id, amount, _source_file FROM raw.adjustments") == [
        ("R1", Decimal("100"), "adjustments/a.csv")
    ]
    assert q(con, "SELECT file FROM audit.ingested_files") == [("adjustments/a.csv",)]
    before = snapshot(con)
    ingest_entity(con, "adjustments", landing, now=NOW)
    assert snapshot(con) == before


# -- whole-file rejections ----------------------------------------------------------------------------


def test_missing_required_column_rejects_the_file_and_others_still_load(con, landing):
    land(landing, "orders", "good.csv", ORDERS_HEADER + "\nSO-1,1,2025-03-05,C1,R1,P1,1,10,CNY,completed\n")
    land(
        landing,
        "orders",
        "no-dates.csv",
        "订单编号,客户编号,销售员编号,产品编号,数量,金额\nSO-2,C1,R1,P1,1,10\n\nSO-3,C1,R1,P1,2,20\n",
    )
    land(landing, "orders", "later.csv", ORDERS_HEADER + "\nSO-4,1,2025-03-06,C1,R1,P1,1,10,CNY,completed\n")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {
        "orders/good.csv": ("loaded", 1, 1, 0),
        "orders/no-dates.csv": ("rejected_file", 2, 0, 2),
        "orders/later.csv": ("loaded", 1, 1, 0),
    }
    message = report.files[1].message
    assert message.startswith(
        "no-dates.csv: missing required column(s) order_date, unit_price; expected columns "
        "order_id*, line_no, order_date*, customer_id*"
    )
    assert message.endswith("found 订单编号, 客户编号, 销售员编号, 产品编号, 数量, 金额")
    assert q(con, "SELECT status, message FROM audit.ingested_files WHERE file = 'orders/no-dates.csv'") == [
        ("rejected_file", message)
    ]
    rejected = q(con, "SELECT row_number, reason, raw FROM audit.rejected_rows ORDER BY row_number")
    assert [r[0] for r in rejected] == [2, 3]  # the empty line is not a row (see ingestion/readers)
    assert all(r[1].startswith("file rejected: missing required column(s) order_date, unit_price") for r in rejected)
    assert json.loads(rejected[1][2])["订单编号"] == "SO-3"
    assert q(con, "SELECT order_id FROM raw.orders ORDER BY 1") == [("SO-1",), ("SO-4",)]
    assert_row_accounting(con)


def test_unreadable_file_is_rejected_with_a_clear_message(con, landing):
    land(landing, "customers", "broken.xlsx", b"PK\x03\x04 definitely not a workbook")
    land(landing, "customers", "ok.csv", "customer_id,customer_name\nC1,上海某公司\n")
    report = ingest_entity(con, "customers", landing, now=NOW)
    assert by_file(report) == {
        "customers/broken.xlsx": ("rejected_file", 0, 0, 0),
        "customers/ok.csv": ("loaded", 1, 1, 0),
    }
    assert report.files[0].message.startswith("broken.xlsx could not be read as xlsx:")
    assert q(con, "SELECT status FROM audit.ingested_files ORDER BY file_seq") == [("rejected_file",), ("loaded",)]
    before = snapshot(con)
    ingest_entity(con, "customers", landing, now=NOW)  # still rejected, nothing changes
    assert snapshot(con) == before


def test_a_failure_mid_file_leaves_nothing_half_done(con, landing, monkeypatch):
    """The raw insert of b.csv succeeds, then moving its bad row fails: the whole file rolls back and is
    recorded as rejected; a.csv, loaded before, is untouched."""
    from ingestion import rejects

    land(landing, "orders", "a.csv", ORDERS_HEADER + "\nSO-1,1,2025-03-05,C1,R1,P1,1,10,CNY,completed\n")
    ingest_entity(con, "orders", landing, now=NOW)
    land(
        landing,
        "orders",
        "b.csv",
        ORDERS_HEADER + "\nSO-2,1,2025-03-05,C1,R1,P1,1,10,CNY,completed\nSO-3,1,never,C1,R1,P1,1,10,CNY,completed\n",
    )
    monkeypatch.setattr(rejects, "raw_json_expr", lambda headers, alias="s": "no_such_function(1)")
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report)["orders/b.csv"] == ("rejected_file", 0, 0, 0)
    assert report.files[1].message.startswith("b.csv could not be loaded: ")
    assert q(con, "SELECT order_id, _source_file FROM raw.orders") == [("SO-1", "orders/a.csv")]
    assert q(con, "SELECT count(*) FROM audit.rejected_rows") == [(0,)]
    assert q(con, "SELECT file, status FROM audit.ingested_files ORDER BY file_seq") == [
        ("orders/a.csv", "loaded"),
        ("orders/b.csv", "rejected_file"),
    ]
    monkeypatch.undo()
    report = ingest_entity(con, "orders", landing, now=NOW)  # fixed code: the file loads on the next run
    assert by_file(report)["orders/b.csv"] == ("loaded", 2, 1, 1)
    assert_row_accounting(con)


def test_hostile_header_is_harmless(con, landing):
    land(
        landing,
        "orders",
        "x.csv",
        ORDERS_HEADER + ',"x""; drop table raw.orders; --"\n'
        "SO-1,1,2025-03-05,C1,R1,P1,1,10,CNY,completed,boom\n"
        "SO-2,1,bad,C1,R1,P1,1,10,CNY,completed,boom\n",
    )
    report = ingest_entity(con, "orders", landing, now=NOW)
    assert by_file(report) == {"orders/x.csv": ("loaded", 2, 1, 1)}
    assert q(con, "SELECT count(*) FROM raw.orders") == [(1,)]
    raw = json.loads(q(con, "SELECT raw FROM audit.rejected_rows")[0][0])
    assert raw['x"; drop table raw.orders; --'] == "boom"


def test_file_name_with_spaces_and_chinese(con, landing):
    land(
        landing,
        "orders",
        "华东 订单 2025年3月 (final).csv",
        ORDERS_HEADER + "\nSO-1,1,2025-03-05,C1,R1,P1,1,10,CNY,已取消\n",
    )
    ingest_entity(con, "orders", landing, now=NOW)
    assert q(con, "SELECT status, _source_file FROM raw.orders") == [
        ("cancelled", "orders/华东 订单 2025年3月 (final).csv")
    ]


def test_gbk_xlsx_parquet_and_subfolders(con, landing):
    land(
        landing,
        "payments",
        "gbk.csv",
        '回款单号,客户编号,回款日期,回款金额\nPM1,C1,2025年3月5日,"￥1,000"\n',
        encoding="gbk",
    )
    wb = openpyxl.Workbook()
    wb.active.append(["回款单号", "客户编号", "回款日期", "金额"])
    wb.active.append(["PM2", "C2", dt.datetime(2025, 3, 6), 2000])
    path = landing / "payments" / "2025" / "03.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    os.utime(path, (last_mtime() + 600, last_mtime() + 600))
    con.execute(
        f"COPY (SELECT 'PM3' AS payment_id, 'C3' AS customer_id, DATE '2025-03-07' AS payment_date, "
        f"30.5 AS amount) TO '{landing / 'payments' / 'p.PARQUET'}' (FORMAT parquet)"
    )
    os.utime(landing / "payments" / "p.PARQUET", (last_mtime() + 900, last_mtime() + 900))
    land(landing, "payments", "readme.txt", "not data")
    report = ingest_entity(con, "payments", landing, now=NOW)
    assert [f.file for f in report.files] == ["payments/gbk.csv", "payments/2025/03.xlsx", "payments/p.PARQUET"]
    assert report.ignored == ["payments/readme.txt"]
    assert q(
        con,
        "SELECT payment_id, payment_date, amount, _source_file, _source_row, _file_seq FROM raw.payments ORDER BY 1",
    ) == [
        ("PM1", dt.date(2025, 3, 5), Decimal("1000"), "payments/gbk.csv", 2, 1),
        ("PM2", dt.date(2025, 3, 6), Decimal("2000"), "payments/2025/03.xlsx", 2, 2),
        ("PM3", dt.date(2025, 3, 7), Decimal("30.5"), "payments/p.PARQUET", 2, 3),
    ]


def test_symlink_escaping_the_landing_folder_is_refused(con, landing, tmp_path):
    secret = tmp_path / "outside.csv"
    secret.write_text("customer_id\nSECRET\n", encoding="utf-8")
    (landing / "customers").mkdir(parents=True)
    (landing / "customers" / "link.csv").symlink_to(secret)
    report = ingest_entity(con, "customers", landing, now=NOW)
    assert by_file(report) == {"customers/link.csv": ("rejected_file", 0, 0, 0)}
    assert "outside the landing folder" in report.files[0].message
    assert q(con, "SELECT count(*) FROM raw.customers") == [(0,)]


def test_empty_and_missing_folders(con, landing):
    landing.mkdir()
    reports = ingest_all(con, landing, now=NOW)
    assert set(reports) == set(ENTITIES)
    assert all(not r.files for r in reports.values())
    assert q(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw'") == [(len(ENTITIES),)]


# -- calendar -----------------------------------------------------------------------------------------


def test_calendar_official_days():
    days = {d: (work, name, src) for d, work, name, src in calendar_days(dt.date(2025, 1, 25), dt.date(2025, 10, 11))}
    assert days[dt.date(2025, 1, 26)] == (True, None, OFFICIAL)  # Sunday worked for Spring Festival
    assert days[dt.date(2025, 1, 28)] == (False, "春节", OFFICIAL)
    assert days[dt.date(2025, 2, 4)] == (False, "春节", OFFICIAL)
    assert days[dt.date(2025, 2, 5)] == (True, None, OFFICIAL)
    assert days[dt.date(2025, 3, 8)] == (False, None, OFFICIAL)  # an ordinary Saturday
    assert days[dt.date(2025, 4, 4)] == (False, "清明节", OFFICIAL)
    assert days[dt.date(2025, 5, 1)] == (False, "劳动节", OFFICIAL)
    assert days[dt.date(2025, 5, 31)] == (False, "端午节", OFFICIAL)
    assert days[dt.date(2025, 10, 1)] == (False, "国庆节", OFFICIAL)
    assert days[dt.date(2025, 10, 11)] == (True, None, OFFICIAL)  # Saturday worked for National Day


def test_calendar_fallback_for_uncovered_years_warns_once_per_range():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        days = calendar_days(dt.date(2026, 12, 30), dt.date(2028, 1, 3))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "2027, 2028" in messages[0] and "weekends-only fallback" in messages[0]
    by_date = {d: (work, name, src) for d, work, name, src in days}
    assert by_date[dt.date(2026, 12, 31)][2] == OFFICIAL
    assert by_date[dt.date(2027, 1, 1)] == (True, None, FALLBACK)  # a Friday; no holiday data for 2027
    assert by_date[dt.date(2027, 1, 2)] == (False, None, FALLBACK)
    assert len(days) == 370


def test_load_calendar_replaces_the_table(con):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert load_calendar(con, dt.date(2025, 1, 1), dt.date(2027, 12, 31)) == 1095
        assert load_calendar(con, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 365
    assert q(con, "SELECT count(*), count(holiday_name), sum(is_workday::INT) FROM raw.calendar_days") == [
        (365, 28, 248)
    ]
    assert q(
        con, "SELECT data_type FROM duckdb_columns() WHERE table_name = 'calendar_days' ORDER BY column_index"
    ) == [("DATE",), ("BOOLEAN",), ("VARCHAR",), ("VARCHAR",)]
