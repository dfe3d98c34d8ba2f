"""The Great Expectations suites of the raw entities (ingestion/validation/) and their Dagster checks.

Over 400 lines on purpose: the tests of one component, sharing its fixtures (split by component, not by size).
"""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.entities import ENTITIES, ENTITY_NAMES
from ingestion.load import ensure_schemas
from ingestion.validation import (
    ERROR,
    WARN,
    EntityValidation,
    RuleResult,
    entity_rules,
    gx_engine_kwargs,
    validate_all,
    validate_entity,
)

AS_OF = dt.date(2025, 6, 30)


# -- hand-made raw tables -----------------------------------------------------------------------------


def insert(con: duckdb.DuckDBPyConnection, entity: str, rows: list[dict[str, Any]], *, file_seq: int = 1) -> None:
    """Rows into raw.<entity> as ingestion would leave them: unspecified columns NULL, lineage filled in."""
    names = ENTITIES[entity].column_names
    for n, row in enumerate(rows, start=2):
        values = [row.get(c) for c in names] + [
            f"{entity}/f{file_seq}.csv",
            row.get("_source_row", n),
            file_seq,
            dt.datetime(2025, 7, 1),
        ]
        con.execute(f"INSERT INTO raw.{entity} VALUES ({', '.join(['?'] * len(values))})", values)


def clean_company(con: duckdb.DuckDBPyConnection) -> None:
    """A small, consistent company: every suite passes."""
    insert(
        con,
        "reps",
        [
            {"rep_id": "R1", "region": "East", "role": "manager", "hire_date": dt.date(2020, 1, 1)},
            {"rep_id": "R2", "region": "East", "role": "rep", "manager_id": "R1", "hire_date": dt.date(2021, 3, 1)},
        ],
    )
    insert(con, "customers", [{"customer_id": "C1", "owner_rep_id": "R2"}, {"customer_id": "C2"}])
    insert(con, "products", [{"product_id": "P1", "product_line": "Core", "list_price": 10, "unit_cost": 4}])
    insert(
        con,
        "orders",
        [
            {
                "order_id": f"O{i}",
                "line_no": 1,
                "order_date": dt.date(2025, 5, i),
                "customer_id": "C1",
                "rep_id": "R2",
                "product_id": "P1",
                "quantity": 2,
                "unit_price": 10,
                "discount_amount": 0,
                "status": "completed",
            }
            for i in range(1, 6)
        ],
    )
    insert(
        con,
        "returns",
        [
            {
                "return_id": "X1",
                "order_id": "O1",
                "line_no": 1,
                "return_date": dt.date(2025, 6, 1),
                "quantity": 1,
                "amount": 10,
            }
        ],
    )
    insert(
        con,
        "credit_splits",
        [{"order_id": "O2", "rep_id": "R1", "split_pct": 0.5}, {"order_id": "O2", "rep_id": "R2", "split_pct": 0.5}],
    )
    insert(
        con,
        "payments",
        [
            {
                "payment_id": "Y1",
                "order_id": "O1",
                "customer_id": "C1",
                "payment_date": dt.date(2025, 6, 2),
                "amount": 20,
            }
        ],
    )
    insert(
        con,
        "surveys",
        [{"survey_id": "S1", "customer_id": "C1", "rep_id": "R2", "survey_date": dt.date(2025, 6, 3), "score": 5}],
    )
    insert(con, "adjustments", [{"rep_id": "R2", "period": "2025-05", "amount": -100, "reason": "correction"}])
    insert(
        con,
        "targets",
        [
            {"period": "2025", "level": "rep", "key": "R2", "target_amount": 1000},
            {"period": "2025", "level": "company", "target_amount": 5000},
        ],
    )


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    ensure_schemas(connection)
    clean_company(connection)
    yield connection
    connection.close()


def failures(validation: EntityValidation) -> dict[str, tuple[str, int | None]]:
    return {r.rule.name: (r.rule.severity, r.unexpected_count) for r in validation.failed}


def result(validation: EntityValidation, name: str) -> RuleResult:
    return next(r for r in validation.results if r.rule.name == name)


