-- Course codes are K<owner><nn>: the owner is a major code (6 digits), a 二级学院 or a 公共教学部门.
with levels as (
    select * from (values ('国家级', 1), ('省级', 2), ('市级', 3), ('校级', 4), ('一般', 5)) as t(course_level, course_level_rank)
)
select
    c.course_code,
    c.course_name,
    c.course_type,
    case c.course_type when 'A' then '纯理论课' when 'B' then '理论+实践课' when 'C' then '纯实践课' end as course_type_name,
    c.credits,
    c.total_hours,
    c.practice_hours,
    c.total_hours - c.practice_hours as theory_hours,
    case when c.total_hours > 0 then c.practice_hours::double / c.total_hours end as practice_ratio,
    c.course_level,
    l.course_level_rank,
    c.course_level <> '一般' as is_quality_course,
    c.dept_code,
    d.college_name as dept_name,
    nullif(regexp_extract(c.course_code, '^K([0-9]{6})[0-9]{2}$', 1), '') as owner_major_code,
    c._batch_id,
    c._source_row
from {{ ref('stg_jiaowu__course') }} as c
left join levels as l using (course_level)
left join {{ ref('dim_college') }} as d on d.college_code = c.dept_code
