-- The order months this build recomputes in the incremental line-level models (int_order_lines_enriched,
-- fct_sales; macros/incremental.sql says when a month is touched). A full build recomputes every month. Dagster
-- shows the list on those models' materializations (orchestration/assets/dbt.py).
-- depends_on: {{ ref('stg_raw__row_versions') }}
select order_month, {{ 'true' if is_incremental_build() else 'false' }} as is_incremental_build
from (
    {% if is_incremental_build() %}
    {{ touched_order_months() }}
    {% else %}
    select distinct cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month
    from {{ ref('stg_raw__row_versions') }}
    where entity = 'orders'
    {% endif %}
) months
where order_month is not null
