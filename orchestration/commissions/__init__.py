"""Commission operations around the dbt engine: close a period, export statements, simulate a plan.

The rules live in dbt (`dbt_project/models/*/commissions`); these modules only move data (ledger writes,
file exports, a throw-away copy of the build database for what-if runs). See docs/commissions.md.
"""
