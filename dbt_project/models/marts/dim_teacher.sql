-- 专任教师 only: the denominators of teacher-structure indicators.
select
    staff_id, staff_name, gender, birth_date, dept_name, title, title_level, education, degree,
    coalesce(is_dual_qualified, false) as is_dual_qualified,
    coalesce(is_backbone, false) as is_backbone,
    coalesce(is_major_leader, false) as is_major_leader,
    industry_years, hire_date, major_code, _batch_id
from {{ ref('stg_renshi__staff') }}
where post_type = '专任教师'
