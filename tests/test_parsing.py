"""The parsing macros (ingestion/sql_macros.py), one value form at a time, with hand-checked results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from ingestion.sql_macros import MACRO_NAMES, install_macros

D = dt.date
TS = dt.datetime


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install_macros(con)
    return con


def parse(con: duckdb.DuckDBPyConnection, macro: str, value: str | None) -> object:
    return con.execute(f"SELECT {macro}($v)", {"v": value}).fetchall()[0][0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("２０２５－０３－０５", D(2025, 3, 5)),  # full-width digits and punctuation
        ("2025年　3月　5日", D(2025, 3, 5)),  # ideographic spaces inside
        ("２０２５／３／５ １４：３０", D(2025, 3, 5)),
        ("2025-03-05", D(2025, 3, 5)),
        ("2025-3-5", D(2025, 3, 5)),
        ("2025/3/5", D(2025, 3, 5)),
        ("2025/03/05", D(2025, 3, 5)),
        ("2025.3.5", D(2025, 3, 5)),
        ("2025年3月5日", D(2025, 3, 5)),
        ("2025年3月5日 14:30", D(2025, 3, 5)),
        ("2025/3/5 14:03", D(2025, 3, 5)),
        ("2025-03-05T14:03:00", D(2025, 3, 5)),
        ("20250305", D(2025, 3, 5)),
        ("45721", D(2025, 3, 5)),  # Excel serial: 1899-12-30 + 45721 days
        ("45721.75", D(2025, 3, 5)),  # the time of day is dropped
        ("2958465", D(9999, 12, 31)),  # Excel's largest serial
        (" 2025-03-05 ", D(2025, 3, 5)),
        ("\u30002025/3/5\u3000", D(2025, 3, 5)),  # ideographic spaces
        ("2024-02-29", D(2024, 2, 29)),
        ("9999-12-31", D(9999, 12, 31)),
    ],
)
def test_parse_date(con, text, expected):
    assert parse(con, "sp_parse_date", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "\u3000",  # blank
        "soon",
        "2025-02-30",
        "2025-13-01",
        "2025/3",
        "3/5/2025",
        "0",
        "2958466",
        "-1",  # unparseable
        "epoch",
        "infinity",
        "25-3-5",  # DuckDB's cast accepts these; a sales export never means them
    ],
)
def test_parse_date_null(con, text):
    assert parse(con, "sp_parse_date", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-05", TS(2025, 3, 5)),
        ("2025-03-05 14:03", TS(2025, 3, 5, 14, 3)),
        ("2025-03-05T14:03:00", TS(2025, 3, 5, 14, 3)),
        ("2025/3/5 14:03", TS(2025, 3, 5, 14, 3)),
        ("2025/3/5 14:03:27", TS(2025, 3, 5, 14, 3, 27)),
        ("2025.3.5 9:05", TS(2025, 3, 5, 9, 5)),
        ("2025年3月5日 14:30", TS(2025, 3, 5, 14, 30)),
        ("2025年3月5日14:30", TS(2025, 3, 5, 14, 30)),
        ("2025-03-05 2:03 PM", TS(2025, 3, 5, 14, 3)),  # DuckDB's own cast would say 02:03
        ("2025/3/5 12:10 am", TS(2025, 3, 5, 0, 10)),
        ("20250305", TS(2025, 3, 5)),
        ("45721.5", TS(2025, 3, 5, 12)),
        ("45721.585416666667", TS(2025, 3, 5, 14, 3)),  # 14:03 as Excel stores it
        ("2025-03-05 14:03:00.250", TS(2025, 3, 5, 14, 3, 0, 250000)),
    ],
)
def test_parse_timestamp(con, text, expected):
    assert parse(con, "sp_parse_timestamp", text) == expected


@pytest.mark.parametrize("text", [None, "", "later", "2025-03-05 25:00", "2025/3/5 14:61", "epoch"])
def test_parse_timestamp_null(con, text):
    assert parse(con, "sp_parse_timestamp", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", "1234.5"),
        ("1,234.50", "1234.5"),
        ("¥1,234", "1234"),
        ("￥1,234.5", "1234.5"),
        ("1.2万", "12000"),
        ("3万", "30000"),
        ("1.2万元", "12000"),
        ("88元", "88"),
        ("-5", "-5"),
        ("+5", "5"),
        ("-¥1,234", "-1234"),
        ("¥-1,234", "-1234"),
        (" 12 ", "12"),
        ("\u300012.5\u3000", "12.5"),
        ("1,234,567.891", "1234567.891"),
        ("0.1", "0.1"),  # exact: DECIMAL, not DOUBLE
        (".5", "0.5"),
        # full-width digits and punctuation, accounting negatives in parentheses
        ("１２３，４５６．７８", "123456.78"),
        ("－5", "-5"),
        ("￥　1,234", "1234"),
        ("１.２万", "12000"),
        ("(1,234.00)", "-1234"),
        ("（１，２３４）", "-1234"),
        ("(¥5)", "-5"),
    ],
)
def test_parse_decimal(con, text, expected):
    assert parse(con, "sp_parse_decimal", text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        " ",
        "abc",
        "1,5",
        "1,2345",
        "12,34.5",
        "1.2.3",
        "¥",
        "万",
        "(-5)",
        "()",
        "NaN",
        "inf",
        "12%",
        "１２３。４",
    ],
)
def test_parse_decimal_null(con, text):
    assert parse(con, "sp_parse_decimal", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", "0.5"),
        ("50%", "0.5"),
        ("12.5%", "0.125"),
        ("100%", "1"),
        (" 33% ", "0.33"),
        ("1", "1"),
        ("150%", "1.5"),
        ("12.5％", "0.125"),
        (" 50 %", "0.5"),
        ("５０％", "0.5"),
        ("０.５", "0.5"),
    ],
)
def test_parse_fraction(con, text, expected):
    assert parse(con, "sp_parse_fraction", text) == Decimal(expected)


@pytest.mark.parametrize("text", [None, "", "half", "%", "50%%"])
def test_parse_fraction_null(con, text):
    assert parse(con, "sp_parse_fraction", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", 3), ("3.0", 3), (" 7 ", 7), ("1e3", 1000), ("-2", -2), ("1,000", 1000), ("１２", 12), ("（3）", -3)],
)
def test_parse_integer(con, text, expected):
    assert parse(con, "sp_parse_integer", text) == expected


@pytest.mark.parametrize("text", [None, "", "3.5", "three", "2.0001"])
def test_parse_integer_null(con, text):
    assert parse(con, "sp_parse_integer", text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", "abc"),
        (" abc ", "abc"),
        ("\tabc", "abc"),
        ("abc\u3000", "abc"),
        ("\u00a0上海\u3000", "上海"),
        ("a b", "a b"),
        ("", None),
        ("  \u3000 ", None),
        (None, None),
        # trailing non-ASCII spaces after ASCII text, and the BOM; non-ASCII text inside stays as it is
        ("R01\u00a0", "R01"),
        ("R01\ufeff", "R01"),
        ("R01\u3000\u3000", "R01"),
        ("R01 张", "R01 张"),
        ("张三", "张三"),
    ],
)
def test_trim(con, text, expected):
    assert parse(con, "sp_trim", text) == expected


def test_result_types(con):
    types = con.execute(
        "SELECT typeof(sp_parse_date('2025-03-05')), typeof(sp_parse_timestamp('2025-03-05')), "
        "typeof(sp_parse_decimal('1')), typeof(sp_parse_fraction('1')), "
        "typeof(sp_parse_integer('1'))"
    ).fetchall()[0]
    assert types == ("DATE", "TIMESTAMP", "DECIMAL(38,6)", "DECIMAL(38,8)", "BIGINT")


def test_macros_are_temporary(tmp_path):
    """TEMP macros never land in the database file that gets published."""
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        install_macros(con)
        install_macros(con)  # idempotent
    with duckdb.connect(str(path)) as con:
        found = con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'sp\\_%' ESCAPE '\\'"
        ).fetchall()
    assert found == []
    assert "sp_parse_date" in MACRO_NAMES


def test_fast_path_is_lazy(con):
    """On clean ISO data the regex path never runs: parsing 300k dates costs about what the plain cast
    costs, far less than forcing every value through the slow path."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE iso AS SELECT (DATE '2020-01-01' + (i % 2000)::INT)::VARCHAR AS v "
        "FROM range(300000) t(i)"
    )
    import time

    def timed(expr: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            con.execute(f"SELECT count({expr}) FROM iso").fetchall()
            best = min(best, time.perf_counter() - start)
        return best

    slow_only = timed("list_transform([v], lambda t: sp__date_slow(t))[1]")
    macro = timed("sp_parse_date(v)")
    assert macro < slow_only / 2, (macro, slow_only)
