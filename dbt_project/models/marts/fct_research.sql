-- 科研教研成果 (人事): one row per achievement, attributed to the staff member's department and major.
select
    r.achievement_id,
    r.staff_id,
    r.achievement_title,
    r.achievement_type,
    r.level,
    r.research_year,
    s.dept_code,
    s.major_code,
    s.post_type,
    r._batch_id,
    r._source_row
from {{ ref('stg_renshi__research') }} as r
left join {{ ref('dim_staff') }} as s using (staff_id)