# -- suites -------------------------------------------------------------------------------------------


def test_clean_company_passes_every_suite(con):
    results = validate_all(con, as_of=AS_OF)
    assert set(results) == set(ENTITY_NAMES)
    for entity, validation in results.items():
        assert validation.failed == [], (entity, [(r.rule.name, r.details) for r in validation.failed])
        assert validation.severity is None
    orders = results["orders"]
    assert result(orders, "rep_id_in_reps").element_count == 5
    assert result(orders, "quantity_range").element_count == 5


def test_suites_follow_the_entity_specs():
    names = [r.name for r in entity_rules("orders", AS_OF)]
    for required in ENTITIES["orders"].required:
        assert f"{required}_not_null" in names
    assert "order_id_line_no_unique" in names and "status_allowed" in names
    assert {
        "order_date_plausible",
        "cancelled_date_plausible",
        "rep_id_in_reps",
        "product_id_in_products",
        "customer_id_in_customers",
    } <= set(names)
    assert [r.name for r in entity_rules("adjustments", AS_OF) if r.name.endswith("_unique")] == []  # no key
    for entity in ENTITY_NAMES:
        rules = entity_rules(entity, AS_OF)
        assert len({r.name for r in rules}) == len(rules), entity
        assert {r.severity for r in rules} <= {ERROR, WARN}


def test_each_rule_kind_catches_exactly_the_bad_order_lines(con):
    base = {
        "line_no": 1,
        "order_date": dt.date(2025, 5, 1),
        "customer_id": "C1",
        "rep_id": "R2",
        "product_id": "P1",
        "quantity": 1,
        "unit_price": 5,
        "discount_amount": 0,
        "status": "completed",
    }
    insert(
        con,
        "orders",
        [
            {**base, "order_id": "Q1", "quantity": 0},  # range (ERROR)
            {**base, "order_id": "Q2", "quantity": -3},  # range (ERROR)
            {**base, "order_id": "Q3", "unit_price": -1},  # range (ERROR)
            {**base, "order_id": "Q4", "rep_id": "R9"},  # reference (ERROR)
            {**base, "order_id": "Q5", "rep_id": "R9"},  # reference (ERROR)
            {**base, "order_id": "Q6", "product_id": "P9"},  # reference (WARN)
            {**base, "order_id": "Q7", "customer_id": "C9"},  # reference (WARN)
            {**base, "order_id": "Q8", "order_date": dt.date(1985, 1, 1)},  # plausible date (WARN)
            {**base, "order_id": "Q9", "order_date": dt.date(2027, 1, 1)},  # plausible date (WARN)
            {**base, "order_id": "Q10", "status": "lost"},  # allowed values (ERROR)
            {**base, "order_id": "Q11", "rep_id": None},  # not null (ERROR)
            {**base, "order_id": "Q12", "discount_amount": -2},  # range (WARN)
            {**base, "order_id": "Q13", "cancelled_date": dt.date(2025, 4, 1)},  # date order (WARN)
        ],
        file_seq=2,
    )
    orders = validate_entity(con, "orders", as_of=AS_OF)
    assert failures(orders) == {
        "quantity_range": (ERROR, 2),
        "unit_price_range": (ERROR, 1),
        "rep_id_in_reps": (ERROR, 2),
        "product_id_in_products": (WARN, 1),
        "customer_id_in_customers": (WARN, 1),
        "order_date_plausible": (WARN, 2),
        "status_allowed": (ERROR, 1),
        "rep_id_not_null": (ERROR, 1),
        "discount_amount_range": (WARN, 1),
        "cancelled_date_after_order_date": (WARN, 1),
    }
    assert orders.severity == ERROR
    rep_ref = result(orders, "rep_id_in_reps")
    assert rep_ref.element_count == 18 and rep_ref.unexpected_percent == pytest.approx(100 * 2 / 18)
    assert rep_ref.sample == [  # with where each row came from (a blocking message names file and row)
        {"order_id": "Q4", "line_no": 1, "rep_id": "R9", "_source_file": "orders/f2.csv", "_source_row": 5},
        {"order_id": "Q5", "line_no": 1, "rep_id": "R9", "_source_file": "orders/f2.csv", "_source_row": 6},
    ]
    assert result(orders, "quantity_range").sample == [-3, 0]
    assert result(orders, "status_allowed").sample == ["lost"]


