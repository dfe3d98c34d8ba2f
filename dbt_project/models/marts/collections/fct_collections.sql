-- Collections (回款), one row per payment line: every accepted payment, attributed to a rep, a customer and
-- a region (int_payments_attributed says how), in the month it was received. Collection KPIs read this
-- per payment month whether or not the rep sold that month.

select
    payment_id,
    payment_date,
    payment_month,
    customer_id,
    order_id,
    is_order_found,
    attributed_by,
    rep_id,
    region,
    team,
    cast(amount as decimal(18, 2)) as collected_amount,
    is_after_as_of,

    _source_file,
    _source_row,
    _file_seq

from {{ ref('int_payments_attributed') }}
