-- 教职工 (人事 roster, every post type). 身份证号 only masked. The department is given by name in 人事; its
-- code comes from dim_college. 职称等级/rank from seeds/code_titles.csv (the roster's own 职称等级 wins).
select
    s.staff_id,
    s.staff_name,
    s.gender,
    s.birth_date,
    s.id_card_masked,
    s.dept_name,
    d.college_code as dept_code,
    s.post_type,
    s.post_type = '专任教师' as is_fulltime_teacher,
    s.staffing_type,
    s.title,
    coalesce(s.title_level, t.title_level) as title_level,
    t.title_rank,
    t.title_series_zh as title_series,
    coalesce(t.title_rank >= 3, false) as is_senior_title,
    s.education,
    s.degree,
    s.education = '研究生' or s.degree in ('博士', '硕士') as has_postgraduate_degree,
    coalesce(s.is_dual_qualified, false) as is_dual_qualified,
    coalesce(s.is_backbone, false) as is_backbone,
    coalesce(s.is_major_leader, false) as is_major_leader,
    s.industry_years,
    s.hire_date,
    extract(year from s.hire_date) as hire_year,
    s.major_code,
    s._batch_id,
    s._source_row
from {{ ref('stg_renshi__staff') }} as s
left join {{ ref('dim_college') }} as d on d.college_name = s.dept_name
left join {{ ref('code_titles') }} as t on t.title_name = s.title
