"""BI tools on the published file (docs/bi.md), each recipe's client in an environment of its own, like a BI
tool's: installed by `make compat` with `pip --target` under .venv-compat/clients/ and run in a child
process, on the shared generated company (conftest `company`).

- DuckDB CLI 1.5.6 (the `duckdb-cli` wheel): reads the file read-only, comments included.
- A mart copied out to Parquet (the Power BI / Excel recipe) keeps its rows and its decimal amounts.
- Superset <= 6.1 pins SQLAlchemy 1.4.54: with duckdb-engine 0.17 every mart reflects (tables, columns with
  comments, keys) on the DuckDB 2.0.1 that `pip install duckdb-engine` brings today.
- SQLAlchemy 2.0 (Superset's main branch since 2026-08): tables and columns reflect, keys raise the REGCLASS
  error; SQLAlchemy 2.1 (this project's venv): columns fail too (pg_catalog.pg_collation).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT

CLIENTS = PROJECT_ROOT / ".venv-compat" / "clients"
SUPERSET_SQLALCHEMY = "1.4.54"  # apache/superset requirements/base.txt up to 6.1
DUCKDB_CLI = "1.5.6"


def compat_env(name: str) -> Path:
    """The folder `make compat` filled with one BI client (BI_CLIENTS in the Makefile); never installed here."""
    target = CLIENTS / name
    if not target.is_dir():
        pytest.fail(f"no BI client at {target}: run `make compat`")
    return target


REFLECT = textwrap.dedent("""
    import json, sys
    import sqlalchemy as sa
    # docs/bi.md: the SQLAlchemy URI of the published file, read-only
    engine = sa.create_engine(f"duckdb:///{sys.argv[1]}?access_mode=read_only")
    inspector = sa.inspect(engine)
    out = {"sqlalchemy": sa.__version__, "tables": {}, "errors": {}}
    for schema in ("marts", "audit"):
        for table in inspector.get_table_names(schema=schema):
            name = f"{schema}.{table}"
            try:
                columns = inspector.get_columns(table, schema=schema)
                out["tables"][name] = [[c["name"], c.get("comment")] for c in columns]
            except Exception as exc:
                out["errors"].setdefault("columns", str(exc).splitlines()[0])
            try:
                inspector.get_pk_constraint(table, schema=schema)
                inspector.get_foreign_keys(table, schema=schema)
            except Exception as exc:
                out["errors"].setdefault("keys", str(exc).splitlines()[0])
    print(json.dumps(out, ensure_ascii=False))
""")


def reflect(env: Path | None, warehouse: Path) -> dict:
    pythonpath = {"PYTHONPATH": str(env)} if env else {}
    proc = subprocess.run(
        [sys.executable, "-c", REFLECT, str(warehouse)], capture_output=True, text=True, env=pythonpath, check=True
    )
    return json.loads(proc.stdout)


def published_columns(warehouse: Path) -> dict[str, list[list]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() "
            "where schema_name in ('marts', 'audit') order by schema_name, table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, list[list]] = {}
    for table, column, comment in rows:
        out.setdefault(table, []).append([column, comment])
    return out


@pytest.fixture(scope="module")
def warehouse(company) -> Path:
    return company[0].warehouse


def test_superset_environment_reflects_every_mart(warehouse):
    env = compat_env(f"sqlalchemy-{SUPERSET_SQLALCHEMY}")
    result = reflect(env, warehouse)
    assert result["sqlalchemy"] == SUPERSET_SQLALCHEMY and result["errors"] == {}
    expected = published_columns(warehouse)
    assert sorted(result["tables"]) == sorted(expected)
    assert len([t for t in expected if t.startswith("marts.")]) >= 15
    for table, columns in expected.items():
        assert result["tables"][table] == columns, table  # every column, in order, with its comment
    assert all(c[1] for c in expected["marts.fct_attainment"]), "comments reach the BI tool"


def test_sqlalchemy_2_fails_on_keys_with_regclass(warehouse):
    env = compat_env("sqlalchemy-2.0.58")
    result = reflect(env, warehouse)
    assert result["sqlalchemy"] == "2.0.58"
    assert result["tables"] == published_columns(warehouse)  # tables and columns still reflect
    assert "Type with name REGCLASS does not exist" in result["errors"]["keys"]
    own = reflect(None, warehouse)  # this project's SQLAlchemy 2.1: column reflection fails as well
    assert own["sqlalchemy"].startswith("2.1")
    assert 'Referenced table "pg_catalog.pg_collation" not found' in own["errors"]["columns"]


def test_duckdb_cli_reads_the_published_file(warehouse):
    env = compat_env(f"duckdb-cli-{DUCKDB_CLI}")
    cli = env / "duckdb_cli" / "duckdb"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"v{DUCKDB_CLI}")
    # the recipe in docs/bi.md
    query = (
        "select period_label, key, actual_amount, target_amount, attainment_pct from marts.fct_attainment "
        "where level = 'region' and period_type = 'quarter' order by period_start desc, key limit 10"
    )
    proc = subprocess.run([str(cli), "-readonly", "-csv", str(warehouse), "-c", query], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        expected = con.execute(query).fetchall()
    finally:
        con.close()
    assert rows[0] == ["period_label", "key", "actual_amount", "target_amount", "attainment_pct"]
    assert len(rows) == 11
    for got, want in zip(rows[1:], expected, strict=True):
        assert got[:2] == list(want[:2]) and float(got[2]) == pytest.approx(float(want[2]), abs=0.005)
    comments = subprocess.run(
        [str(cli), "-readonly", "-csv", "-noheader", str(warehouse), "-c",
         "select count(*) from duckdb_columns() where schema_name = 'marts' and comment is not null"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert int(comments) > 100
    write = [str(cli), "-readonly", str(warehouse), "-c", "create table marts.x as select 1"]
    write = subprocess.run(write, capture_output=True, text=True)
    assert write.returncode != 0 and "read-only" in (write.stderr + write.stdout).lower()


def test_mart_to_parquet_recipe(warehouse, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "fct_attainment.parquet"
    con = duckdb.connect(str(warehouse), read_only=True)  # docs/bi.md: copy a mart out of the read-only file
    try:
        con.execute(f"copy (select * from marts.fct_attainment) to '{out}' (format parquet)")
        expected = con.execute("select count(*), sum(actual_amount) from marts.fct_attainment").fetchone()
    finally:
        con.close()
    table = pq.read_table(out)
    assert table.num_rows == expected[0]
    assert str(table.schema.field("actual_amount").type).startswith("decimal")  # money keeps its cents
    assert sum(v.as_py() for v in table.column("actual_amount")) == expected[1]
