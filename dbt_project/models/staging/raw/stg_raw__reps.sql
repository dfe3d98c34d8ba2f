with

source as (

    select * from {{ source('raw', 'reps') }}

),

renamed as (

    select
        rep_id,
        rep_name,
        email,
        -- optional columns (docs/contract.md section 2): a blank region is 未分配 (unassigned), flagged; a
        -- blank hire_date stays NULL (ramp and proration start at the first plan assignment), flagged
        coalesce(nullif(trim(region), ''), '未分配') as region,
        nullif(trim(region), '') is null as region_is_default,
        team,
        manager_id,
        coalesce(lower(trim(role)), 'rep') as role,
        hire_date,
        hire_date is null as hire_date_is_missing,
        termination_date,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

)

select * from renamed
{{ qualify_latest_row(['rep_id']) }}
