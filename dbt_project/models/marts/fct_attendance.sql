-- 考勤 per student × teaching task (tasks with 考勤课次 only: the attendance system runs from 2022-2023 on;
-- 岗位实习 has none). The export lists only exceptions: 出勤 = sessions − 旷课 − 请假 (迟到/早退 were present).
with records as (
    select
        s.task_id,
        r.student_id,
        count(*) filter (where r.status = '旷课') as truant_sessions,
        coalesce(sum(r.hours) filter (where r.status = '旷课'), 0) as truant_hours,
        count(*) filter (where r.status = '迟到') as late_count,
        count(*) filter (where r.status = '早退') as early_leave_count,
        count(*) filter (where r.status = '请假') as leave_sessions,
        coalesce(sum(r.hours) filter (where r.status = '请假'), 0) as leave_hours,
        string_agg(distinct r._batch_id, ';') as record_batch_id
    from {{ ref('stg_jiaowu__attendance_record') }} as r
    join {{ ref('stg_jiaowu__attendance_session') }} as s using (session_id)
    group by s.task_id, r.student_id
),
roster as (
    -- who should be there: every student with a score row on the task, plus anyone with a record
    select student_id, task_id, _batch_id from {{ ref('stg_jiaowu__score') }}
    where task_id in (select task_id from {{ ref('int_task_sessions') }})
    union by name
    select student_id, task_id, null as _batch_id from records
    where (student_id, task_id) not in (select (student_id, task_id) from {{ ref('stg_jiaowu__score') }})
)
select
    ro.student_id,
    ro.task_id,
    t.semester_code,
    t.academic_year,
    t.course_code,
    t.class_code,
    t.teacher_id,
    stu.major_code,
    stu.college_code,
    ts.sessions,
    ts.session_hours as scheduled_hours,
    coalesce(r.truant_sessions, 0) as truant_sessions,
    coalesce(r.truant_hours, 0) as truant_hours,
    coalesce(r.late_count, 0) as late_count,
    coalesce(r.early_leave_count, 0) as early_leave_count,
    coalesce(r.leave_sessions, 0) as leave_sessions,
    coalesce(r.leave_hours, 0) as leave_hours,
    ts.sessions - coalesce(r.truant_sessions, 0) - coalesce(r.leave_sessions, 0) as attended_sessions,
    case when ts.sessions > 0
         then (ts.sessions - coalesce(r.truant_sessions, 0) - coalesce(r.leave_sessions, 0))::double / ts.sessions end
        as attendance_rate,
    ro._batch_id as score_batch_id,
    ts._batch_id as session_batch_id,
    r.record_batch_id
from roster as ro
join {{ ref('int_task_sessions') }} as ts using (task_id)
left join records as r using (student_id, task_id)
left join {{ ref('fct_teaching_task') }} as t using (task_id)
left join {{ ref('dim_student') }} as stu using (student_id)
