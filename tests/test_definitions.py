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
    # dbt tests surface as asset checks.
    assert len(list(graph.asset_check_keys)) > 10
    # Singular tests reading several models name the one they check (meta.dagster.ref), so they are checks
    # too rather than bare observations.
    singular = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys if k.name.startswith("assert_")}
    assert {
        ("marts/fct_sales", "assert_fct_sales_reconciles_to_staging"),
        ("intermediate/int_returns_allocated", "assert_returns_fully_allocated"),
        ("marts/fct_targets", "assert_target_children_sum_to_parent"),
        ("marts/fct_targets", "assert_rolled_up_targets_equal_sum_of_parts"),
    } <= singular
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
