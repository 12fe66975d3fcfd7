-- 评教: 学生评教 (one averaged row per teaching task) and 督导评价 (one row per visit), in one table.
select
    '学生评教' as eval_source,
    e.task_id as eval_id,
    e.task_id,
    t.semester_code,
    t.academic_year,
    t.teacher_id,
    t.course_code,
    t.class_code,
    t.college_code,
    e.evaluator_count,
    e.avg_score as score,
    case when e.avg_score >= 90 then '优秀' when e.avg_score >= 80 then '良好'
         when e.avg_score >= 60 then '合格' else '不合格' end as grade,
    cast(null as varchar) as supervisor_id,
    cast(null as date) as eval_date,
    e._batch_id,
    e._source_row
from {{ ref('stg_jiaowu__student_evaluation') }} as e
left join {{ ref('fct_teaching_task') }} as t using (task_id)
union all
select
    '督导评价',
    v.eval_id,
    cast(null as varchar),
    v.semester_code,
    sem.academic_year,
    v.teacher_id,
    v.course_code,
    cast(null as varchar),
    st.dept_code,
    1,
    v.score,
    v.grade,
    v.supervisor_id,
    v.eval_date,
    v._batch_id,
    v._source_row
from {{ ref('stg_jiaowu__supervisor_evaluation') }} as v
left join {{ ref('dim_semester') }} as sem using (semester_code)
left join {{ ref('dim_staff') }} as st on st.staff_id = v.teacher_id
