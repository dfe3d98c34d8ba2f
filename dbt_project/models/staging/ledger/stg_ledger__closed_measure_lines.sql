with

source as (

    select * from {{ source('ledger', 'closed_measure_lines') }}

),

renamed as (

    select
        rep_id,
        plan_id,
        period_type,
        cast(period_start as date) as period_start,
        order_id,
        cast(line_no as integer) as line_no,
        cast(measure_amount as decimal(38, 10)) as measure_amount,
        cast(closed_at as timestamp) as closed_at

    from source

)

select * from renamed
