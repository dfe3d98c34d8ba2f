with

source as (

    select * from {{ source('raw', 'reps') }}

),

renamed as (

    select
        rep_id,
        rep_name,
        email,
        region,
        team,
        manager_id,
        coalesce(lower(trim(role)), 'rep') as role,
        hire_date,
        termination_date,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['rep_id']) }}
