{#
  Cent-exact splits of the target decomposition (models/intermediate/targets/int_target_months_*,
  docs/targets_and_scorecards.md).

  allocate_cents: split each group's `pool` (BIGINT >= 0, in the smallest unit kept: cents for targets,
  millionths for returns spread over order lines) over the group's rows in proportion to
  `w` (DOUBLE >= 0; equal shares when every w is 0) so the shares add up to the pool exactly:
  each row gets the floor of its exact share, and the cents left over go one each to the rows with the
  largest remainders (ties: `order_by`). Integer arithmetic (HUGEINT) throughout, so it is exact.
  Weights are scaled to integers relative to the group's largest weight (12 significant digits).
  Renders a SELECT of the source's columns plus alloc_cents.
#}
{% macro allocate_cents(source, partition_by, order_by) -%}
select * exclude (_wi0, _wi, _sum_wi, _floor_cents, _rem, _pool_left),
    cast(_floor_cents + case when row_number() over (partition by {{ partition_by }} order by _rem desc, {{ order_by }})
                                  <= _pool_left then 1 else 0 end as bigint) as alloc_cents
from (
    select *, pool - sum(_floor_cents) over (partition by {{ partition_by }}) as _pool_left
    from (
        select *,
            (cast(pool as hugeint) * _wi) // _sum_wi as _floor_cents,
            (cast(pool as hugeint) * _wi) % _sum_wi as _rem
        from (
            select *,
                case when sum(_wi0) over (partition by {{ partition_by }}) > 0 then _wi0 else 1 end as _wi,
                case when sum(_wi0) over (partition by {{ partition_by }}) > 0
                     then sum(_wi0) over (partition by {{ partition_by }})
                     else count(*) over (partition by {{ partition_by }}) end as _sum_wi
            from (
                select *,
                    cast(round(case when max(w) over (partition by {{ partition_by }}) > 0
                                    then greatest(w, 0) / max(w) over (partition by {{ partition_by }})
                                    else 0 end * 1e12) as hugeint) as _wi0
                from {{ source }}
            )
        )
    )
)
{%- endmacro %}


{#
  cents_by_largest_remainder: round the lines of each group (a commission statement) to the cent so that they
  add up exactly to the group's total rounded once (half away from zero): each line gets the floor of its
  cents, and the cents still missing go one each to the lines with the largest remainders (ties: `order_by`).
  Works for negative lines too (floor rounds down). Renders a SELECT of the source's columns plus
  `rounded_amount` (DECIMAL(18,2)). docs/commissions.md "Rounding".
#}
{% macro cents_by_largest_remainder(source, partition_by, amount, order_by) -%}
select *,
    cast((_floor_cents + case when row_number() over (partition by {{ partition_by }}
                                                      order by _remainder desc, {{ order_by }}) <= _missing_cents
                              then 1 else 0 end) * 0.01 as decimal(18, 2)) as rounded_amount
from (
    select *,
        cast(round(sum({{ amount }}) over (partition by {{ partition_by }}) * 100) as decimal(38, 0))
            - sum(_floor_cents) over (partition by {{ partition_by }}) as _missing_cents
    from (
        select *,
            cast(floor({{ amount }} * 100) as decimal(38, 0)) as _floor_cents,
            {{ amount }} * 100 - floor({{ amount }} * 100) as _remainder
        from {{ source }}
    )
)
{%- endmacro %}