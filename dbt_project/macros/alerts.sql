{#
  Helpers of the risk-alert rules (models/intermediate/alerts/, docs/alerts.md).
#}

{#
  The columns every rule model returns, in this order; int_risk_alerts_unioned reads them by name. A new rule is a
  model returning them plus one line in that model's list.
#}
{% macro risk_alert_columns() %}
    {{ return([
        'alert_type', 'entity_type', 'entity_id', 'entity_name', 'region', 'owner_rep_id', 'severity',
        'period_type', 'period_start', 'money_at_risk', 'metric_value', 'threshold_value', 'p_value',
        'reason_en', 'reason_zh'
    ]) }}
{% endmacro %}

{#
  A rule's numeric settings (forecasting.yml `alerts.<rule>`, via stg_config__alert_settings) as one row with one
  column per name: `cross join ({{ alert_settings('churn', ['expected_orders']) }}) as settings`.
#}
{% macro alert_settings(rule, names) -%}
    select
    {%- for name in names %}
        max(case when setting = '{{ name }}' then value_number end) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref('stg_config__alert_settings') }}
    where rule = '{{ rule }}'
{%- endmacro %}

{# The items of a list setting, for `x in {{ alert_setting_list('cancellation', 'levels') }}`. #}
{% macro alert_setting_list(rule, name) -%}
    (select value_text from {{ ref('stg_config__alert_settings') }}
     where rule = '{{ rule }}' and setting = '{{ name }}' and value_text is not null)
{%- endmacro %}

{#
  ln(n!) for an integer n >= 0: exact below 8, else Stirling's series for ln Gamma(n + 1) to the 1/z^7 term
  (absolute error below 1e-11). Plain arithmetic, so the exact tests below run on any engine.
#}
{% macro ln_factorial(n) -%}
    (case
        when {{ n }} < 2 then 0.0
        when {{ n }} = 2 then 0.6931471805599453
        when {{ n }} = 3 then 1.791759469228055
        when {{ n }} = 4 then 3.1780538303479458
        when {{ n }} = 5 then 4.787491742782046
        when {{ n }} = 6 then 6.579251212010101
        when {{ n }} = 7 then 8.525161361065415
        else ({{ n }} + 0.5) * ln({{ n }} + 1.0) - ({{ n }} + 1.0) + 0.9189385332046728
             + 1.0 / (12.0 * ({{ n }} + 1.0)) - 1.0 / (360.0 * power({{ n }} + 1.0, 3))
             + 1.0 / (1260.0 * power({{ n }} + 1.0, 5)) - 1.0 / (1680.0 * power({{ n }} + 1.0, 7))
    end)
{%- endmacro %}

{# ln of the binomial coefficient C(n, k), 0 <= k <= n. #}
{% macro ln_choose(n, k) -%}
    ({{ ln_factorial(n) }} - {{ ln_factorial(k) }} - {{ ln_factorial('(' ~ n ~ ') - (' ~ k ~ ')') }})
{%- endmacro %}

{#
  Benjamini-Hochberg over the rows of `relation` (a CTE): each row is one test with p-value `p_value`; adds
  p_rank, tests (how many were tested together) and q_value, the adjusted p-value (alert when q_value <= the
  false discovery rate). Ties are broken by `tie_break` so the result is deterministic.
#}
{% macro with_bh_q_value(relation, p_value, tie_break) -%}
    select
        ranked.*,
        least(1.0, min(ranked.{{ p_value }} * ranked.tests / ranked.p_rank) over (
            order by ranked.p_rank desc rows between unbounded preceding and current row)) as q_value
    from (
        select
            tested.*,
            row_number() over (order by tested.{{ p_value }}, {{ tie_break }}) as p_rank,
            count(*) over () as tests
        from {{ relation }} as tested
    ) as ranked
{%- endmacro %}

{# A share as a percentage text with `digits` decimals: 0.0312 -> 3.1%. #}
{% macro percent_text(x, digits=1) -%}
    ({{ fixed_text('100.0 * (' ~ x ~ ')', digits) }} || '%')
{%- endmacro %}

{# First day of the last month wholly on or before the as-of date (the forecast starts the month after it). #}
{% macro last_complete_month() -%}
    cast({{ add_months(period_start('month', add_days(as_of_date(), 1)), -1) }} as date)
{%- endmacro %}

{#
  The standard normal distribution function Phi(x), from erf by Abramowitz & Stegun 7.1.26 (absolute error below
  1.5e-7): plain arithmetic, so it runs on any engine. tests/test_alert_rules.py compares it with scipy.
#}
{% macro normal_cdf(x) -%}
    (0.5 * (1.0 + sign({{ x }}) * (1.0 - (
        0.254829592 * (1.0 / (1.0 + 0.3275911 * abs({{ x }}) / sqrt(2.0)))
        - 0.284496736 * power(1.0 / (1.0 + 0.3275911 * abs({{ x }}) / sqrt(2.0)), 2)
        + 1.421413741 * power(1.0 / (1.0 + 0.3275911 * abs({{ x }}) / sqrt(2.0)), 3)
        - 1.453152027 * power(1.0 / (1.0 + 0.3275911 * abs({{ x }}) / sqrt(2.0)), 4)
        + 1.061405429 * power(1.0 / (1.0 + 0.3275911 * abs({{ x }}) / sqrt(2.0)), 5)
    ) * exp(-({{ x }}) * ({{ x }}) / 2.0))))
{%- endmacro %}
