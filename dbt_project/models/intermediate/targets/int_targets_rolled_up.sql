{#-
  Manual targets completed by roll-ups. Grain: level x key x period_type x period_start.

  For every level (rep, product_line, team, region, company) and period type (month, quarter, year),
  a target is one of:
    given            a manual target for exactly this level, key and period: always wins;
    rolled_up_time   the sum of this key's targets for the finer periods (months -> quarter,
                     quarters -> year);
    rolled_up_org    the sum of the children's targets for the same period, along
                     int_org_units_mapped (rep -> team, or region for reps without a team;
                     team -> region; region -> company).
  When no given target exists and both roll-ups are possible, the time roll-up wins if it is
  "anchored" (built on at least one given target at this same level) and covers at least as many
  months of the period with given targets as the org roll-up does (covered_months); otherwise the org
  roll-up wins, and an un-anchored time roll-up is the last resort. So a team's own monthly targets
  make its quarter, while a region whose months were merely summed from its teams takes its quarter
  from its teams' quarters (which may be given).
  product_line has no children: it rolls up in time only. Levels are computed bottom-up and period
  types finest first, so every roll-up sums final values (given or already rolled up) of its parts.
-#}
{% set period_types = ['month', 'quarter', 'year'] %}
{% set finer = {'quarter': 'month', 'year': 'quarter'} %}
{% set months_in = {'month': 1, 'quarter': 3, 'year': 12} %}
{% set children = {'rep': [], 'product_line': [], 'team': ['rep'], 'region': ['team', 'rep'], 'company': ['region']} %}
{% set levels = ['rep', 'product_line', 'team', 'region', 'company'] %}

with

given as (

    select level, key, period_type, period_start, target_amount
    from {{ ref('stg_raw__targets') }}
    where period_type is not null
        and level in ('company', 'region', 'team', 'rep', 'product_line')
        and (level = 'company' or key <> '')  -- a non-company target without a key names nothing

),

org_edges as (

    select * from {{ ref('int_org_units_mapped') }}

),

{% for level in levels %}
{% for period_type in period_types %}
{{ level }}_{{ period_type }} as (

    select key, period_start, target_amount, derivation, rollup_parts, is_anchored, covered_months
    from (

        select
            key,
            period_start,
            target_amount,
            'given' as derivation,
            cast(null as bigint) as rollup_parts,
            true as is_anchored,
            {{ months_in[period_type] }} as covered_months,
            1 as precedence
        from given
        where level = '{{ level }}' and period_type = '{{ period_type }}'

        {% if period_type in finer %}
        union all

        select
            key,
            {{ period_start(period_type, 'period_start') }} as period_start,
            sum(target_amount) as target_amount,
            'rolled_up_time' as derivation,
            count(*) as rollup_parts,
            bool_or(is_anchored) as is_anchored,
            sum(covered_months) as covered_months,
            case when bool_or(is_anchored) then 2 else 3 end as precedence
        from {{ level }}_{{ finer[period_type] }}
        group by 1, 2
        {% endif %}

        {% if children[level] %}
        union all

        select
            org_edges.parent_key as key,
            child_targets.period_start,
            sum(child_targets.target_amount) as target_amount,
            'rolled_up_org' as derivation,
            count(*) as rollup_parts,
            false as is_anchored,
            max(child_targets.covered_months) as covered_months,
            2 as precedence
        from (
            {% for child in children[level] %}
            select '{{ child }}' as child_level, key, period_start, target_amount, covered_months
            from {{ child }}_{{ period_type }}
            {% if not loop.last %}union all{% endif %}
            {% endfor %}
        ) as child_targets
        inner join org_edges
            on child_targets.child_level = org_edges.child_level
            and child_targets.key = org_edges.child_key
            and org_edges.parent_level = '{{ level }}'
        group by 1, 2
        {% endif %}

    ) as candidates
    qualify row_number() over (
        partition by key, period_start
        order by precedence, covered_months desc, derivation desc  -- 'rolled_up_time' > 'rolled_up_org'
    ) = 1

),

{% endfor %}
{% endfor %}

final as (

    {% for level in levels %}
    {% for period_type in period_types %}
    select
        '{{ level }}' as level,
        key,
        '{{ period_type }}' as period_type,
        period_start,
        cast(target_amount as decimal(18, 2)) as target_amount,
        derivation,
        rollup_parts,
        cast(covered_months as integer) as covered_months,
        is_anchored
    from {{ level }}_{{ period_type }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
