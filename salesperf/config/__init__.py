"""Every YAML file of `$SALESPERF_CONFIG_DIR`: its schema (pydantic), its loading with key-path errors, and the
config.* tables dbt reads (docs/contract.md section 3, docs/contract.md). A leaf: it imports no other salesperf package.

- `files`: load_config / ConfigError, shared by every file;
- `tables`: ConfigSpec and load_config_tables (YAML -> config.<table>);
- `specs`: the list of every config file (all_specs);
- one module per file: `targets` (targets.yml), `scorecard` (scorecard.yml), `commission_plans`
  (commission_plans.yml), `forecasting` (forecasting.yml), `pipeline` (pipeline.yml: data-quality thresholds).
"""
