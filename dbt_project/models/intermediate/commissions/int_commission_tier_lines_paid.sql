-- The tier lines statements pay, grain: rep x plan x period x tier: int_commission_tier_lines for plans paid
-- per period, int_commission_to_date_tier_lines for plans paid to date every pay period (issue 18 item 1),
-- whose per-period tier lines (a pay period's measure against its own target) mean nothing, and
-- int_commission_transaction_tier_lines (one per deal) for plans with tier_scope transaction.
{{ config(materialized='view') }}

with

to_date_plans as (

    select plan_id from {{ ref('stg_config__commission_plans') }} where pays_to_date or tier_scope = 'transaction'

),

per_period as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, cast(null as varchar) as order_id,
        cast(null as integer) as line_no, tier_no, rate, multiplier, lower_amount, upper_amount, base_amount, amount,
        explanation
    from {{ ref('int_commission_tier_lines') }}
    where plan_id not in (select plan_id from to_date_plans)

),

to_date as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, cast(null as varchar) as order_id,
        cast(null as integer) as line_no, tier_no, rate, multiplier, lower_amount, upper_amount, base_amount, amount,
        explanation
    from {{ ref('int_commission_to_date_tier_lines') }}

),

per_transaction as (

    -- tier_scope transaction (issue 18 item 5): one tier line per deal
    select
        rep_id, plan_id, period_type, period_start, tier_method, order_id, line_no, tier_no, rate, multiplier,
        lower_amount, upper_amount, base_amount, amount, explanation
    from {{ ref('int_commission_transaction_tier_lines') }}

),

final as (

    select * from per_period
    union all
    select * from to_date
    union all
    select * from per_transaction

)

select * from final
