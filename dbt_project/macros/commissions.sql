{#
  Commission helpers (docs/commissions.md). Money is shown as ¥1,234.50; rates and attainment bounds
  as percentages without trailing zeros (3%, 0.5%, 112.5%).
#}

{% macro yuan(amount) -%}
    (case when {{ amount }} < 0 then '-' else '' end || '¥'
     || format('{:,.2f}', abs(cast({{ amount }} as decimal(38, 2)))::double))
{%- endmacro %}

{# Like yuan, but an amount with digits below the cent shows them (¥99.9951, not ¥100.00), so that an
   explanation of a tier reached or missed by a fraction of a cent reads right. #}
{% macro yuan_exact(amount) -%}
    (case when cast({{ amount }} as decimal(38, 10)) = round(cast({{ amount }} as decimal(38, 10)), 2)
          then {{ yuan(amount) }}
          else (case when {{ amount }} < 0 then '-' else '' end || '¥'
                || rtrim(format('{:,.6f}', abs(cast({{ amount }} as decimal(38, 6)))::double), '0'))
     end)
{%- endmacro %}

{% macro pct_text(fraction) -%}
    (format('{:g}', round(cast({{ fraction }} as decimal(38, 6)) * 100, 4)::double) || '%')
{%- endmacro %}

{# The bounds of a tier in words: 50%–100% / 100%+ (attainment) or ¥0.00–¥1,000.00 / ¥8,000.00+ (amount). #}
{% macro tier_band_text(tier_basis, tier_from, tier_to) -%}
    case when {{ tier_basis }} = 'attainment'
         then {{ pct_text(tier_from) }} || case when {{ tier_to }} is null then '+' else '–' || {{ pct_text(tier_to) }} end
         else {{ yuan(tier_from) }} || case when {{ tier_to }} is null then '+' else '–' || {{ yuan(tier_to) }} end
    end
{%- endmacro %}

{# The rate of a tier in words: 3%, or for a multiplier tier (issue 18) 1.5x (¥100,000.00 / ¥500,000.00 = 30%). #}
{% macro tier_rate_text(multiplier, rate, target_incentive, full_target_amount) -%}
    case when {{ multiplier }} is null then {{ pct_text(rate) }}
         else {{ number_text(multiplier) }} || 'x (' || {{ yuan(target_incentive) }} || ' / '
              || {{ yuan(full_target_amount) }} || ' = ' || {{ pct_text(rate) }} || ')'
    end
{%- endmacro %}

{# A plain number without trailing zeros (1.5, 0.5, 2): tier multipliers. #}
{% macro number_text(value) -%}
    format('{:g}', round(cast({{ value }} as decimal(38, 6)), 4)::double)
{%- endmacro %}

{#
  The ledger of closed commission periods: written only by `salesperf close-period`
  (orchestration/commissions/close.py), read through models/staging/ledger. dbt never replaces
  these tables; this on-run-start hook only creates them (empty) when they do not exist yet.
#}
{% macro commission_ledger_ddl() %}
    create schema if not exists ledger;
    create table if not exists ledger.closed_statements (
        rep_id VARCHAR, plan_id VARCHAR, period_type VARCHAR, period_start DATE, period_label VARCHAR,
        measure VARCHAR, measure_amount DECIMAL(18, 2), target_amount DECIMAL(18, 2), attainment_pct DOUBLE,
        tier_commission DECIMAL(18, 2), spif DECIMAL(18, 2), cap_reduction DECIMAL(18, 2),
        override DECIMAL(18, 2), clawback DECIMAL(18, 2), adjustments DECIMAL(18, 2),
        restatement DECIMAL(18, 2), payable DECIMAL(18, 2), closed_at TIMESTAMP, closed_as_of DATE);
    create table if not exists ledger.closed_lines (
        rep_id VARCHAR, plan_id VARCHAR, period_type VARCHAR, period_start DATE, line_id VARCHAR,
        line_type VARCHAR, order_id VARCHAR, line_no INTEGER, source_id VARCHAR, source_rep_id VARCHAR,
        restates_period_start DATE, amount DECIMAL(18, 2), explanation VARCHAR, closed_at TIMESTAMP);
    create table if not exists ledger.closed_measure_lines (
        rep_id VARCHAR, plan_id VARCHAR, period_type VARCHAR, period_start DATE, order_id VARCHAR,
        line_no INTEGER, measure_amount DECIMAL(38, 10), closed_at TIMESTAMP);
{% endmacro %}