def test_only_the_current_row_of_a_key_is_validated(con):
    line = {
        "order_id": "O1",
        "line_no": 1,
        "order_date": dt.date(2025, 5, 1),
        "customer_id": "C1",
        "rep_id": "R2",
        "product_id": "P1",
        "unit_price": 10,
        "status": "completed",
    }
    # A later extract corrects O1's quantity; an even later one has an older updated_at and loses.
    insert(con, "orders", [{**line, "quantity": 3, "updated_at": dt.datetime(2025, 5, 2)}], file_seq=2)
    insert(con, "orders", [{**line, "quantity": -1, "updated_at": dt.datetime(2025, 5, 1)}], file_seq=3)
    orders = validate_entity(con, "orders", as_of=AS_OF)
    assert failures(orders) == {}
    assert result(orders, "quantity_range").element_count == 5
    # A later file without updated_at does not beat a row that has one (NULL counts as oldest).
    insert(con, "orders", [{**line, "quantity": -5}], file_seq=4)
    assert failures(validate_entity(con, "orders", as_of=AS_OF)) == {}
    # ...but a later file with a later updated_at does.
    insert(con, "orders", [{**line, "quantity": -7, "updated_at": dt.datetime(2025, 6, 1)}], file_seq=5)
    assert failures(validate_entity(con, "orders", as_of=AS_OF)) == {"quantity_range": (ERROR, 1)}
    # Keys without updated_at: the later file wins.
    insert(
        con,
        "surveys",
        [{"survey_id": "S1", "customer_id": "C1", "survey_date": dt.date(2025, 6, 3), "score": 9}],
        file_seq=6,
    )
    assert failures(validate_entity(con, "surveys", as_of=AS_OF)) == {"score_range": (WARN, 1)}


def test_a_key_repeated_within_one_extract_is_a_warning(con):
    dup = {"survey_id": "S7", "customer_id": "C1", "survey_date": dt.date(2025, 6, 3), "score": 4}
    insert(con, "surveys", [dup, {**dup, "score": 5}], file_seq=2)
    surveys = validate_entity(con, "surveys", as_of=AS_OF)
    assert failures(surveys) == {"survey_id_unique": (WARN, 2)}
    assert surveys.severity == WARN
    # issue 18: a rep may hold a revenue and an overlay row on one order; the key includes split_type
    split = {"order_id": "O3", "rep_id": "R1", "split_pct": 0.3, "split_type": "revenue"}
    overlay = {**split, "split_type": "overlay"}
    insert(con, "credit_splits", [split, split, overlay], file_seq=3)
    assert failures(validate_entity(con, "credit_splits", as_of=AS_OF)) == {
        "order_id_rep_id_split_type_unique": (WARN, 2)
    }


