with

source as (

    select * from {{ source('raw', 'surveys') }}

),

renamed as (

    select
        survey_id,
        customer_id,
        rep_id,
        survey_date,
        score,
        comment,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['survey_id']) }}
