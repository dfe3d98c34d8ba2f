"""A sample nobody here wrote, through one multi-entity profile: Microsoft's AdventureWorksDW FactResellerSales read
once as orders, customers and products (examples/adventureworks/config_one_file), checked against plain DuckDB reads
of the sample's own tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest_all
from ingestion.profiles import load_profiles
from salesperf.cli import check
from tests.helpers.ingest import NOW, q

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT_ROOT / "examples" / "adventureworks" / "sample"
CONFIG = PROJECT_ROOT / "examples" / "adventureworks" / "config_one_file"
FILES = [
    "FactResellerSales.parquet",
    "DimReseller.parquet",
    "DimProduct.parquet",
    "DimProductSubcategory.parquet",
    "DimProductCategory.parquet",
]
FACT = "adventureworks/FactResellerSales.parquet"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    landing = tmp_path_factory.mktemp("aw1") / "landing"
    (landing / "adventureworks").mkdir(parents=True)
    for name in FILES:
        shutil.copy(SAMPLE / name, landing / "adventureworks" / name)
    con = duckdb.connect()
    ingest_all(con, landing, now=NOW, profiles=load_profiles(CONFIG))
    con.execute(f"create view fact as select * from read_parquet('{SAMPLE / 'FactResellerSales.parquet'}')")
    con.execute(f"create view reseller as select * from read_parquet('{SAMPLE / 'DimReseller.parquet'}')")
    yield con, landing
    con.close()


def test_one_fact_file_is_three_entities_with_every_row_accounted(ingested):
    con, _ = ingested
    [(lines,)] = q(con, "select count(*) from fact")
    assert q(
        con,
        "select entity, rows_read, rows_accepted, rows_rejected from audit.ingested_files "
        f"where file = '{FACT}' order by 1",
    ) == [
        ("customers", lines, lines, 0),
        ("orders", lines, lines, 0),
        ("products", lines, lines, 0),
    ]


def test_orders_match_the_sample(ingested):
    con, _ = ingested
    got = q(con, "select count(*), sum(quantity * unit_price), count(distinct order_id) from raw.orders")
    want = q(con, 'select count(*), sum("OrderQuantity" * "UnitPrice"), count(distinct "SalesOrderNumber") from fact')
    assert [tuple(float(v) for v in got[0])] == [tuple(float(v) for v in want[0])]


def test_customers_and_products_are_the_ones_the_orders_name(ingested):
    con, _ = ingested
    # every reseller the fact names, once after keyed de-duplication, with the dimension's name and type
    assert q(
        con,
        """
        select count(*) from (select distinct customer_id, customer_name, segment from raw.customers) c
        full join (select distinct cast(f."ResellerKey" as varchar) as customer_id, r."ResellerName", r."BusinessType"
                   from fact f join reseller r using ("ResellerKey")) s
          on c.customer_id = s.customer_id and c.customer_name = s."ResellerName" and c.segment = s."BusinessType"
        where c.customer_id is null or s.customer_id is null""",
    ) == [(0,)]
    assert q(con, "select count(distinct customer_id) from raw.customers") == q(
        con, 'select count(distinct "ResellerKey") from fact'
    )
    # product lines: the category through the subcategory, straight from the sample's tables
    assert q(
        con,
        f"""
        select count(*) from (select distinct product_id, product_line from raw.products) p
        join (select cast(d."ProductKey" as varchar) as product_id, c."EnglishProductCategoryName" as line
              from read_parquet('{SAMPLE / "DimProduct.parquet"}') d
              join read_parquet('{SAMPLE / "DimProductSubcategory.parquet"}') s using ("ProductSubcategoryKey")
              join read_parquet('{SAMPLE / "DimProductCategory.parquet"}') c using ("ProductCategoryKey")) s
          using (product_id)
        where p.product_line <> s.line""",
    ) == [(0,)]
    assert q(con, "select count(distinct product_id) from raw.products") == q(
        con, 'select count(distinct "ProductKey") from fact'
    )


def test_the_adventureworks_folder_is_not_an_unknown_folder(ingested, tmp_path):
    _, landing = ingested
    report = check.inspect_landing(landing, CONFIG)
    assert [p for p in report.problems if p.file.startswith("adventureworks")] == []
