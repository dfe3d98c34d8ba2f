"""A hostile landing corpus: the shapes real CRM/ERP exports take, each file with the counts it must give.

`build_corpus(landing)` writes ~25 files (most under orders/, a few under credit_splits/ and payments/)
and returns a `Corpus` recording, independently of the loader, what each file holds: its non-blank data
rows below the header (= rows read), how many are good (= accepted) and bad (= rejected), the status, and
the net amount (quantity x unit_price - discount) of every good order line. Files get increasing mtimes in
the order written, which is the order the loader takes them in.

`add_hostile_exports(landing)` adds, to a generated company's landing folder, the exports that used to stop the
warehouse or pay the wrong person (issue 12): 红字 lines with negative quantities, an unknown rep on orders, splits
and adjustments, a split of 50 instead of 0.5, negative returns, a totals row, an exact duplicate row, a renamed
copy and a byte-identical duplicate file - each file with the rows it must read, accept, reject and hold
(`Expect.held`). `add_systemic_failure(landing, rows)` adds a file of negative quantities big enough to block.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl

CANONICAL = ["order_id", "line_no", "order_date", "customer_id", "rep_id", "product_id", "quantity", "unit_price"]
CHINESE = ["订单编号", "行号", "下单日期", "客户编号", "销售员编号", "产品编号", "数量", "单价"]
INJECTION = 'x"; drop table raw.orders; --'
TOTALS_LABELS = {"合计", "总计", "小 计", "Grand Total:", "Ｔｏｔａｌ", "合计："}


@dataclass
class Expect:
    entity: str
    status: str  # loaded | skipped | rejected_file
    read: int
    accepted: int
    rejected: int
    net: Decimal = Decimal(0)  # orders: net amount of the accepted lines
    held: int = 0  # rows held out of credit and commission after dbt (an unknown rep)


@dataclass
class Corpus:
    landing: Path
    files: dict[str, Expect] = field(default_factory=dict)  # relative path -> expected audit
    renamed: str = ""  # the relative path of the renamed copy
    renamed_of: str = ""
    injection: str = ""
    totals_rows: int = 0  # totals rows written (all must be rejected)
    duplicate_rows: int = 0  # later exact copies written (all must be rejected)

    @property
    def orders_net(self) -> Decimal:
        return sum((e.net for e in self.files.values() if e.entity == "orders"), Decimal(0))


class _Writer:
    def __init__(self, landing: Path) -> None:
        self.corpus = Corpus(landing)
        self.clock = 1_700_000_000

    def write(self, entity: str, name: str, data: bytes, expect: Expect) -> str:
        path = self.corpus.landing / entity / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.touch(path)
        rel = f"{entity}/{name}"
        self.corpus.files[rel] = expect
        return rel

    def touch(self, path: Path) -> None:
        self.clock += 60
        os.utime(path, (self.clock, self.clock))


def _line(order_id: str, line_no: str, date: str, qty: str, price: str) -> list[str]:
    return [order_id, line_no, date, "C001", "R01", "P01", qty, price]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(v: str) -> str:
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(c in v for c in f'{delimiter}"\n') else v

    return "".join(delimiter.join(cell(v) for v in row) + "\n" for row in rows)


def _net(*pairs: tuple[str, str]) -> Decimal:
    return sum((Decimal(q) * Decimal(p) for q, p in pairs), Decimal(0))


def build_corpus(landing: Path) -> Corpus:  # noqa: PLR0915 - one file after another, on purpose
    w = _Writer(landing)
    c = w.corpus
    loaded = "loaded"

    # 1. A title row and an export-date line above the header, a totals row, blank trailing rows.
    text = (
        "销售订单明细表\n导出时间：2025-03-01\n"
        + _csv(
            [
                CHINESE,
                _line("T1", "1", "2025-03-01", "2", "100"),
                _line("T1", "2", "2025/3/2", "1", "50.5"),
                _line("T2", "1", "2025年3月3日", "3", "10"),
            ]
        )
        + "合计,,,,,,6,160.5\n,,,,,,,\n   \n\n"
    )
    w.write(
        "orders",
        "01 title and totals.csv",
        text.encode(),
        Expect("orders", loaded, 4, 3, 1, _net(("2", "100"), ("1", "50.5"), ("3", "10"))),
    )
    c.totals_rows += 1

    # 2. Semicolon-delimited, thousands separators (unquoted: the delimiter is not a comma).
    text = _csv(
        [CANONICAL, _line("S1", "1", "2025-03-04", "1", "1,234.50"), _line("S2", "1", "2025-03-04", "2", "2,000")], ";"
    )
    semicolon = w.write(
        "orders",
        "02 semicolon.csv",
        text.encode(),
        Expect("orders", loaded, 2, 2, 0, _net(("1", "1234.50"), ("2", "2000"))),
    )

    # 3. Tab-delimited with a currency sign.
    text = _csv(
        [CANONICAL, _line("TB1", "1", "2025-03-05", "1", "¥88"), _line("TB2", "1", "2025-03-05", "1", "￥12")], "\t"
    )
    w.write("orders", "03 tab.csv", text.encode(), Expect("orders", loaded, 2, 2, 0, _net(("1", "88"), ("1", "12"))))

    # 4. GBK with Chinese headers and a Chinese status.
    text = _csv(
        [
            [*CHINESE, "状态"],
            [*_line("G1", "1", "2025-03-06", "4", "25"), "已完成"],
            [*_line("G2", "1", "2025-03-06", "1", "10"), "已取消"],
        ]
    )
    w.write(
        "orders", "04 gbk.csv", text.encode("gbk"), Expect("orders", loaded, 2, 2, 0, _net(("4", "25"), ("1", "10")))
    )

    # 5. GB18030-only characters (not in GBK) in an unknown column.
    text = _csv([[*CANONICAL, "备注"], [*_line("GB1", "1", "2025-03-07", "1", "7"), "𠮷野家 㐀"]])
    w.write("orders", "05 gb18030.csv", text.encode("gb18030"), Expect("orders", loaded, 1, 1, 0, _net(("1", "7"))))

    # 6. UTF-8 with BOM; 7. UTF-16.
    text = _csv([CHINESE, _line("B1", "1", "2025-03-08", "1", "9")])
    w.write(
        "orders", "06 bom.csv", codecs.BOM_UTF8 + text.encode(), Expect("orders", loaded, 1, 1, 0, _net(("1", "9")))
    )
    text = _csv([CHINESE, _line("U1", "1", "2025-03-08", "2", "3"), _line("U2", "1", "2025-03-08", "x", "3")])
    w.write("orders", "07 utf16.csv", text.encode("utf-16"), Expect("orders", loaded, 2, 1, 1, _net(("2", "3"))))

    # 8. Full-width digits and punctuation, 万 units, currency signs, ideographic spaces.
    text = _csv(
        [
            CANONICAL,
            _line("F1", "１", "２０２５－０３－０９", "２", "１２３．５"),
            _line("F2", "1", "2025年　3月　9日", "1", "1.2万"),
            _line("F3", "1", "2025-03-09", "\u3000３\u3000", "￥1,234.00"),
            _line("F4", "1", "2025-03-09", "1", "(100.00)"),
        ]
    )  # an accounting negative: a credit line, quarantined (unit_price_not_negative; credits are returns)
    w.write(
        "orders",
        "08 full-width.csv",
        text.encode(),
        Expect("orders", loaded, 4, 3, 1, _net(("2", "123.5"), ("1", "12000"), ("3", "1234"))),
    )

    # 9. Bad dates and other bad cells.
    text = _csv(
        [
            CANONICAL,
            _line("D1", "1", "soon", "1", "1"),
            _line("D2", "1", "2025-13-45", "1", "1"),
            _line("D3", "1", "2025-03-10", "1", "1"),
            _line("D4", "1.5", "2025-03-10", "", "abc"),
        ]
    )
    w.write("orders", "09 bad cells.csv", text.encode(), Expect("orders", loaded, 4, 1, 3, _net(("1", "1"))))

    # 10. A required column missing: the whole file is rejected, the others still load.
    text = _csv(
        [
            [h for h in CANONICAL if h != "order_date"],
            ["M1", "1", "C1", "R1", "P1", "1", "1"],
            ["M2", "1", "C1", "R1", "P1", "1", "1"],
        ]
    )
    w.write("orders", "10 missing column.csv", text.encode(), Expect("orders", "rejected_file", 2, 0, 2))

    # 11. Extra unknown columns; 12. quoted line breaks.
    text = _csv([[*CANONICAL, "内部编码", "remark"], [*_line("E1", "1", "2025-03-11", "1", "5"), "X-1", "ok"]])
    w.write("orders", "11 extra columns.csv", text.encode(), Expect("orders", loaded, 1, 1, 0, _net(("1", "5"))))
    text = _csv(
        [
            [*CANONICAL, "备注"],
            [*_line("Q1", "1", "2025-03-12", "1", "6"), "第一行\n第二行, 带逗号"],
            [*_line("Q2", "1", "2025-03-12", "1", "4"), 'say "hi"'],
        ]
    )
    w.write(
        "orders",
        "12 quoted line breaks.csv",
        text.encode(),
        Expect("orders", loaded, 2, 2, 0, _net(("1", "6"), ("1", "4"))),
    )

    # 13. A header written to break SQL.
    text = _csv(
        [
            [*CANONICAL, INJECTION],
            [*_line("I1", "1", "2025-03-13", "1", "8"), "boom"],
            [*_line("I2", "1", "never", "1", "8"), "boom"],
        ]
    )
    c.injection = w.write(
        "orders", "13 injection.csv", text.encode(), Expect("orders", loaded, 2, 1, 1, _net(("1", "8")))
    )

    # 14. A file name with spaces, Chinese characters and parentheses.
    text = _csv([CANONICAL, _line("N1", "1", "2025-03-14", "1", "11")])
    w.write(
        "orders", "华东 订单 2025年3月 (final).csv", text.encode(), Expect("orders", loaded, 1, 1, 0, _net(("1", "11")))
    )

    # 15. Empty; 16. header only.
    w.write("orders", "15 empty.csv", b"", Expect("orders", "rejected_file", 0, 0, 0))
    w.write("orders", "16 header only.csv", _csv([CANONICAL]).encode(), Expect("orders", loaded, 0, 0, 0))

    # 17. Exact duplicate rows (the later copies are rejected); a same-key row with a different cell is not one.
    row = _line("X1", "1", "2025-03-15", "2", "50")
    text = _csv(
        [CANONICAL, row, _line("X2", "1", "2025-03-15", "1", "1"), row, _line("X1", "1", "2025-03-15", "3", "50"), row]
    )
    w.write(
        "orders",
        "17 duplicates.csv",
        text.encode(),
        Expect("orders", loaded, 5, 3, 2, _net(("2", "50"), ("1", "1"), ("3", "50"))),
    )
    c.duplicate_rows += 2

    # 18. Excel: a merged title banner, order id and customer merged down their lines, a merged totals row.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["销售订单明细表"])
    ws.merge_cells("A1:H1")
    ws.append(CHINESE)
    ws.append(["XL1", 1, dt.datetime(2025, 3, 16), "C009", "R01", "P01", 2, 10])
    ws.append([None, 2, dt.datetime(2025, 3, 16), None, "R01", "P02", 1, 5])
    ws.append([None, 3, dt.datetime(2025, 3, 16), None, "R01", "P03", 1, 1])
    ws.merge_cells("A3:A5")
    ws.merge_cells("D3:D5")
    ws.append(["合计", None, None, None, None, None, 4, 16])
    ws.merge_cells("A6:F6")
    ws.append([])
    ws.append([" ", "\u3000"])  # whitespace only: not a row
    w.write(
        "orders",
        "18 merged.xlsx",
        _xlsx_bytes(wb, landing),
        Expect("orders", loaded, 4, 3, 1, _net(("2", "10"), ("1", "5"), ("1", "1"))),
    )
    c.totals_rows += 1

    # 19. Several sheets: a notes sheet, two months (columns in another order), a pivot sheet.
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本文件由ERP导出"])
    notes.append(["请勿修改"])
    jan = wb.create_sheet("一月")
    jan.append(CHINESE)
    jan.append(["MS1", 1, "2025-01-05", "C1", "R1", "P1", 1, 100])
    jan.append(["MS2", 1, "2025-01-06", "C1", "R1", "P1", 1, 200])
    feb = wb.create_sheet("二月")
    feb.append(list(reversed(CHINESE)))
    feb.append(list(reversed(["MS3", 1, "2025-02-05", "C1", "R1", "P1", 1, 300])))
    feb.append(list(reversed(["MS4", 1, "someday", "C1", "R1", "P1", 1, 400])))
    pivot = wb.create_sheet("汇总")
    pivot.append(["销售员", "金额"])
    pivot.append(["R1", 1000])
    w.write(
        "orders",
        "19 multi sheet.xlsx",
        _xlsx_bytes(wb, landing),
        Expect("orders", loaded, 4, 3, 1, _net(("1", "100"), ("1", "200"), ("1", "300"))),
    )

    # 20. Whitespace-only rows and cells, trailing blank cells.
    text = (
        _csv([CANONICAL, _line(" W1 ", "1", " 2025-03-17 ", " 1 ", " 3 ")])
        + " , , , , , , , \n\u3000,\u3000,,,,,,\n\t\n"
    )
    w.write("orders", "20 whitespace rows.csv", text.encode(), Expect("orders", loaded, 1, 1, 0, _net(("1", "3"))))

    # 21. Totals labels in their other spellings, as the last rows of a report.
    text = (
        _csv([CANONICAL, _line("TV1", "1", "2025-03-18", "1", "2")])
        + "".join(f"{label},,,,,,1,2\n" for label in ("Grand Total:", "小 计", "Ｔｏｔａｌ", "合计："))
        + ",,总计,,,,1,2\n"
    )
    w.write("orders", "21 totals spellings.csv", text.encode(), Expect("orders", loaded, 6, 1, 5, _net(("1", "2"))))
    c.totals_rows += 5

    # 22. A later correction cancelling a line of file 1, with a newer updated_at.
    text = _csv(
        [
            [*CANONICAL, "status", "cancelled_date", "updated_at"],
            [*_line("T1", "2", "2025/3/2", "1", "50.5"), "已取消", "2025-03-20", "2025-03-20 10:00"],
        ]
    )
    w.write("orders", "22 corrections.csv", text.encode(), Expect("orders", loaded, 1, 1, 0, _net(("1", "50.5"))))

    # 23. The semicolon file again under another name: a no-op.
    c.renamed_of = semicolon
    c.renamed = w.write(
        "orders",
        "23 copy of semicolon (2).csv",
        (landing / semicolon).read_bytes(),
        Expect("orders", "skipped", 0, 0, 0),
    )

    # 24. Percentages for fractions; 25. a GBK payments file with a title row and a totals row.
    text = _csv(
        [
            ["订单编号", "销售员编号", "分配比例"],
            ["S1", "R01", "50%"],
            ["S1", "R02", "12.5％"],
            ["S2", "R01", " 50 %"],
            ["S2", "R02", "0.25"],
            ["S2", "R03", "half"],
        ]
    )
    w.write("credit_splits", "24 splits.csv", text.encode(), Expect("credit_splits", loaded, 5, 4, 1))
    text = (
        "回款明细\n"
        + _csv(
            [
                ["回款单号", "客户编号", "回款日期", "回款金额"],
                ["PM1", "C001", "2025年3月5日", "￥1,000"],
                ["PM2", "C002", "2025/3/6", "1.5万"],
            ]
        )
        + '合计,,,"16,000"\n'
    )
    w.write("payments", "25 payments gbk.csv", text.encode("gbk"), Expect("payments", loaded, 3, 2, 1))
    c.totals_rows += 1
    return c


def _xlsx_bytes(wb: openpyxl.Workbook, landing: Path) -> bytes:
    tmp = landing / ".tmp.xlsx"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    wb.save(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    return data


# -- exports that used to stop the warehouse or pay the wrong person (issue 12), on a generated company ----------

UNKNOWN_REP = "R9999"  # in no reps export


@dataclass
class PipelineCorpus:
    landing: Path
    files: dict[str, Expect] = field(default_factory=dict)
    known_rep: str = ""
    held: set[tuple[str, str, int]] = field(default_factory=set)  # (entity, file, row) held for UNKNOWN_REP
    quarantined: dict[tuple[str, int], str] = field(default_factory=dict)  # (file, row) -> reason starts with
    copies: list[str] = field(default_factory=list)  # renamed / duplicated files: skipped


def _first_value(path: Path, column: str, where: tuple[str, str] | None = None) -> str:
    """The first row's `column` of a generated CSV (the first row whose where[0] is where[1])."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(r[column] for r in csv.DictReader(handle) if where is None or r[where[0]] == where[1])


