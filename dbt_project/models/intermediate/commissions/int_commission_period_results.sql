-- Earned commission of every rep x plan x period before overrides, clawbacks and adjustments, with the
-- cap applied (CONTRACT.md section 3 "cap"): cap_reduction = max(0, tier_commission + spif - cap),
-- on the exact sums, so the capped payout is exactly cap when the cap binds.
-- earned_factor = share of tier + SPIF actually paid after the cap; clawbacks reuse it so that a line
-- gives back what it really earned.

with

periods as (

    select * from {{ ref('int_commission_period_measures') }}

),

tiers as (

    select rep_id, plan_id, period_start, sum(amount) as tier_commission
    from {{ ref('int_commission_tier_lines') }}
    group by all

),

spifs as (

    select rep_id, plan_id, period_start, sum(amount) as spif
    from {{ ref('int_commission_spif_lines') }}
    group by all

),

summed as (

    select
        periods.*,
        {{ exact_amount('coalesce(tiers.tier_commission, 0)') }} as tier_commission,
        {{ exact_amount('coalesce(spifs.spif, 0)') }} as spif
    from periods
    left join tiers using (rep_id, plan_id, period_start)
    left join spifs using (rep_id, plan_id, period_start)

),

final as (

    select
        *,
        {{ exact_amount('case when cap is not null then greatest(0, tier_commission + spif - cap) else 0 end') }}
            as cap_reduction,
        case when tier_commission + spif > 0
            then cast(tier_commission + spif
                      - case when cap is not null then greatest(0, tier_commission + spif - cap) else 0 end
                      as decimal(38, 10)) / (tier_commission + spif)
            else 1
        end as earned_factor
    from summed

)

select * from final
