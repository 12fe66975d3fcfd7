-- 学年s in which a student sat at least one regular exam (正考) of a teaching task: the evidence that a student
-- who has since left (退学/休学) was still in school that year (学工 only keeps the status as of today).
select distinct s.student_id, sem.academic_year
from {{ ref('stg_jiaowu__score') }} as s
join {{ ref('stg_jiaowu__teaching_task') }} as t using (task_id)
join {{ ref('stg_jiaowu__semester') }} as sem using (semester_code)
where s.exam_type = '正考'
