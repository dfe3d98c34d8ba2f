"""Config tables: always present, replaced atomically, invalid files change nothing."""

from __future__ import annotations

import duckdb
import pytest
from pydantic import BaseModel

from salesperf.config.files import ConfigError
from salesperf.config.tables import ConfigSpec, load_config_tables


class Demo(BaseModel):
    rates: list[float]


SPEC = ConfigSpec(
    file_name="demo.yml",
    model=Demo,
    tables={"demo_rates": "position INTEGER, rate DOUBLE"},
    rows=lambda m: {"demo_rates": [(i, r) for i, r in enumerate(m.rates)]},
)


def test_absent_file_gives_empty_tables(tmp_path):
    con = duckdb.connect()
    assert load_config_tables(con, tmp_path, SPEC) == {"demo_rates": 0}
    assert con.execute("select present, sha256 from config.files").fetchall() == [(False, None)]


def test_file_rows_replace_previous_rows_and_bad_file_changes_nothing(tmp_path):
    con = duckdb.connect()
    (tmp_path / "demo.yml").write_text("rates: [0.1, 0.2]\n")
    assert load_config_tables(con, tmp_path, SPEC) == {"demo_rates": 2}
    (tmp_path / "demo.yml").write_text("rates: [0.3]\n")
    load_config_tables(con, tmp_path, SPEC)
    assert con.execute("select position, rate from config.demo_rates").fetchall() == [(0, 0.3)]
    (tmp_path / "demo.yml").write_text("rates: [oops]\n")
    with pytest.raises(ConfigError, match=r"demo.yml: rates\[0\]: "):
        load_config_tables(con, tmp_path, SPEC)
    assert con.execute("select rate from config.demo_rates").fetchall() == [(0.3,)]
