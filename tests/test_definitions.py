"""The Dagster code location loads, with every asset, check, job, schedule and sensor wired up."""

from __future__ import annotations

from dagster import AssetKey

from ingestion.entities import ENTITY_NAMES

CONTRACT_MARTS = ["dim_rep", "dim_customer", "dim_product", "dim_date", "fct_sales", "fct_targets", "fct_attainment"]


def test_definitions_load_with_every_asset_and_automation(dbt_manifest, isolated_env):
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    for entity in ENTITY_NAMES:
        assert AssetKey(["raw", entity]) in keys
    for mart in CONTRACT_MARTS:
        assert AssetKey(["marts", mart]) in keys, mart
    assert AssetKey(["published_warehouse"]) in keys
    # dbt sources line up with the ingestion assets: staging depends on raw/<entity>.
    assert AssetKey(["raw", "orders"]) in graph.get(AssetKey(["staging", "stg_raw__orders"])).parent_keys
    # Groups: ingestion, staging, intermediate, marts, serving.
    groups = {graph.get(k).group_name for k in keys}
    assert {"ingestion", "staging", "marts", "serving"} <= groups
    # dbt tests surface as asset checks: one `dbt_tests` check per tested model (orchestration/dbt_checks.py),
    # not one per test (each check costs run-history events on every run).
    dbt_checks = {k for k in graph.asset_check_keys if k.name == "dbt_tests"}
    assert len(dbt_checks) > 50
    assert not [k for k in graph.asset_check_keys if k.name.startswith(("not_null_", "unique_", "assert_"))]
    # Singular tests reading several models name the one they check (meta.dagster.ref), so they are part of that
    # model's check rather than bare observations.
    tested = {k.asset_key.to_user_string() for k in dbt_checks}
    assert {"marts/fct_sales", "intermediate/int_returns_allocated", "marts/fct_targets"} <= tested
    job = defs.resolve_job_def("salesperf_all")
    assert job.executor_def.name == "in_process"
    assert defs.resolve_schedule_def("salesperf_daily").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("landing_sensor").job_name == "salesperf_all"
    # The publish step depends on every mart, so it never publishes a half-built warehouse.
    publish_parents = graph.get(AssetKey(["published_warehouse"])).parent_keys
    assert {AssetKey(["marts", m]) for m in CONTRACT_MARTS} <= publish_parents


def test_dagster_yaml_allows_one_run_at_a_time(tmp_path, monkeypatch):
    import shutil

    from dagster import DagsterInstance

    from salesperf.settings import PROJECT_ROOT

    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = DagsterInstance.get()
    try:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        # Run history lives under DAGSTER_HOME.
        assert str(tmp_path) in str(instance.root_directory)
    finally:
        instance.dispose()


def test_one_dbt_check_per_model_reports_every_test_and_the_worst_severity():
    from dagster import AssetCheckKey, AssetCheckSeverity, AssetKey

    from orchestration.dbt_checks import DBT_TESTS_CHECK, _ModelTests

    key = AssetCheckKey(AssetKey(["marts", "fct_sales"]), DBT_TESTS_CHECK)
    tests = _ModelTests()
    tests.results += [
        ("not_null_fct_sales_order_id", True, AssetCheckSeverity.ERROR, "pass", 0),
        ("relationships_fct_sales_rep_id", False, AssetCheckSeverity.WARN, "warn", 3),
    ]
    warned = tests.check_result(key)
    assert not warned.passed and warned.severity == AssetCheckSeverity.WARN
    assert (warned.metadata["tests"].value, warned.metadata["failed"].value, warned.metadata["warned"].value) == (
        2,
        0,
        1,
    )
    # the failing test is listed first, with its failing rows
    assert warned.metadata["results"].value.splitlines()[2] == "| relationships_fct_sales_rep_id | warn | 3 |"
    tests.results.append(("unique_combination_fct_sales_order_id__line_no", False, AssetCheckSeverity.ERROR, "fail", 1))
    failed = tests.check_result(key)
    assert failed.severity == AssetCheckSeverity.ERROR and failed.metadata["failed"].value == 1
    assert _ModelTests([("t", True, AssetCheckSeverity.ERROR, "pass", 0)]).check_result(key).passed
