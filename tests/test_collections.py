"""Collections (回款), receivables, open orders and the optional columns on hand-built exports, through the real
ingestion and dbt (issue 13). As of 2025-04-30; one region East plus a rep whose export leaves region and hire date
blank.

    reps      R1 East, hired 2024-01-01;   R2 <no region, no hire date>
    customers C1 owner R1;  C2 owner R2 (region South);  C3 no owner (region West)
    orders    O1 2025-01-10 R1 C1 10 x 100       = 1000  完成
              O2 2025-02-05 R2 C2  2 x 500       = 1000  待审核 (pending: not creditable)
              O3 2025-01-20 R2 C2  1 x 300       =  300  有争议 (disputed)
              O4 2025-03-01 R1 C1  4 x 50        =  200  completed
    payments  P1 2025-01-25 O1    400  -> R1, January (R1 sold in January)
              P2 2025-03-15 O1    600  -> R1, March   (R1 sold in March: O4)
              P3 2025-02-20 O2    100  -> R2, February (R2 sold nothing creditable, ever)
              P4 2025-04-10 -     250  C2, no order -> the customer's owner R2, April
              P5 2025-04-12 -      50  C3, no order, no owner -> unattributed, region West
              P6 2025-05-02 O4    200  after the as-of date
Hand-worked:
    Σ payments = 400 + 600 + 100 + 250 + 50 + 200 = 1600 = Σ fct_collections
    receivables as of 2025-04-30: O1 invoiced 1000, collected 1000 -> settled; O4 invoiced 200, P6 comes after
    as-of -> open 200, 60 days (03-01 -> 04-30) -> 31-60; O2 (pending) invoiced 0, collected 100 -> overpaid -100
    collection_rate numerators: R1 Jan 400, Mar 600; R2 Feb 100, Apr 250 (R2 has no creditable sales in any month:
    before issue 13 those 350 vanished); quarter Q1: R1 1000, R2 100.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from ingestion.calendar import load_calendar
from ingestion.load import ensure_schemas, ingest_all
from tests.helpers.dbt import run_dbt
from tests.helpers.ingest import NOW, land, q
from tests.helpers.raw import load_config_dir

pytestmark = pytest.mark.slow  # builds the dbt models

AS_OF = "2025-04-30"
SCORECARD = """\
period_types: [month, quarter]
peer_group: company
roles:
  rep:
    kpis:
      - {kpi: collection_rate, weight: 1.0, method: target, target: 0.95, cap: 1.05}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("collections")
    landing = root / "landing"
    land(landing, "reps", "reps.csv", "工号,姓名,大区,角色,入职日期\nR1,王芳,East,销售,2024-01-01\nR2,李强,,销售,\n")
    land(
        landing,
        "customers",
        "customers.csv",
        "customer_id,customer_name,region,owner_rep_id\nC1,甲,East,R1\nC2,乙,South,R2\nC3,丙,West,\n",
    )
    land(landing, "products", "products.csv", "product_id,product_line\nP1,Hardware\n")
    land(
        landing,
        "orders",
        "orders.csv",
        "订单编号,下单日期,客户编号,销售员编号,产品编号,数量,单价,订单状态\n"
        "O1,2025-01-10,C1,R1,P1,10,100,已完成\n"
        "O2,2025-02-05,C2,R2,P1,2,500,待审核\n"
        "O3,2025-01-20,C2,R2,P1,1,300,有争议\n"
        "O4,2025-03-01,C1,R1,P1,4,50,completed\n",
    )
    land(
        landing,
        "payments",
        "payments.csv",
        "payment_id,order_id,customer_id,payment_date,amount\n"
        "P1,O1,C1,2025-01-25,400\nP2,O1,C1,2025-03-15,600\nP3,O2,C2,2025-02-20,100\n"
        "P4,,C2,2025-04-10,250\nP5,,C3,2025-04-12,50\nP6,O4,C1,2025-05-02,200\n",
    )
    land(landing, "opportunities", "opps.csv", "opportunity_id,customer_id,stage,amount\nS1,C1,初访,1000\n")
    config = root / "config"
    config.mkdir()
    (config / "scorecard.yml").write_text(SCORECARD)
    db = root / "build.duckdb"
    con = duckdb.connect(str(db))
    ensure_schemas(con)
    reports = ingest_all(con, landing, now=NOW)
    load_calendar(con, dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    load_config_dir(con, config)
    con.close()
    run_dbt(db, root, as_of=AS_OF)
    con = duckdb.connect(str(db), read_only=True)
    yield con, reports
    con.close()


def test_every_payment_is_collected_once_and_attributed(built):
    con, _ = built
    assert q(con, "select sum(amount) from staging.stg_raw__payments") == [(Decimal("1600.00"),)]
    assert q(con, "select sum(collected_amount), count(*) from marts.fct_collections") == [(Decimal("1600.00"), 6)]
    assert q(
        con,
        "select payment_id, attributed_by, rep_id, region, payment_month, is_after_as_of "
        "from marts.fct_collections order by 1",
    ) == [
        ("P1", "order_rep", "R1", "East", dt.date(2025, 1, 1), False),
        ("P2", "order_rep", "R1", "East", dt.date(2025, 3, 1), False),
        ("P3", "order_rep", "R2", "South", dt.date(2025, 2, 1), False),  # R2's region is 未分配: the customer's
        ("P4", "customer_owner", "R2", "South", dt.date(2025, 4, 1), False),
        ("P5", "unattributed", None, "West", dt.date(2025, 4, 1), False),
        ("P6", "order_rep", "R1", "East", dt.date(2025, 5, 1), True),
    ]


def test_collections_in_months_without_sales_count_in_the_kpi(built):
    con, _ = built
    rows = q(
        con,
        "select rep_id, period_type, period_start, numerator, denominator from intermediate.int_kpi_measures "
        "where kpi = 'collection_rate' and numerator <> 0 order by 1, 2, 3",
    )
    assert rows == [
        ("R1", "month", dt.date(2025, 1, 1), 400.0, 1000.0),
        ("R1", "month", dt.date(2025, 3, 1), 600.0, 200.0),
        ("R1", "quarter", dt.date(2025, 1, 1), 1000.0, 1200.0),
        ("R2", "month", dt.date(2025, 2, 1), 100.0, 0.0),  # no creditable sale: the money still counts
        ("R2", "month", dt.date(2025, 4, 1), 250.0, 0.0),
        ("R2", "quarter", dt.date(2025, 1, 1), 100.0, 0.0),
        ("R2", "quarter", dt.date(2025, 4, 1), 250.0, 0.0),
    ]
    # reconciliation: Σ of the rep-month numerators = Σ attributed collections by the as-of date (P5 has no rep)
    assert q(
        con,
        "select sum(numerator) from intermediate.int_kpi_measures where kpi = 'collection_rate' "
        "and period_type = 'month'",
    ) == [(400.0 + 600 + 100 + 250,)]


def test_receivables_age_open_money_and_alert_on_overdue(built):
    con, _ = built
    assert q(
        con,
        "select order_id, invoiced_amount, collected_amount, open_amount, days_outstanding, aging_bucket "
        "from marts.fct_receivables order by 1",
    ) == [
        ("O1", Decimal("1000"), Decimal("1000"), Decimal("0"), None, "settled"),
        ("O2", Decimal("0"), Decimal("100"), Decimal("-100"), None, "overpaid"),
        ("O4", Decimal("200"), Decimal("0"), Decimal("200"), 60, "31-60"),
    ]
    # 60 days is not more than the 60-day threshold: no alert yet
    assert q(con, "select count(*) from intermediate.int_alerts_overdue_receivables") == [(0,)]


def test_pending_and_disputed_orders_are_visible_not_credited(built):
    con, _ = built
    assert q(con, "select order_id, status, is_open_order, is_creditable from marts.fct_sales order by 1") == [
        ("O1", "completed", False, True),
        ("O2", "pending", True, False),
        ("O3", "disputed", True, False),
        ("O4", "completed", False, True),
    ]
    assert q(con, "select order_id, status, net_amount, days_open from marts.fct_open_orders order by 1") == [
        ("O2", "pending", Decimal("1000"), 84),
        ("O3", "disputed", Decimal("300"), 100),
    ]


def test_optional_columns_get_their_documented_defaults_and_flags(built):
    con, reports = built
    assert all(f.rows_rejected == 0 for r in reports.values() for f in r.files)
    assert q(
        con,
        "select rep_id, region, region_is_default, hire_date, hire_date_is_missing, is_active "
        "from marts.dim_rep order by 1",
    ) == [
        ("R1", "East", False, dt.date(2024, 1, 1), False, True),
        ("R2", "未分配", True, None, True, True),
    ]
    # no created_date and no owner: first seen by the pipeline (the ingestion date, capped at the as-of date)
    assert q(
        con,
        "select opportunity_id, created_date, created_date_is_default, is_unassigned "
        "from staging.stg_raw__opportunities",
    ) == [("S1", dt.date(2025, 4, 1), True, True)]