def add_hostile_exports(landing: Path) -> PipelineCorpus:
    """Hostile exports next to a generated company (salesperf.demo): known ids are read from its files."""
    w = _Writer(landing)
    w.clock = int(max(p.stat().st_mtime for p in landing.rglob("*") if p.is_file())) + 60  # after the company
    out = PipelineCorpus(landing)
    rep = out.known_rep = _first_value(next((landing / "reps").glob("*.csv")), "rep_id", ("role", "rep"))
    orders_file = sorted((landing / "orders").glob("orders_*.csv"))[-1]
    customer, product = _first_value(orders_file, "customer_id"), _first_value(orders_file, "product_id")
    header = ["order_id", "line_no", "order_date", "customer_id", "rep_id", "product_id", "quantity", "unit_price"]

    def line(order: str, qty: str, price: str, who: str = rep) -> list[str]:
        return [order, "1", "2025-11-03", customer, who, product, qty, price]

    rows = [
        header,
        line("HX1", "2", "100"),  # row 2: good
        line("HX2", "-2", "100"),  # row 3: 红字 credit line: quarantined
        line("HX3", "1", "(100.00)"),  # row 4: accounting negative price: quarantined
        line("HX4", "3", "50", UNKNOWN_REP),  # row 5: unknown rep: held
        line("HX5", "0", "100"),  # row 6: zero quantity: quarantined
        line("HX1", "2", "100"),  # row 7: exact duplicate of row 2: rejected
    ]
    text = _csv(rows) + "合计,,,,,,6,450\n"  # row 8: totals row: rejected
    red = w.write(
        "orders", "2025-11 红字 and unknown rep.csv", text.encode(), Expect("orders", "loaded", 7, 1, 5, held=1)
    )
    out.held.add(("orders", red, 5))
    out.quarantined |= {
        (red, 3): 'quantity: expected a quantity > 0, found "-2"',
        (red, 4): 'unit_price: expected a price >= 0, found "(100.00)"',
        (red, 6): 'quantity: expected a quantity > 0, found "0"',
        (red, 7): "exact duplicate of row 2",
        (red, 8): 'totals row ("合计"): not a data row',
    }
    # the same export again under another name, and a byte-identical copy in a sub-folder: nothing changes
    for copy in ("2025-11 红字 and unknown rep (1).csv", "archive/2025-11 copy.csv"):
        out.copies.append(w.write("orders", copy, text.encode(), Expect("orders", "skipped", 0, 0, 0)))

    splits = _csv(
        [
            ["order_id", "rep_id", "split_pct"],
            ["HX1", rep, "50"],  # row 2: 50 instead of 0.5: quarantined
            ["HX1", UNKNOWN_REP, "0.5"],  # row 3: unknown rep: held
            ["HX4", rep, "0.5"],  # row 4: good (its order is held, so it credits nothing)
        ]
    )
    split_file = w.write(
        "credit_splits", "hostile splits.csv", splits.encode(), Expect("credit_splits", "loaded", 3, 1, 1, held=1)
    )
    out.held.add(("credit_splits", split_file, 3))
    out.quarantined[(split_file, 2)] = 'split_pct: expected a fraction > 0 and <= 1 (0.5 or 50%), found "50"'

    adjustments = _csv(
        [["rep_id", "period", "amount", "reason"], [UNKNOWN_REP, "2025-11", "500", "x"], [rep, "2025-11", "100", "y"]]
    )
    adj = w.write(
        "adjustments", "hostile adjustments.csv", adjustments.encode(), Expect("adjustments", "loaded", 2, 1, 0, held=1)
    )
    out.held.add(("adjustments", adj, 2))

    returns = _csv(
        [
            ["return_id", "order_id", "line_no", "return_date", "amount"],
            ["HR1", "HX1", "1", "2025-11-05", "-50"],  # row 2: negative credit note: quarantined
            ["HR2", "HX1", "1", "2025-11-05", "50"],  # row 3: good
        ]
    )
    ret = w.write("returns", "hostile returns.csv", returns.encode(), Expect("returns", "loaded", 2, 1, 1))
    out.quarantined[(ret, 2)] = 'amount: expected an amount > 0 (money credited back), found "-50"'
    out.files = w.corpus.files
    return out


def add_systemic_failure(landing: Path, rows: int, rep: str) -> str:
    """A file of `rows` order lines that all have negative quantities (an export of credit lines landed in the
    orders folder): past the 1 % money-rule threshold of a 20,000-line company when rows > ~205."""
    orders_file = sorted((landing / "orders").glob("orders_*.csv"))[-1]
    customer, product = _first_value(orders_file, "customer_id"), _first_value(orders_file, "product_id")
    body = [["order_id", "order_date", "customer_id", "rep_id", "product_id", "quantity", "unit_price"]]
    body += [[f"RED{i:05d}", "2025-11-04", customer, rep, product, f"-{1 + i % 3}", "80"] for i in range(rows)]
    path = landing / "orders" / "2025-11 credit lines.csv"
    path.write_text(_csv(body), encoding="utf-8")
    return "orders/2025-11 credit lines.csv"
