"""Writing the demo's tables and files: SQL literals, Arrow -> DuckDB, COPY to CSV, a byte-stable .xlsx.

Every file is written ORDER BY and with fixed metadata, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from salesperf.demo.company import COMPANY, Run


def sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def date_sql(value: datetime.date) -> str:
    return f"DATE '{value.isoformat()}'"


def path_sql(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def load_table(run: Run, name: str, columns: dict[str, list[Any]], types: dict[str, pa.DataType]) -> None:
    """Create table `name` from Python columns via Arrow (executemany is ~1 ms a row in DuckDB)."""
    arrow = pa.table({c: pa.array(v, types.get(c)) for c, v in columns.items()})
    run.con.register(f"{name}_arrow", arrow)
    run.con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    run.con.unregister(f"{name}_arrow")


def copy_csv(run: Run, query: str, path: Path) -> int:
    """COPY a query to a UTF-8 CSV with a header; returns the rows written (the query must ORDER BY)."""
    rows = run.con.execute(f"COPY ({query}) TO {path_sql(path)} (FORMAT csv, HEADER)").fetchall()
    return int(rows[0][0])


def scalar(run: Run, query: str) -> Any:
    return run.con.execute(query).fetchall()[0][0]  # fetchall: leaves no unfinished result behind


def deterministic_xlsx(workbook: Workbook, path: Path, stamp: datetime.datetime) -> None:
    """Save an .xlsx whose bytes depend only on its content.

    openpyxl's save_workbook stamps "modified" with the current time and zip entries carry the wall
    clock; we write through ExcelWriter with fixed document properties and re-zip with fixed times.
    """
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = COMPANY
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))