def test_cross_entity_references(con):
    insert(
        con,
        "returns",
        [
            {"return_id": "X2", "order_id": "O404", "return_date": dt.date(2025, 6, 1), "amount": 5},
            {"return_id": "X3", "order_id": "O1", "line_no": 7, "return_date": dt.date(2025, 6, 1), "amount": 5},
            {"return_id": "X4", "order_id": "O1", "return_date": dt.date(2025, 6, 1), "amount": -5},
        ],
        file_seq=2,
    )
    returns = validate_entity(con, "returns", as_of=AS_OF)
    assert failures(returns) == {
        "order_id_in_orders": (WARN, 1),
        "order_id_line_no_in_orders": (WARN, 1),
        "amount_range": (ERROR, 1),
    }
    insert(
        con,
        "credit_splits",
        [
            {"order_id": "O404", "rep_id": "R1", "split_pct": 1},
            {"order_id": "O3", "rep_id": "R404", "split_pct": 0.5},
            {"order_id": "O4", "rep_id": "R1", "split_pct": 50},
        ],
        file_seq=3,
    )
    splits = validate_entity(con, "credit_splits", as_of=AS_OF)
    assert failures(splits) == {
        "order_id_in_orders": (WARN, 1),
        "rep_id_in_reps": (ERROR, 1),
        "split_pct_range": (ERROR, 1),
    }
    insert(con, "adjustments", [{"rep_id": "R404", "period": "2025-05", "amount": 50, "reason": "typo"}], file_seq=4)
    insert(con, "targets", [{"period": "2025", "level": "rep", "key": "R404", "target_amount": 1}], file_seq=5)
    insert(
        con,
        "reps",
        [
            {
                "rep_id": "R3",
                "region": "West",
                "manager_id": "R404",
                "hire_date": dt.date(2022, 1, 1),
                "termination_date": dt.date(2021, 1, 1),
            }
        ],
        file_seq=6,
    )
    assert failures(validate_entity(con, "adjustments", as_of=AS_OF)) == {"rep_id_in_reps": (ERROR, 1)}
    assert failures(validate_entity(con, "targets", as_of=AS_OF)) == {"rep_key_in_reps": (WARN, 1)}
    assert failures(validate_entity(con, "reps", as_of=AS_OF)) == {
        "manager_id_in_reps": (WARN, 1),
        "termination_date_after_hire_date": (WARN, 1),
    }


def test_results_table_is_replaced_per_entity_and_unchanged_reruns_write_nothing(con):
    first = validate_all(con, as_of=AS_OF, run_id="run-1", now=dt.datetime(2025, 7, 1, 6))
    assert all(v.written for v in first.values())
    stored = con.execute("SELECT entity, count(*) FROM audit.validation_results GROUP BY 1").fetchall()
    assert dict(stored) == {e: len(entity_rules(e, AS_OF)) for e in ENTITY_NAMES}

    snapshot = con.execute("SELECT * FROM audit.validation_results ORDER BY entity, expectation").fetchall()
    second = validate_all(con, as_of=AS_OF, run_id="run-2", now=dt.datetime(2025, 7, 2, 6))
    assert not any(v.written for v in second.values())
    assert con.execute("SELECT * FROM audit.validation_results ORDER BY entity, expectation").fetchall() == snapshot

    insert(
        con,
        "surveys",
        [{"survey_id": "S2", "customer_id": "C1", "survey_date": dt.date(2025, 6, 3), "score": 0}],
        file_seq=2,
    )
    third = validate_all(con, as_of=AS_OF, run_id="run-3", now=dt.datetime(2025, 7, 3, 6))
    assert [e for e, v in third.items() if v.written] == ["surveys"]
    runs = dict(con.execute("SELECT entity, any_value(run_id) FROM audit.validation_results GROUP BY 1").fetchall())
    assert runs["surveys"] == "run-3" and runs["orders"] == "run-1"
    row = con.execute(
        "SELECT severity, success, element_count, unexpected_count, unexpected_percent, "
        "unexpected_sample, details, columns, expectation_type, validated_at "
        "FROM audit.validation_results WHERE entity = 'surveys' AND expectation = 'score_range'"
    ).fetchall()[0]
    assert row[:5] == ("WARN", False, 2, 1, 50.0)
    assert json.loads(row[5]) == [0.0] and "1 to 5" in json.loads(row[6])["why"]
    assert row[7:] == ("score", "expect_column_values_to_be_between", dt.datetime(2025, 7, 3, 6))
    # Scratch tables do not outlive a run.
    scratch = "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'sp_validation'"
    assert con.execute(scratch).fetchall() == [(0,)]


def test_an_expectation_that_cannot_run_fails_at_its_severity(con):
    con.execute("DROP TABLE raw.reps")  # orders' reference query cannot run
    orders = validate_entity(con, "orders", as_of=AS_OF)
    ref = result(orders, "rep_id_in_reps")
    assert not ref.success and ref.unexpected_count is None and ref.details["exception"]
    assert orders.severity == ERROR


