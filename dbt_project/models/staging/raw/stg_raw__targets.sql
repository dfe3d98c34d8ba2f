with

source as (

    select * from {{ source('raw', 'targets') }}

),

renamed as (

    select
        trim(period) as period,
        {{ period_type_from_label('period') }} as period_type,
        {{ period_start_from_label('period') }} as period_start,
        lower(trim(level)) as level,
        -- The company target has no key; '' (not NULL) keeps (period, level, key) a usable join key.
        case when lower(trim(level)) = 'company' then '' else coalesce(trim(key), '') end as key,
        target_amount,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from source

),

with_period_end as (

    select
        period,
        period_type,
        period_start,
        {{ period_end('period_type', 'period_start') }} as period_end,
        level,
        key,
        target_amount,

        _source_file,
        _source_row,
        _file_seq,
        _ingested_at

    from renamed

)

-- De-duplicated on the parsed period, so '2025-3' and '2025-03' are the same target.
select * from with_period_end
{{ qualify_latest_row(["coalesce(period_type || ':' || cast(period_start as varchar), 'unparsed:' || period)", 'level', 'key']) }}
