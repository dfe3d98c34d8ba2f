with

reps as (

    select * from {{ ref('stg_raw__reps') }}

),

final as (

    select
        reps.rep_id,
        reps.rep_name,
        reps.email,
        reps.region,
        reps.region_is_default,
        reps.team,
        reps.manager_id,
        managers.rep_name as manager_name,
        reps.role,
        reps.hire_date,
        reps.hire_date_is_missing,
        reps.termination_date,
        -- termination_date is the last day employed, so a rep is still active on it; a rep without a
        -- hire date counts as hired (the export lacks the column, not the employee).
        coalesce(reps.hire_date <= {{ as_of_date() }}, true)
            and (reps.termination_date is null or reps.termination_date >= {{ as_of_date() }}) as is_active,
        {{ as_of_date() }} as as_of_date,

        reps._source_file,
        reps._source_row

    from reps
    left join reps as managers on reps.manager_id = managers.rep_id

)

select * from final
