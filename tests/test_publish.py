"""Publishing: atomic, never blocked by a BI reader, never half-built, and readable by DuckDB 1.x."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest

from salesperf.serving.publish import publish


def _build(build_db: Path, version: int, rows: int) -> None:
    """A build database whose marts table and its row-count header must always agree."""
    con = duckdb.connect(str(build_db))
    con.execute("create schema if not exists marts; create schema if not exists audit; create schema if not exists raw")
    con.execute(f"create or replace table marts.fct_demo as select {version} as version, i from range({rows}) t(i)")
    con.execute(f"create or replace table marts.demo_header as select {version} as version, {rows} as n")
    con.execute("comment on table marts.fct_demo is 'demo fact'")
    con.execute("comment on column marts.fct_demo.version is 'which build wrote the row'")
    con.execute("create or replace table raw.not_published as select 1 as x")
    con.execute("create or replace table audit.rejected_rows as select 'f.csv' as file")
    con.close()


READER = textwrap.dedent("""
    import sys, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    def state(c):
        return c.execute("select max(version), count(*) from marts.fct_demo").fetchone()
    print("open", *state(con), flush=True)
    sys.stdin.readline()                      # the test publishes while we hold the file open
    print("held", *state(con), flush=True)    # the old, complete version: never a mix
    con.close()
    con = duckdb.connect(path, read_only=True)
    print("reopened", *state(con), flush=True)
""")


def test_reader_holding_the_file_neither_blocks_publish_nor_sees_a_partial_file(tmp_path):
    build_db, warehouse = tmp_path / "build.duckdb", tmp_path / "pub" / "salesperf.duckdb"
    _build(build_db, version=1, rows=1_000)
    publish(build_db, warehouse)

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().split() == ["open", "1", "1000"]
        _build(build_db, version=2, rows=250_000)
        report = publish(build_db, warehouse)  # would raise a lock error if the reader blocked it
        assert report.tables["marts.fct_demo"] == 250_000
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == ["held", "1", "1000"]
        assert reader.stdout.readline().split() == ["reopened", "2", "250000"]
    finally:
        reader.wait(timeout=60)
    assert reader.returncode == 0
    # Only marts and audit are published; comments travel with the tables.
    con = duckdb.connect(str(warehouse), read_only=True)
    schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts", "audit"}
    comment = con.execute(
        "select comment from duckdb_columns() where table_name = 'fct_demo' and column_name = 'version'"
    ).fetchone()[0]
    assert comment == "which build wrote the row"
    con.close()
    assert not list(warehouse.parent.glob(".*publishing*")), "no temporary file left behind"


POLLER = textwrap.dedent("""
    import sys, duckdb
    path, stop_file = sys.argv[1], sys.argv[2]
    import os
    opens = bad = 0
    while not os.path.exists(stop_file):
        con = duckdb.connect(path, read_only=True)
        version, n = con.execute("select version, n from marts.demo_header").fetchone()
        rows, versions = con.execute("select count(*), count(distinct version) from marts.fct_demo").fetchone()
        bad += (rows != n) or (versions != 1)
        opens += 1
        con.close()
    print(opens, bad, flush=True)
""")


def test_readers_opening_during_repeated_publishes_always_see_a_whole_version(tmp_path):
    build_db, warehouse = tmp_path / "build.duckdb", tmp_path / "salesperf.duckdb"
    _build(build_db, version=0, rows=10)
    publish(build_db, warehouse)
    stop_file = tmp_path / "stop"
    poller = subprocess.Popen(
        [sys.executable, "-c", POLLER, str(warehouse), str(stop_file)], stdout=subprocess.PIPE, text=True
    )
    try:
        for version in range(1, 6):
            _build(build_db, version=version, rows=50_000 * version)
            publish(build_db, warehouse)
    finally:
        stop_file.touch()
        out, _ = poller.communicate(timeout=60)
    opens, bad = map(int, out.split())
    assert poller.returncode == 0
    assert opens > 0 and bad == 0


def _open_with(compat_python: Path, database: Path) -> subprocess.CompletedProcess:
    script = textwrap.dedent(f"""
        import duckdb
        assert duckdb.__version__.startswith("1."), duckdb.__version__
        con = duckdb.connect({str(database)!r}, read_only=True)
        print(duckdb.__version__, con.execute("select count(*) from marts.fct_demo").fetchone()[0],
              con.execute("select comment from duckdb_tables() where table_name = 'fct_demo'").fetchone()[0])
    """)
    return subprocess.run([str(compat_python), "-s", "-c", script], capture_output=True, text=True, timeout=120)


def test_published_file_opens_in_duckdb_1x_while_a_default_2x_file_does_not(tmp_path, compat_python):
    build_db, warehouse = tmp_path / "build.duckdb", tmp_path / "salesperf.duckdb"
    _build(build_db, version=3, rows=1234)
    publish(build_db, warehouse)

    ok = _open_with(compat_python, warehouse)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["1.1.3", "1234", "demo", "fact"]

    # Negative control: the build database, written by DuckDB 2.0 with default settings, fails there.
    bad = _open_with(compat_python, build_db)
    assert bad.returncode != 0
    assert "version number" in bad.stderr


@pytest.mark.parametrize("schemas", [("marts",), ("marts", "audit")])
def test_publish_copies_only_the_requested_schemas(tmp_path, schemas):
    build_db, warehouse = tmp_path / "build.duckdb", tmp_path / "w.duckdb"
    _build(build_db, version=1, rows=5)
    report = publish(build_db, warehouse, schemas=schemas)
    assert {name.split(".")[0] for name in report.tables} == set(schemas)


def test_concurrent_publishers_do_not_corrupt_each_other(tmp_path):
    """Two publishes racing (e.g. a misconfigured second runner) each write their own temp file."""
    build_db, warehouse = tmp_path / "build.duckdb", tmp_path / "w.duckdb"
    _build(build_db, version=7, rows=20_000)
    errors: list[BaseException] = []

    def go() -> None:
        try:
            publish(build_db, warehouse)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from marts.fct_demo").fetchone()[0] == 20_000
    con.close()
    assert not errors


def test_staging_files_of_a_publish_killed_midway_are_removed(tmp_path):
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as x")
    con.close()
    warehouse = tmp_path / "wh" / "salesperf.duckdb"
    warehouse.parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    abandoned = warehouse.with_name(f".salesperf.duckdb.publishing-{dead.pid}-deadbeef")
    running = warehouse.with_name(f".salesperf.duckdb.publishing-{os.getpid()}-cafebabe")  # a publish under way
    for path in (abandoned, abandoned.with_name(abandoned.name + ".wal"), running):
        path.write_bytes(b"half a file")
    publish(build, warehouse)
    assert not abandoned.exists() and not abandoned.with_name(abandoned.name + ".wal").exists()
    assert running.exists()
