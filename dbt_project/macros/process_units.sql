{#- Which funnel / pipeline rows a row counts in: one output row per (level, key, breakdown, breakdown_value).
    levels:     company (key ''), region, team, rep (the owner); an unassigned lead (no owner) counts in the level
                'unassigned' (key '') instead of a team or rep, and in its company and region as usual;
    breakdowns: all (breakdown_value ''), and by lead source and by product line at the company, region, team and
                unassigned levels (not per rep: too thin to read).
    `relation` needs the columns owner_rep_id, region, team, source, product_line, is_unassigned; `columns` are
    carried through. One definition for int_opportunity_units (one row per opportunity) and for marts that
    aggregate first and fan out after (fct_funnel: the fan-out of 10 rows per opportunity event is what made it
    spill tens of GB at 10M order lines). -#}
{% macro process_units(relation, columns) -%}
    {%- set carry = columns | join(', ') -%}
    {%- set levels = [
        ("'company'", "''", "true"),
        ("'region'", "region", "true"),
        ("'team'", "team", "team is not null"),
        ("'unassigned'", "''", "is_unassigned"),
    ] -%}
    {%- set breakdowns = [("'all'", "''"), ("'source'", "source"), ("'product_line'", "product_line")] -%}
    {%- for level, key, condition in levels %}
        {%- for breakdown, value in breakdowns %}
    select {{ carry }}, {{ level }} as level, {{ key }} as key, {{ breakdown }} as breakdown,
        {{ value }} as breakdown_value
    from {{ relation }} where {{ condition }}
    union all
        {%- endfor %}
    {%- endfor %}
    select {{ carry }}, 'rep', owner_rep_id, 'all', '' from {{ relation }} where not is_unassigned
{%- endmacro %}
