with

source as (

    select * from {{ source('audit', 'rejected_rows') }}

),

renamed as (

    select
        entity,
        file,
        row_number,
        sheet,
        reason

    from source

)

select * from renamed
