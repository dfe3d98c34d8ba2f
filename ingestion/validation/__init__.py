"""Great Expectations suites for the raw entities, executed inside DuckDB (docs/data_quality.md).

Ingestion already types every row and quarantines what does not parse (required blank, bad date, value
outside an allowed list). The suites here are the second line: they look at the rows dbt staging will
actually use and check what a single row cannot show - keys, ranges, plausible dates and references
between entities. Each expectation carries a severity:

- ERROR: the warehouse would pay or credit the wrong money (an order credited to a rep who does not
  exist, a negative quantity, a split of 50 instead of 0.5). The Dagster check blocks the dbt build.
- WARN: a figure outside money is off, or the data is odd but the pipeline has a documented rule for it
  (a key repeated inside one extract: the later row wins). Reported, never blocking.

What is validated: per entity a scratch table holding the *current* rows of raw.<entity>, i.e. for
each key the rows with the latest `updated_at` (NULL counts as oldest) and then the latest `_file_seq` -
the rows staging chooses between - in an in-memory database attached as `sp_validation`. Rows superseded
by a later extract are not validated: a corrected row must not keep failing. Ties (the same key twice in
one file) are kept, so the uniqueness expectation can see them; staging breaks such a tie by
`_source_row`. The table is written in file and row order (scratch.py), so with DuckDB's insertion-order
preservation GX's sampled failing values are the same on every run, and dropped again after validation.

GX runs against DuckDB through its SQL datasource (SQLAlchemy + duckdb_engine) over the caller's own
DuckDB connection; see engine.py for the cursor fix that makes that return results at all.
Results go to `audit.validation_results` (one row per expectation, replaced per entity only when the
outcome changed, so an unchanged re-run writes nothing).

Modules: `rules` (the suites), `scratch` (current rows), `engine` (GX over DuckDB), `run` (running them),
`results` (what they found, stored), `gx_setup` (GX imported with analytics off).
"""

from ingestion.validation.engine import gx_engine_kwargs
from ingestion.validation.results import (
    RESULTS_TABLE,
    EntityValidation,
    RuleResult,
    ensure_results_table,
    store_results,
)
from ingestion.validation.rules import ERROR, WARN, Rule, entity_rules
from ingestion.validation.run import run_suite, validate_all, validate_entity
from ingestion.validation.scratch import SCRATCH, current_rows_sql, superseded_rowids

__all__ = [
    "ERROR",
    "EntityValidation",
    "RESULTS_TABLE",
    "Rule",
    "RuleResult",
    "SCRATCH",
    "WARN",
    "current_rows_sql",
    "ensure_results_table",
    "entity_rules",
    "gx_engine_kwargs",
    "run_suite",
    "store_results",
    "superseded_rowids",
    "validate_all",
    "validate_entity",
]
