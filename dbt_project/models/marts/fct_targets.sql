with

targets as (

    select * from {{ ref('int_targets_rolled_up') }}

),

final as (

    select
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end,
        {{ period_label('period_type', 'period_start') }} as period_label,
        level,
        key,
        target_amount,
        -- No stretch buffer yet: the target policy (config/targets.yml) will add one.
        target_amount as stretch_target_amount,
        'manual' as source,
        derivation,
        rollup_parts,
        covered_months,
        {{ period_status('period_start', period_end('period_type', 'period_start')) }} as period_status

    from targets

)

select * from final
