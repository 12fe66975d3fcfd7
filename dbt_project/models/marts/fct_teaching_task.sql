-- 教学任务 (课表): one row per task, with the teacher's workload in 学时 (周学时 × 教学周数).
with enrolled as (
    select task_id,
           count(*) filter (where exam_type = '正考') as students,
           count(*) filter (where exam_type = '重修') as retake_students
    from {{ ref('stg_jiaowu__score') }}
    group by task_id
)
select
    t.task_id,
    t.semester_code,
    sem.academic_year,
    sem.term_no,
    t.course_code,
    c.course_type,
    c.course_level,
    t.class_code,
    cl.major_code,
    cl.college_code,
    t.teacher_id,
    t.weekly_hours,
    sem.teaching_weeks,
    t.weekly_hours * sem.teaching_weeks as workload_hours,
    c.credits,
    c.total_hours as course_total_hours,
    c.practice_hours as course_practice_hours,
    coalesce(e.students, 0) as students,
    coalesce(e.retake_students, 0) as retake_students,
    ts.sessions,
    ts.session_hours,
    t._batch_id,
    t._source_row
from {{ ref('stg_jiaowu__teaching_task') }} as t
left join {{ ref('dim_semester') }} as sem using (semester_code)
left join {{ ref('dim_course') }} as c using (course_code)
left join {{ ref('dim_class') }} as cl using (class_code)
left join enrolled as e using (task_id)
left join {{ ref('int_task_sessions') }} as ts using (task_id)
