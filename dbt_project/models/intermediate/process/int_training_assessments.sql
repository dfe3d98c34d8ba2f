-- Assessment scores against later attainment (the training mart's second view): per course and trained
-- rep, the assessment score and the rep's average attainment over the eligible months
-- (int_training_rep_months) in the training.months_after (6) months after the completion month.

with

settings as (

    select training_months_after as after_m from {{ ref('stg_config__process_settings') }}

),

trainings as (

    select rep_id, course_id, course_name, topic, completed_date, cast(assessment_score as double) as score
    from {{ ref('stg_raw__trainings') }}
    where completed_date <= {{ as_of_date() }} and assessment_score is not null

)

select
    t.course_id,
    t.course_name,
    t.topic,
    t.rep_id,
    t.score as assessment_score,
    avg(m.attainment) as later_attainment,
    count(m.attainment) as later_months
from trainings as t
cross join settings as cfg
inner join {{ ref('int_training_rep_months') }} as m
    on m.rep_id = t.rep_id
    and m.month_start > {{ period_start('month', 't.completed_date') }}
    and m.month_start <= cast({{ dbt.dateadd('month', 'cfg.after_m', period_start('month', 't.completed_date')) }} as date)
    and m.attainment is not null
group by t.course_id, t.course_name, t.topic, t.rep_id, t.score
