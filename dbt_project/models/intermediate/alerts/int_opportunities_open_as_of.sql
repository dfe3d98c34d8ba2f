-- Opportunities open on the as-of date: created by then and not closed by then (an export taken later shows
-- some as won or lost already; on the as-of date they were still open), with how late each one is against its
-- expected close date. Read by the pipeline rules.

select
    opportunity_id,
    customer_id,
    owner_rep_id,
    stage,
    cast(amount as double) as amount,
    created_date,
    expected_close_date,
    {{ days_between('expected_close_date', as_of_date()) }} as days_past_expected_close
from {{ ref('stg_raw__opportunities') }}
where created_date <= {{ as_of_date() }}
  and (closed_date is null or closed_date > {{ as_of_date() }})
  and (status = 'open' or closed_date is not null)
