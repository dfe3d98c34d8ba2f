{#
  Money in SQL (docs/commissions.md "Rounding"). Amounts keep the source's precision (DECIMAL(18,6) from
  ingestion on) and are rounded to the cent once, where they are reported or paid.
#}

{# Round half away from zero ("half-up" for money) to the cent: DuckDB's ROUND on DECIMAL does exactly
   that, so amounts are cast to DECIMAL first (never rounded as DOUBLE). Money is rounded once, where it is
   reported or paid (docs/commissions.md "Rounding"): a period's target, and the statement in
   int_commission_lines_computed (cents_by_largest_remainder); everything before is exact. #}
{% macro cents(amount) -%}
    cast(round(cast({{ amount }} as decimal(38, 10)), 2) as decimal(18, 2))
{%- endmacro %}

{# An unrounded commission amount (tier, SPIF, cap, clawback, override, adjustment lines before the
   statement is rounded): 10 decimals, far below a cent, so that rounding happens once. #}
{% macro exact_amount(amount) -%}
    cast({{ amount }} as decimal(38, 10))
{%- endmacro %}

{# a x b without overflow: DuckDB 2.0 gives the product of two DECIMALs the WIDER operand's width, not the sum
   of both, so DECIMAL(18,6) x DECIMAL(18,6) is DECIMAL(18,12) and fails above 10^6 ("Overflow in
   multiplication of DECIMAL(18)"). Widening the left operand to 128 bits keeps every product exact. #}
{% macro money_times(a, b) -%}
    (cast({{ a }} as decimal(38, 10)) * {{ b }})
{%- endmacro %}
