"""One thin asset per config file (docs/contract.md section 3): YAML -> validated -> config.* tables dbt reads.

A present but invalid file fails its asset with a message naming the key path, which stops the models
downstream of it; an absent file yields empty tables (the feature is off).
"""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from orchestration.locking import BUILD_DB_POOL, step_lock
from orchestration.resources import SalesperfSettings
from salesperf.config.specs import all_specs
from salesperf.config.tables import ConfigSpec, load_config_tables


def _config_asset(spec: ConfigSpec) -> AssetsDefinition:
    @asset(
        key=AssetKey(["config", spec.name]),
        group_name="config",
        pool=BUILD_DB_POOL,
        kinds={"duckdb", "yaml"},
        description=f"`$SALESPERF_CONFIG_DIR/{spec.file_name}` validated and loaded into "
        + ", ".join(f"config.{t}" for t in spec.tables)
        + (
            " (the defaults when the file is absent)."
            if spec.defaults_when_absent
            else " (empty when the file is absent)."
        ),
    )
    def _asset(
        context: AssetExecutionContext, settings: SalesperfSettings, build_db: DuckDBResource
    ) -> MaterializeResult:
        cfg = settings.resolve()
        with (
            step_lock(context, cfg.build_dir),
            build_db.get_connection() as con,
        ):
            counts = load_config_tables(con, cfg.config_dir, spec)
        present = (cfg.config_dir / spec.file_name).exists()
        context.log.info(f"{spec.file_name}: {'loaded' if present else 'absent, feature off'}; {counts}")
        return MaterializeResult(metadata={"present": present, **{f"rows_{t}": n for t, n in counts.items()}})

    return _asset


config_assets: list[AssetsDefinition] = [_config_asset(spec) for spec in all_specs()]