# -- the duckdb_engine cursor problem (great_expectations issue 11579) --------------------------------


@pytest.mark.parametrize("cursor_fix", [False, True])
def test_gx_sql_datasource_needs_a_duckdb_cursor_per_sqlalchemy_cursor(tmp_path, cursor_fix):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    con = duckdb.connect(str(tmp_path / "gx.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS id, range % 7 AS v FROM range(100000)")
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(
        "db", connection_string="duckdb:///:memory:", kwargs=gx_engine_kwargs(con, cursor_fix=cursor_fix)
    )
    batch = source.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    suite = gx.ExpectationSuite(
        "s",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="id"),
            gxe.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=5),
            gxe.UnexpectedRowsExpectation(unexpected_rows_query="SELECT * FROM {batch} WHERE v = 6"),
        ],
    )
    outcome = batch.validate(suite)
    source.get_execution_engine().engine.dispose()
    by_type = {r.expectation_config.type: r for r in outcome.results}
    if not cursor_fix:
        # Stock duckdb_engine: GX reads each result after returning the connection, whose one shared DuckDB
        # cursor has been rolled back by then; every metric comes back empty and raises.
        assert all(not r.success and r.exception_info and not r.result for r in outcome.results)
        return
    assert by_type["expect_column_values_to_not_be_null"].success
    between = by_type["expect_column_values_to_be_between"].result
    assert (between["element_count"], between["unexpected_count"]) == (100000, 14285)
    assert by_type["unexpected_rows_expectation"].result["observed_value"] == 14285


# -- Dagster: blocking checks -------------------------------------------------------------------------


def _dagster_run(tmp_path: Path, break_data: Any) -> tuple[Any, Any]:
    """Run raw stubs + the suites + a downstream asset of raw/orders as one in-process job."""
    from dagster import (
        AssetKey,
        AssetSelection,
        AssetSpec,
        DagsterInstance,
        Definitions,
        MaterializeResult,
        asset,
        define_asset_job,
        in_process_executor,
        multi_asset,
    )
    from dagster_duckdb import DuckDBResource

    from orchestration.assets.checks import expectation_checks
    from orchestration.resources import SalesperfSettings
    from salesperf.settings import Settings

    settings = Settings(
        landing_dir=tmp_path / "landing",
        config_dir=tmp_path / "config",
        warehouse=tmp_path / "wh" / "salesperf.duckdb",
        dagster_home=tmp_path / "dh",
        as_of=AS_OF,
    )
    settings.build_dir.mkdir(parents=True)

    @multi_asset(specs=[AssetSpec(AssetKey(["raw", e])) for e in ENTITY_NAMES])
    def raw_stub(build_db: DuckDBResource) -> Iterator[MaterializeResult]:
        with build_db.get_connection() as c:
            ensure_schemas(c)
            clean_company(c)
            break_data(c)
        for e in ENTITY_NAMES:
            yield MaterializeResult(asset_key=AssetKey(["raw", e]))

    @asset(deps=[AssetKey(["raw", "orders"])])
    def downstream_mart() -> None:
        return None

    job = define_asset_job("all", selection=AssetSelection.all(), executor_def=in_process_executor)
    defs = Definitions(
        assets=[raw_stub, downstream_mart],
        asset_checks=expectation_checks,
        jobs=[job],
        resources={
            "settings": SalesperfSettings.from_settings(settings),
            "build_db": DuckDBResource(database=str(settings.build_db)),
        },
    )
    run = defs.resolve_job_def("all").execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    return run, settings


def _checks(run: Any) -> dict[str, Any]:
    return {
        e.asset_key.path[-1]: e
        for e in (
            ev.asset_check_evaluation_data for ev in run.all_events if ev.event_type_value == "ASSET_CHECK_EVALUATION"
        )
    }


def _unknown_rep_orders(count: int) -> Any:
    def add(c: duckdb.DuckDBPyConnection) -> None:
        line = {"line_no": 1, "order_date": dt.date(2025, 5, 1), "customer_id": "C1", "rep_id": "R404"}
        insert(
            c,
            "orders",
            [{**line, "order_id": f"Z{i}", "product_id": "P1", "quantity": 1, "unit_price": 1} for i in range(count)],
            file_seq=2,
        )

    return add


