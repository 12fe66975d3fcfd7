-- 配置检查：指标目录、规划事项、部门年度目标、学生预警规则中的每个部门代码都在组织机构表中
-- （学生预警规则可用 @college 表示“学生所在二级学院”）
with refs as (
    select 'indicator_catalogue' as seed, indicator_code as row_key, responsible_dept as dept_code
    from {{ ref('indicator_catalogue') }}
    union all
    select 'indicator_catalogue', indicator_code, unnest(string_split(assisting_depts, ';'))
    from {{ ref('indicator_catalogue') }} where assisting_depts is not null
    union all
    select 'plan_items', item_id, responsible_dept from {{ ref('plan_items') }}
    union all
    select 'plan_items', item_id, unnest(string_split(assisting_depts, ';'))
    from {{ ref('plan_items') }} where assisting_depts is not null
    union all
    select 'dept_annual_targets', indicator_code || ' ' || academic_year, dept_code from {{ ref('dept_annual_targets') }}
    union all
    select 'student_warning_rules', rule_id, responsible_dept from {{ ref('student_warning_rules') }}
    union all
    select 'student_warning_rules', rule_id, unnest(string_split(assisting_depts, ';'))
    from {{ ref('student_warning_rules') }} where assisting_depts is not null
)
select r.*
from refs as r
left join {{ ref('org_departments') }} as o using (dept_code)
where o.dept_code is null and r.dept_code <> '@college'
