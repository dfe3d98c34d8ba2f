with

source as (

    select * from {{ source('ledger', 'closed_lines') }}

),

renamed as (

    select
        rep_id,
        plan_id,
        period_type,
        cast(period_start as date) as period_start,
        line_id,
        line_type,
        order_id,
        cast(line_no as integer) as line_no,
        source_id,
        source_rep_id,
        cast(restates_period_start as date) as restates_period_start,
        cast(amount as decimal(18, 2)) as amount,
        explanation,
        cast(closed_at as timestamp) as closed_at

    from source

)

select * from renamed
