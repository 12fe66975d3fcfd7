-- 成绩: one row per student × teaching task (正考 on the student's own task; 重修 on a later cohort's task).
-- final_score: the better of 总评 and 补考; is_passed: final_score ≥ 60. A course is finally passed when this
-- row or any 重修 row of the same student × course passed (is_course_finally_passed, on every row of it).
with s as (
    select
        sc.*,
        greatest(sc.total_score, coalesce(sc.makeup_score, sc.total_score)) as final_score
    from {{ ref('stg_jiaowu__score') }} as sc
)
select
    s.student_id,
    s.task_id,
    t.semester_code,
    t.academic_year,
    t.term_no,
    t.course_code,
    t.class_code,
    t.teacher_id,
    stu.major_code,
    stu.college_code,
    s.exam_type,
    s.is_retake,
    s.total_score,
    s.makeup_score,
    s.makeup_score is not null as took_makeup,
    s.final_score,
    s.total_score >= 60 as is_passed_first_attempt,
    s.final_score >= 60 as is_passed,
    bool_or(s.final_score >= 60) over (partition by s.student_id, t.course_code) as is_course_finally_passed,
    s.exam_type = '正考' and not bool_or(s.final_score >= 60) over (partition by s.student_id, t.course_code)
        as is_failed_after_resits,
    s.total_score = 0 as is_absent_from_exam,
    t.credits,
    case when s.final_score >= 60 then t.credits else 0 end as credits_earned,
    s._batch_id,
    s._source_row
from s
left join {{ ref('fct_teaching_task') }} as t using (task_id)
left join {{ ref('dim_student') }} as stu using (student_id)
