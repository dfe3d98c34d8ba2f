{#- quantile_cont (linear interpolation between the two nearest ranks, as percentile_value) computed from a
    histogram: `relation` holds one row per (group columns, value) with `weight` = how many times the value occurs.
    Exact for any group size, and what lets a mart aggregate values first and fan them out to many groups after
    (a quantile cannot be pre-aggregated, a histogram of integer days can). With n values in a group and
    h = (n - 1) * p, the result is x[floor h] + (h - floor h) * (x[ceil h] - x[floor h]), x sorted, 0-based;
    x[r] is the smallest value whose cumulative weight exceeds r. p is a literal, so h is exact decimal.
    Yields the group columns and one column per (name, p) in `quantiles`. -#}
{% macro histogram_quantiles(relation, group_columns, value, weight, quantiles) -%}
    {%- set groups = group_columns | join(', ') -%}
    select
        {{ groups }},
        {%- for name, p in quantiles %}
        cast(
            min(case when cumulative > floor((total - 1) * {{ p }}) then {{ value }} end)
            + ((total - 1) * {{ p }} - floor((total - 1) * {{ p }}))
            * (
                min(case when cumulative > ceil((total - 1) * {{ p }}) then {{ value }} end)
                - min(case when cumulative > floor((total - 1) * {{ p }}) then {{ value }} end)
            )
            as double
        ) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {{ groups }},
            {{ value }},
            sum({{ weight }}) over (
                partition by {{ groups }} order by {{ value }} rows between unbounded preceding and current row
            ) as cumulative,
            sum({{ weight }}) over (partition by {{ groups }}) as total
        from {{ relation }}
    ) as cumulated
    group by {{ groups }}, total
{%- endmacro %}
