"""What the warehouse serves its users, as plain library code the Dagster assets and the CLI share: the published
DuckDB file (publish), the commission ledger of closed periods, finance exports, what-if simulations and the
period labels they agree on.

Why here and not in orchestration/: none of it is a Dagster definition (orchestration keeps only those), and both
the `published_warehouse` / `exports/commissions` assets and the `salesperf close-period | export | simulate`
commands call it. Why not in ingestion/: it reads the marts dbt built, not the landing folder.
"""
