with

source as (

    select * from {{ source('raw', 'opportunities') }}

),

first_seen as (

    select key as opportunity_id, first_seen_at
    from {{ source('audit', 'first_seen') }}
    where entity = 'opportunities'

),

renamed as (

    select
        source.opportunity_id,
        source.customer_id,
        source.owner_rep_id,
        source.stage,
        source.amount,
        -- optional columns (docs/contract.md section 2): a blank created_date is the day the pipeline first
        -- saw the opportunity (audit.first_seen, kept across runs; never after the as-of date), flagged; a
        -- blank owner is an unassigned lead (counts in funnel totals, not against a rep), flagged
        coalesce(
            source.created_date,
            least(cast(first_seen.first_seen_at as date), {{ as_of_date() }})
        ) as created_date,
        source.created_date is null as created_date_is_default,
        source.owner_rep_id is null as is_unassigned,
        source.expected_close_date,
        source.closed_date,
        coalesce(lower(trim(source.status)), 'open') as status,
        source.lost_reason,
        source.updated_at,
        nullif(trim(source.source), '') as source,
        nullif(trim(source.product_line), '') as product_line,

        source._source_file,
        source._source_row,
        source._file_seq,
        source._ingested_at

    from source
    left join first_seen on source.opportunity_id = first_seen.opportunity_id

)

select * from renamed
{{ qualify_latest_row(['opportunity_id'], updated_at='updated_at') }}
