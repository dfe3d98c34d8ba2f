-- The tier lines statements pay, grain: rep x plan x period x tier: int_commission_tier_lines for plans paid
-- per period, int_commission_to_date_tier_lines for plans paid to date every pay period (issue 18 item 1),
-- whose per-period tier lines (a pay period's measure against its own target) mean nothing.
{{ config(materialized='view') }}

with

to_date_plans as (

    select plan_id from {{ ref('stg_config__commission_plans') }} where pays_to_date

),

per_period as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, tier_no, rate, multiplier, lower_amount,
        upper_amount, base_amount, amount, explanation
    from {{ ref('int_commission_tier_lines') }}
    where plan_id not in (select plan_id from to_date_plans)

),

to_date as (

    select
        rep_id, plan_id, period_type, period_start, tier_method, tier_no, rate, multiplier, lower_amount,
        upper_amount, base_amount, amount, explanation
    from {{ ref('int_commission_to_date_tier_lines') }}

),

final as (

    select * from per_period
    union all
    select * from to_date

)

select * from final
