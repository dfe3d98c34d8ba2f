"""Reading landing files (ingestion/readers/): encodings, formats, header names, row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.entities import ENTITIES
from ingestion.headers import map_headers, normalise_header
from ingestion.readers import LandingFileError, cell_text, detect_encoding, fingerprint, stage_file

HEADER = "订单编号,行号,下单日期,客户编号,销售员编号,产品编号,数量,单价,状态"
ROWS = ['SO-1,1,2025/3/5,C001,R01,P01,2,"1,234.50",已完成', "SO-2,1,2025年3月6日,C002,R02,P02,1,￥88,已取消"]
TEXT = "\n".join([HEADER, *ROWS]) + "\n"
CANONICAL = [
    "order_id",
    "line_no",
    "order_date",
    "customer_id",
    "rep_id",
    "product_id",
    "quantity",
    "unit_price",
    "status",
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY _row').fetchall()


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_detect_encoding(tmp_path, encoding, expected):
    path = tmp_path / "orders.csv"
    path.write_bytes(TEXT.encode(encoding))
    assert detect_encoding(path) == expected
    assert fingerprint(path)[1] == expected


def test_detect_encoding_reads_past_the_first_megabyte(tmp_path):
    """A GBK byte far into an otherwise ASCII file still makes it non-UTF-8."""
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" + b"x,y\n" * 600_000 + "上海,z\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_chinese_headers_map_in_every_encoding(tmp_path, con, encoding):
    path = tmp_path / f"orders-{encoding}.csv"
    path.write_bytes(TEXT.encode(encoding))
    headers = stage_file(con, path, "stg")
    assert headers == HEADER.split(",")
    mapping = map_headers(ENTITIES["orders"], headers)
    assert list(mapping) == CANONICAL
    assert rows(con, "stg") == [
        ("SO-1", "1", "2025/3/5", "C001", "R01", "P01", "2", "1,234.50", "已完成", 2),
        ("SO-2", "1", "2025年3月6日", "C002", "R02", "P02", "1", "￥88", "已取消", 3),
    ]


def test_invalid_gbk_is_a_clear_error(tmp_path, con):
    path = tmp_path / "broken.csv"
    path.write_bytes("客户编号,城市\nC1,".encode("gbk") + b"\x81\x20\n")
    with pytest.raises(LandingFileError, match=r"broken\.csv is not valid gb18030: undecodable byte at offset"):
        stage_file(con, path, "stg")


def test_csv_row_numbers_delimiter_and_ragged_rows(tmp_path, con):
    path = tmp_path / "semi.csv"
    # `;` delimited; a short row padded with NULLs, an extra cell kept under a generated name; a quoted
    # cell with a line break; an all-empty row is staged (the loader drops it), and keeps its number.
    path.write_text('a;b;c\n1;2;3\n4;5\n;;\n"x\ny";8;9\n10;11;12;13\n', encoding="utf-8")
    headers = stage_file(con, path, "stg")
    assert headers[:3] == ["a", "b", "c"] and len(headers) == 4
    assert rows(con, "stg") == [
        ("1", "2", "3", None, 2),
        ("4", "5", None, None, 3),
        (None, None, None, None, 4),
        ("x\ny", "8", "9", None, 5),
        ("10", "11", "12", "13", 6),
    ]


def test_csv_rows_keep_file_order(tmp_path, con):
    path = tmp_path / "big.csv"
    con.execute(f"COPY (SELECT i AS n, 'v' || i AS v FROM range(300000) t(i)) TO '{path}' (HEADER)")
    con.execute("SET preserve_insertion_order = false")  # stage_file must switch it on for itself
    stage_file(con, path, "stg")
    bad = con.execute('SELECT count(*) FROM "stg" WHERE CAST(n AS BIGINT) + 2 <> _row').fetchall()[0][0]
    assert bad == 0
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0] is False


def test_header_named_row_and_weird_headers(tmp_path, con):
    path = tmp_path / "weird.csv"
    path.write_text('_row,"x""; drop table t; --",订单 编号\n1,2,3\n', encoding="utf-8")
    headers = stage_file(con, path, "stg")
    assert headers == ["_row_1", 'x"; drop table t; --', "订单 编号"]
    assert rows(con, "stg") == [("1", "2", "3", 2)]


def test_xlsx_dates_ints_and_row_numbers(tmp_path, con):
    path = tmp_path / "orders.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])  # row 1 empty: the header is the first non-empty row
    ws.append(["订单编号", "下单日期", "数量", "单价", None, "更新时间"])
    ws.append(["SO-1", dt.datetime(2025, 3, 5), 3, 12.5, None, dt.datetime(2025, 3, 5, 14, 3)])
    ws.append([])  # blank row: skipped
    ws.append(["SO-2", dt.date(2025, 3, 6), 4.0, 1e20, "note", None])
    ws.append([1001, 45721, None, None, None, None])
    wb.save(path)
    headers = stage_file(con, path, "stg")
    assert headers == ["订单编号", "下单日期", "数量", "单价", "column4", "更新时间"]
    assert rows(con, "stg") == [
        ("SO-1", "2025-03-05", "3", "12.5", None, "2025-03-05 14:03:00", 3),
        ("SO-2", "2025-03-06", "4", "100000000000000000000", "note", None, 5),
        ("1001", "45721", None, None, None, None, 6),
    ]


def test_cell_text():
    assert cell_text(3) == "3"
    assert cell_text(3.0) == "3"
    assert cell_text(0.1) == "0.1"
    assert cell_text(dt.datetime(2025, 3, 5)) == "2025-03-05"
    assert cell_text(dt.datetime(2025, 3, 5, 8, 0, 0, 500)) == "2025-03-05 08:00:00.000500"
    assert cell_text(dt.date(2025, 3, 5)) == "2025-03-05"
    assert cell_text(True) == "true"
    assert cell_text("") is None
    assert cell_text(None) is None


def test_parquet_every_column_as_text(tmp_path, con):
    path = tmp_path / "orders.parquet"
    pq.write_table(
        pa.table(
            {
                "order_id": ["SO-1", "SO-2"],
                "order_date": pa.array([dt.date(2025, 3, 5), None], pa.date32()),
                "quantity": [3.0, 2.5],
                "line_no": pa.array([1, None], pa.int64()),
                "updated_at": pa.array([dt.datetime(2025, 3, 5, 14, 3), None], pa.timestamp("us")),
            }
        ),
        path,
    )
    headers = stage_file(con, path, "stg")
    assert headers == ["order_id", "order_date", "quantity", "line_no", "updated_at"]
    assert rows(con, "stg") == [
        ("SO-1", "2025-03-05", "3.0", "1", "2025-03-05 14:03:00", 2),
        ("SO-2", None, "2.5", None, None, 3),
    ]
    assert {r[1] for r in con.execute('DESCRIBE "stg"').fetchall()} == {"VARCHAR", "BIGINT"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("corrupt.xlsx", b"PK\x03\x04 not really a workbook", r"corrupt\.xlsx could not be read as xlsx"),
        ("corrupt.parquet", b"PAR1 nope", r"corrupt\.parquet could not be read as parquet"),
        ("empty.csv", b"", r"empty\.csv is empty"),
    ],
)
def test_unreadable_files(tmp_path, con, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LandingFileError, match=message):
        stage_file(con, path, "stg")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stg'").fetchall()[0][0] == 0


def test_normalise_header():
    assert normalise_header("\ufeff Order ID ") == "order_id"
    assert normalise_header("Unit-Price") == "unit_price"
    assert normalise_header("时长（分钟）") == normalise_header("时长(分钟)") == "时长(分钟)"
    assert normalise_header("订单\u3000编号") == "订单_编号"
    assert normalise_header("ＱＵＡＮＴＩＴＹ") == "quantity"


def test_aliases_are_unambiguous():
    """Every alias means one column per entity (map_headers would otherwise pick arbitrarily)."""
    from ingestion.headers import ALIAS_INDEX

    for name, entity in ENTITIES.items():
        index = ALIAS_INDEX[name]
        for col in entity.columns:
            assert index[normalise_header(col.name)] == col.name
            assert all(index[normalise_header(a)] == col.name for a in col.aliases)


def test_map_headers_prefers_canonical_names():
    mapping = map_headers(ENTITIES["orders"], ["订单号", "order_id", "Order Date", "单价", "unknown"])
    assert mapping == {"order_id": "order_id", "order_date": "Order Date", "unit_price": "单价"}


def test_stage_never_puts_paths_into_sql(tmp_path, con):
    folder = tmp_path / 'it\'s "odd"'
    folder.mkdir()
    path = folder / "订单 2025'03.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert stage_file(con, Path(path), 'stg"x') == ["a"]
    assert rows(con, 'stg""x') == [("1", 2)]
