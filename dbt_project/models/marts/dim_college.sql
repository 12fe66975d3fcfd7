-- 二级学院 (教务) and every other 部门 of the organisation (seeds/org_departments.csv): one list of units,
-- so staff, expenses and courses can all be attributed to a unit by code.
with org as (select * from {{ ref('org_departments') }}),
jw as (select * from {{ ref('stg_jiaowu__college') }})
select
    coalesce(jw.college_code, org.dept_code) as college_code,
    coalesce(jw.college_name, org.dept_name) as college_name,
    coalesce(org.dept_type, '二级学院') as dept_type,
    coalesce(org.is_teaching_unit, jw.college_code is not null) as is_teaching_unit,
    coalesce(org.dept_type, '二级学院') = '二级学院' as is_secondary_college,
    jw.college_code is not null as in_jiaowu,
    org.sort_order,
    jw._batch_id
from org
full outer join jw on jw.college_code = org.dept_code
