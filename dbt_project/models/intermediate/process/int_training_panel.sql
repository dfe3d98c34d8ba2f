-- The panel the training effect is estimated on (difference in differences, forecasting/training_effect.py),
-- one row per group x rep x month. A group is a course (group_type course) or a topic (group_type topic: a
-- rep's first completion of any course of the topic).
--   trained reps: their eligible months (int_training_rep_months) from training.months_before (6) before the
--   completion month to months_after (6) after it, the completion month itself left out (partly before,
--   partly after); is_post for the months after. A trained rep needs at least one month on each side.
--   untrained reps: reps who never completed the group's course(s) up to the as-of date, over the calendar
--   months the trained reps' windows span (the same months: their change is the counterfactual).

with

settings as (

    select training_months_before as before_m, training_months_after as after_m
    from {{ ref('stg_config__process_settings') }}

),

trainings as (

    select rep_id, course_id, course_name, topic, completed_date
    from {{ ref('stg_raw__trainings') }}
    where completed_date <= {{ as_of_date() }}

),

completions as (

    select
        'course' as group_type,
        course_id as group_id,
        max(course_name) as group_name,
        max(topic) as topic,
        rep_id,
        {{ period_start('month', 'min(completed_date)') }} as completed_month
    from trainings
    group by course_id, rep_id
    union all
    select
        'topic',
        topic,
        topic,
        topic,
        rep_id,
        {{ period_start('month', 'min(completed_date)') }}
    from trainings
    where topic is not null
    group by topic, rep_id

),

rep_months as (

    select * from {{ ref('int_training_rep_months') }}

),

trained_rows as (

    select
        c.group_type,
        c.group_id,
        c.rep_id,
        m.month_start,
        c.completed_month,
        m.month_start > c.completed_month as is_post,
        m.net_sales,
        m.attainment,
        m.win_rate
    from completions as c
    cross join settings as cfg
    inner join rep_months as m
        on m.rep_id = c.rep_id
        and m.month_start >= cast({{ dbt.dateadd('month', '-cfg.before_m', 'c.completed_month') }} as date)
        and m.month_start <= cast({{ dbt.dateadd('month', 'cfg.after_m', 'c.completed_month') }} as date)
        and m.month_start <> c.completed_month

),

identified as (  -- trained reps with months on both sides of the completion

    select group_type, group_id, rep_id
    from trained_rows
    group by group_type, group_id, rep_id
    having sum(case when is_post then 1 else 0 end) > 0 and sum(case when is_post then 0 else 1 end) > 0

),

trained as (

    select t.*
    from trained_rows as t
    inner join identified as i on i.group_type = t.group_type and i.group_id = t.group_id and i.rep_id = t.rep_id

),

spans as (

    select group_type, group_id, min(month_start) as first_month, max(month_start) as last_month
    from trained
    group by group_type, group_id

),

untrained as (

    select
        s.group_type,
        s.group_id,
        m.rep_id,
        m.month_start,
        cast(null as date) as completed_month,
        false as is_post,
        m.net_sales,
        m.attainment,
        m.win_rate
    from spans as s
    inner join rep_months as m on m.month_start between s.first_month and s.last_month
    left join completions as c
        on c.group_type = s.group_type and c.group_id = s.group_id and c.rep_id = m.rep_id
    where c.rep_id is null

),

groups as (

    select group_type, group_id, max(group_name) as group_name, max(topic) as topic
    from completions
    group by group_type, group_id

)

select
    p.group_type,
    p.group_id,
    g.group_name,
    g.topic,
    p.rep_id,
    p.month_start,
    p.trained,
    p.completed_month,
    p.is_post,
    p.net_sales,
    p.attainment,
    p.win_rate
from (
    select group_type, group_id, rep_id, month_start, true as trained, completed_month, is_post, net_sales,
           attainment, win_rate
    from trained
    union all
    select group_type, group_id, rep_id, month_start, false, completed_month, is_post, net_sales, attainment,
           win_rate
    from untrained
) as p
inner join groups as g on g.group_type = p.group_type and g.group_id = p.group_id
