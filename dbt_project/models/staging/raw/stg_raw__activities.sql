with

source as (

    select * from {{ source('raw', 'activities') }}

),

renamed as (

    select
        activity_id,
        rep_id,
        customer_id,
        opportunity_id,
        lower(trim(activity_type)) as activity_type,
        activity_date,
        duration_minutes,
        outcome,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['activity_id']) }}
