-- 考勤课次 per teaching task: number of class meetings and their 学时 (节次 '3-4' = 2 学时).
select
    task_id,
    count(*) as sessions,
    sum(coalesce(try_cast(split_part(periods, '-', 2) as integer) - try_cast(split_part(periods, '-', 1) as integer) + 1, 2)) as session_hours,
    min(session_date) as first_session_date,
    max(session_date) as last_session_date,
    max(expected_count) as max_expected_count,
    string_agg(distinct _batch_id, ';') as _batch_id
from {{ ref('stg_jiaowu__attendance_session') }}
group by task_id
