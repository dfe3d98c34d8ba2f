with

source as (

    select * from {{ source('raw', 'trainings') }}

),

renamed as (

    select
        rep_id,
        course_id,
        course_name,
        topic,
        completed_date,
        assessment_score,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['rep_id', 'course_id']) }}
