-- Earned commission of every rep x plan x period before overrides, clawbacks and adjustments, with the
-- cap applied (CONTRACT.md section 3 "cap"): cap_reduction = max(0, tier_commission + spif - cap),
-- on the exact sums, so the capped payout is exactly cap when the cap binds. Plans paid to date (issue 18
-- item 1): the cap applies to tier + SPIF to date; a pay period's reduction is the growth of the excess.
-- earned_factor = share of tier + SPIF actually paid after the cap; clawbacks reuse it so that a line
-- gives back what it really earned.

with

periods as (

    select * from {{ ref('int_commission_period_measures') }}

),

tiers as (

    -- commission_to_date: plans paid to date (issue 18 item 1) state the bands to date (tier_no > 0) and
    -- net out earlier payments (tier_no 0); clawbacks use the bands to date (below)
    select
        rep_id, plan_id, period_start,
        sum(amount) as tier_commission,
        sum(amount) filter (where tier_no > 0) as commission_to_date
    from {{ ref('int_commission_tier_lines_paid') }}
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
        {{ exact_amount('coalesce(spifs.spif, 0)') }} as spif,
        tiers.commission_to_date
    from periods
    left join tiers using (rep_id, plan_id, period_start)
    left join spifs using (rep_id, plan_id, period_start)

),

cumulated as (

    -- paid to date: the cap applies to tier + SPIF to date; each pay period gives up the growth of the excess
    select
        *,
        sum(tier_commission + spif) over (
            partition by rep_id, plan_id, tier_period_start order by period_start
            rows between unbounded preceding and current row) as earned_to_date,
        coalesce(sum(tier_commission + spif) over (
            partition by rep_id, plan_id, tier_period_start order by period_start
            rows between unbounded preceding and 1 preceding), 0) as earned_before
    from summed

),

capped as (

    select
        *,
        {{ exact_amount('case when cap is null then 0
                              when coalesce(pays_to_date, false)
                                  then greatest(0, earned_to_date - cap) - greatest(0, earned_before - cap)
                              else greatest(0, tier_commission + spif - cap) end') }}
            as cap_reduction,
        sum(measure_amount) over (
            partition by rep_id, plan_id, tier_period_start order by period_start
            rows between unbounded preceding and current row) as measure_to_date
    from cumulated

),

final as (

    select
        *,
        -- the tier commission a clawback takes its share of: the pay period's measure at the blended rate to
        -- date for plans paid to date (their tier lines net out earlier payments), else the tier commission
        -- (an advance month of a true_up period_end plan has no bands: its advance is what it earned)
        case when coalesce(pays_to_date, false) and commission_to_date is not null
             then case when measure_amount > 0 and commission_to_date > 0 and measure_to_date > 0
                       then {{ exact_amount('cast(commission_to_date as double) * cast(measure_amount as double)
                                             / cast(measure_to_date as double)') }}
                       else 0 end
             else tier_commission
        end as earned_tier_commission,
        case when tier_commission + spif > 0
            then greatest(0, least(1, cast(tier_commission + spif - cap_reduction as decimal(38, 10))
                                      / (tier_commission + spif)))
            else 1
        end as earned_factor
    from capped

)

select * from final
