"""readers.stage_file on the shapes real exports take: title rows, delimiters, merged cells, several sheets."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest

from ingestion.entities import ENTITIES
from ingestion.headers import header_scorer
from ingestion.readers import LandingFileError, StagedFile, detect_delimiter, find_header, stage_file


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def rows(con: duckdb.DuckDBPyConnection, table: str = "stg") -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY _row').fetchall()


def test_find_header_rules():
    title = [["销售订单明细表"], [], ["导出时间：2025-03-01"], ["a", "b", "c"], ["1", "2", "3"]]
    assert find_header(title) == 3
    merged_banner = [["报表"] * 6, ["a", "b", "c", "d", "e", "f"], ["1", "2", "3", "4", "5", "6"]]
    assert find_header(merged_banner) == 1
    key_value = [["导出人", "张三"], ["a", "b", "c", "d", "e"], ["1", "2", "3", "4", "5"]]
    assert find_header(key_value) == 1
    assert find_header([["only"], ["1"]]) == 0
    assert find_header([[], [None, " "]]) is None
    score = header_scorer(ENTITIES["orders"])
    assert score(["订单编号", "下单日期", "whatever"]) == 2 and score(["销售订单明细表"]) == 0
    # a score finds the header even below a wide preamble line
    preamble = [["公司", "部门", "导出人", "日期"], ["订单编号", "数量"], ["SO-1", "2"]]
    assert find_header(preamble, score) == 1 and find_header(preamble) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1,5;2;3\n4,5;6;7\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ("title\na;b\n1;2\n", ";"),
        ("just one column\nx\n", ","),
    ],
)
def test_detect_delimiter(text, expected):
    assert detect_delimiter(text.splitlines(keepends=True)) == expected


def test_csv_title_rows_gbk_and_row_numbers(tmp_path, con):
    path = tmp_path / "t.csv"
    text = '销售订单明细表\n\n导出时间：2025-03-01\n订单编号;数量\nSO-1;2\n"SO\n2";3\n4;5;6\n合计;10\n'
    path.write_bytes(text.encode("gbk"))
    staged = stage_file(con, path, "stg", header_score=header_scorer(ENTITIES["orders"]))
    assert isinstance(staged, StagedFile) and staged[:2] == ["订单编号", "数量"]
    assert (staged.header_row, staged.delimiter) == (4, ";")
    assert "header on row 4" in staged.notes
    assert rows(con) == [("SO-1", "2", None, 5), ("SO\n2", "3", None, 6), ("4", "5", "6", 7), ("合计", "10", None, 8)]


def test_csv_header_row_and_delimiter_given(tmp_path, con):
    path = tmp_path / "t.csv"
    path.write_text("x|y\nfoo|bar\na|b\n1|2\n", encoding="utf-8")
    staged = stage_file(con, path, "stg", header_row=3, delimiter="|")
    assert staged == ["a", "b"] and rows(con) == [("1", "2", 4)]


def _merged_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append(["销售订单明细表"])
    ws.merge_cells("A1:C1")
    ws.append(["订单编号", "行号", "客户编号"])
    ws.append(["SO-1", 1, "C1"])
    ws.append([None, 2, None])
    ws.merge_cells("A3:A4")
    ws.merge_cells("C3:C4")
    ws.append(["合计"])
    ws.merge_cells("A5:B5")
    notes = wb.create_sheet("说明")
    notes.append(["导出说明"])
    other = wb.create_sheet("二月")
    other.append(["客户编号", "订单编号", "行号"])
    other.append(["C2", "SO-9", 1])
    wb.save(path)


def test_xlsx_merged_cells_and_sheets(tmp_path, con):
    path = tmp_path / "m.xlsx"
    _merged_workbook(path)
    staged = stage_file(con, path, "stg", header_score=header_scorer(ENTITIES["orders"]))
    assert staged == ["订单编号", "行号", "客户编号"]
    assert (staged.header_row, staged.sheets) == (2, ["明细", "二月"])
    assert staged.skipped_sheets == [("说明", "its columns differ from 明细's")]
    assert rows(con) == [
        ("SO-1", "1", "C1", 3),
        ("SO-1", "2", "C1", 4),
        ("合计", "合计", None, 5),
        ("SO-9", "1", "C2", 10_000_002),
    ]


def test_xlsx_sheet_by_name_or_index(tmp_path, con):
    path = tmp_path / "m.xlsx"
    _merged_workbook(path)
    assert stage_file(con, path, "stg", sheet="二月").sheets == ["二月"]
    assert rows(con) == [("C2", "SO-9", "1", 2)]
    assert stage_file(con, path, "stg", sheet=2) == ["客户编号", "订单编号", "行号"]
    with pytest.raises(LandingFileError, match=r"m\.xlsx has no worksheet '三月' \(it has 明细, 说明, 二月\)"):
        stage_file(con, path, "stg", sheet="三月")


def test_a_csv_mixing_crlf_and_lf_line_ends_loads_with_a_note(tmp_path):
    # An export written with CRLF and a line appended by hand with LF: DuckDB's sniffer gives up on the
    # file whatever the options, so the reader retries on a copy with every CRLF made LF.
    import duckdb

    from ingestion.load import ingest_entity

    folder = tmp_path / "landing" / "orders"
    folder.mkdir(parents=True)
    header = "order_id,order_date,customer_id,rep_id,product_id,quantity,unit_price"
    (folder / "mixed.csv").write_bytes(
        (header + "\r\nSO1,2025-03-05,C1,R1,P1,2,100\r\nSO2,2025-03-06,C1,R1,P1,1,50\r\n").encode()
        + b"SO3,2025-03-07,C1,R1,P1,3,10\n"
    )
    con = duckdb.connect()
    report = ingest_entity(con, "orders", tmp_path / "landing")
    (result,) = report.files
    assert (result.status, result.rows_read, result.rows_accepted, result.rows_rejected) == ("loaded", 3, 3, 0)
    assert "line ends normalised" in result.message
    assert con.execute("select order_id, quantity * unit_price, _source_row from raw.orders order by 1").fetchall() == [
        ("SO1", 200, 2),
        ("SO2", 50, 3),
        ("SO3", 30, 4),
    ]


@pytest.mark.parametrize(
    ("data", "mixed"),
    [
        (b"a,b\r\n1,2\r\n", False),
        (b"a,b\n1,2\n", False),
        (b"a,b\r\n1,2\n", True),
        (b"a\r\nb\r\n\n", True),
    ],
)
def test_mixed_line_ends_are_found_across_chunk_edges(tmp_path, monkeypatch, data, mixed):
    from ingestion.readers import base, csv_files

    path = tmp_path / "f.csv"
    path.write_bytes(data)
    for chunk in (1, 2, 3, 4096):  # a CRLF split between two chunks is still one CRLF
        monkeypatch.setattr(base, "CHUNK", chunk)
        assert csv_files.mixed_line_ends(path) is mixed
        csv_files.normalise_line_ends(path, out := tmp_path / "out.csv")
        assert out.read_bytes() == data.replace(b"\r\n", b"\n")