def test_an_unknown_rep_holds_its_rows_and_does_not_block(tmp_path):
    from dagster import AssetCheckSeverity, AssetKey

    run, _ = _dagster_run(tmp_path, _unknown_rep_orders(1))
    assert run.success
    checks = _checks(run)
    assert set(checks) == set(ENTITY_NAMES)  # every entity is still reported
    assert not checks["orders"].passed and checks["orders"].severity == AssetCheckSeverity.WARN
    assert checks["orders"].metadata["failed_error"].value == 1  # rep_id_in_reps is an ERROR expectation...
    assert checks["orders"].metadata["rows_held"].value == 1  # ...whose row is held, not a reason to stop
    assert AssetKey(["downstream_mart"]) in {e.asset_key for e in run.get_asset_materialization_events()}


def test_a_systemic_failure_blocks_downstream_assets(tmp_path):
    from dagster import AssetCheckSeverity, AssetKey

    # 12 of 17 current order lines for an unknown rep: past 1 % and 10 rows (pipeline.yml defaults)
    run, settings = _dagster_run(tmp_path, _unknown_rep_orders(12))
    assert not run.success
    checks = _checks(run)
    assert not checks["orders"].passed and checks["orders"].severity == AssetCheckSeverity.ERROR
    assert all(checks[e].passed for e in ENTITY_NAMES if e != "orders")
    assert AssetKey(["downstream_mart"]) not in {e.asset_key for e in run.get_asset_materialization_events()}
    failure = next(e for e in run.all_events if e.is_step_failure).step_failure_data.error
    assert "data quality blocks this run" in failure.message
    assert "orders: 12 of 17 current rows (70.6%) fail a money rule (0 quarantined, 12 held" in failure.message
    assert "e.g. orders/f2.csv row 2: line_no 1, order_id Z0, rep_id R404" in failure.message
    with duckdb.connect(str(settings.build_db), read_only=True) as c:
        assert c.execute("SELECT rule, severity, rows FROM audit.data_quality_findings ORDER BY 1").fetchall() == [
            ("money_rule_share", "block", 12),
            ("rep_id_in_reps", "hold", 12),
        ]


def test_a_row_that_bypassed_ingestion_blocks(tmp_path):
    from dagster import AssetCheckSeverity

    def negative(c: duckdb.DuckDBPyConnection) -> None:  # ingestion would have quarantined it
        line = {"line_no": 1, "order_date": dt.date(2025, 5, 1), "customer_id": "C1", "rep_id": "R1"}
        insert(
            c, "orders", [{**line, "order_id": "N1", "product_id": "P1", "quantity": -1, "unit_price": 1}], file_seq=2
        )

    run, _ = _dagster_run(tmp_path, negative)
    assert not run.success
    assert _checks(run)["orders"].severity == AssetCheckSeverity.ERROR
    failure = next(e for e in run.all_events if e.is_step_failure).step_failure_data.error
    assert "orders: 1 current row(s) break quantity_range, which ingestion enforces" in failure.message


def test_a_warning_does_not_block(tmp_path):
    from dagster import AssetCheckSeverity, AssetKey

    def unknown_product(c: duckdb.DuckDBPyConnection) -> None:
        insert(
            c,
            "orders",
            [
                {
                    "order_id": "Z1",
                    "line_no": 1,
                    "order_date": dt.date(2025, 5, 1),
                    "customer_id": "C1",
                    "rep_id": "R1",
                    "product_id": "P404",
                    "quantity": 1,
                    "unit_price": 1,
                }
            ],
            file_seq=2,
        )

    run, _ = _dagster_run(tmp_path, unknown_product)
    assert run.success
    checks = _checks(run)
    assert not checks["orders"].passed and checks["orders"].severity == AssetCheckSeverity.WARN
    assert "product_id_in_products" in checks["orders"].metadata["failing_expectations"].value
    assert AssetKey(["downstream_mart"]) in {e.asset_key for e in run.get_asset_materialization_events()}


