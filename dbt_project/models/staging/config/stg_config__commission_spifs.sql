with

source as (

    select * from {{ source('config', 'commission_spifs') }}

),

renamed as (

    select
        plan_id,
        cast(spif_no as integer) as spif_no,
        product_line,
        cast(per_unit as decimal(18, 2)) as per_unit,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to

    from source

)

select * from renamed
