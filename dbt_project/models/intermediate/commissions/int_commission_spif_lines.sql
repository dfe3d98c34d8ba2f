-- SPIFs (CONTRACT.md section 3 "spifs"), grain: rep x plan x period x order line x SPIF.
-- A line of the SPIF's product line, ordered within its date window, earns per_unit x the rep's credited
-- units not returned in the same period (measure_units). Only sales measures (net_sales, gross_margin)
-- carry units. Amounts are exact; the statement rounds them once (int_commission_lines_computed).

with

lines as (

    select * from {{ ref('int_commission_measure_lines') }}
    where measure in ('net_sales', 'gross_margin') and measure_units <> 0

),

spifs as (

    select * from {{ ref('stg_config__commission_spifs') }}

),

final as (

    select
        lines.rep_id,
        lines.plan_id,
        lines.period_type,
        lines.period_start,
        lines.order_id,
        lines.line_no,
        spifs.spif_no,
        spifs.product_line,
        spifs.per_unit,
        lines.measure_units as units,
        {{ exact_amount(money_times('spifs.per_unit', 'lines.measure_units')) }} as amount,
        'SPIF ' || spifs.product_line || ' ' || {{ yuan('spifs.per_unit') }} || ' per unit x '
            || format('{:g}', lines.measure_units::double) || ' units on order ' || lines.order_id
            || ' line ' || lines.line_no || ' of ' || strftime(lines.order_date, '%Y-%m-%d')
            as explanation

    from lines
    inner join spifs
        on spifs.plan_id = lines.plan_id
        and spifs.product_line = lines.product_line
        and lines.order_date between spifs.valid_from and spifs.valid_to

)

select * from final