def test_salesperf_all_runs_the_suites(dbt_manifest, isolated_env):
    from orchestration.assets.checks import check_key
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("salesperf_all")
    for entity in ENTITY_NAMES:
        assert check_key(entity) in graph.asset_check_keys
        assert graph.get_check_spec(check_key(entity)).blocking
    assert {check_key(e) for e in ENTITY_NAMES} <= set(job.asset_layer.asset_graph.asset_check_keys)


def test_the_dagster_checks_use_the_suites_severity_names() -> None:
    # orchestration/assets/checks.py spells ERROR itself so that loading the definitions never imports GX.
    from ingestion import validation
    from orchestration.assets import checks

    assert checks.ERROR == validation.ERROR


def test_scratch_table_is_the_current_rows_in_file_and_row_order_whichever_way_it_is_built(con, monkeypatch):
    """The three ways to build the scratch table (no superseded row: a copy of raw; a few: raw without their
    rowids; many: every row ranked and sorted) give the same rows in the same order."""
    from ingestion.validation import scratch as current

    line = {
        "line_no": 1,
        "order_date": dt.date(2025, 5, 1),
        "customer_id": "C1",
        "rep_id": "R2",
        "product_id": "P1",
        "quantity": 2,
        "unit_price": 10,
        "status": "completed",
    }
    insert(con, "orders", [{**line, "order_id": f"N{i}"} for i in range(1, 301)], file_seq=2)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731

    def scratch() -> list[tuple]:
        con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {current.SCRATCH}")
        current.create_scratch(con, "orders", f"{current.SCRATCH}.main.orders")
        return q(f"SELECT order_id, quantity, _file_seq, _source_row FROM {current.SCRATCH}.main.orders ORDER BY rowid")

    assert current.superseded_rowids(con, "orders") == []
    assert scratch() == q("SELECT order_id, quantity, _file_seq, _source_row FROM raw.orders ORDER BY rowid")
    # a later extract corrects every third line (and a tie inside it: both copies stay current)
    insert(
        con,
        "orders",
        [{**line, "order_id": f"N{i}", "quantity": 5} for i in range(3, 301, 3)]
        + [{**line, "order_id": "N1", "quantity": 7}, {**line, "order_id": "N1", "quantity": 8}],
        file_seq=3,
    )
    superseded = current.superseded_rowids(con, "orders")
    assert len(superseded) == 101  # N3, N6, ..., N300 and N1 of file 2
    expected = q(f"SELECT order_id, quantity, _file_seq, _source_row FROM ({current.current_rows_sql('orders')})")
    assert len(expected) == 5 + 300 + 102 - 101 and ("N1", 7, 3, 102) in expected and ("N1", 8, 3, 103) in expected
    assert scratch() == expected  # filtered by rowid list, raw's order kept
    monkeypatch.setattr(current, "SUPERSEDED_LIST_MAX", 100)
    assert current.superseded_rowids(con, "orders") is None
    assert scratch() == expected  # ranked and sorted


def test_repeated_key_rows_name_their_file_and_row(con):
    line = {
        "order_date": dt.date(2025, 5, 1),
        "customer_id": "C1",
        "rep_id": "R2",
        "product_id": "P1",
        "quantity": 2,
        "unit_price": 10,
        "status": "completed",
    }
    insert(
        con,
        "orders",
        [
            {**line, "order_id": "O1", "line_no": 1},
            {**line, "order_id": "O1", "line_no": 2},
            {**line, "order_id": "O1", "line_no": 1, "quantity": 3},
        ],
        file_seq=2,
    )
    orders = validate_entity(con, "orders", as_of=AS_OF)
    assert failures(orders) == {"order_id_line_no_unique": (WARN, 2)}
    assert result(orders, "order_id_line_no_unique").sample == [
        {"order_id": "O1", "line_no": 1, "_file_seq": 2, "_source_row": 2},
        {"order_id": "O1", "line_no": 1, "_file_seq": 2, "_source_row": 4},
    ]
