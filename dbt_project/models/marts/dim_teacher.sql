-- 专任教师 only: the denominators of teacher-structure indicators (生师比, 双师, 职称, 学位).
select
    staff_id, staff_name, gender, birth_date, dept_name, dept_code, title, title_level, title_rank,
    is_senior_title, education, degree, has_postgraduate_degree,
    is_dual_qualified, is_backbone, is_major_leader,
    industry_years, hire_date, hire_year, major_code, _batch_id
from {{ ref('dim_staff') }}
where post_type = '专任教师'
