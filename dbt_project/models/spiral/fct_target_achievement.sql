{{ config(schema='spiral', materialized='table') }}
-- 目标达成度：每个部门每学年一行（明细见 fct_target_achievement_items），另有 dept_code = '全校' 的汇总行，
-- 其达成度即“目标任务完成率”（SCH_TASK_COMPLETION_RATE），按 indicator_standards 的学校标准判定等级。
with items as (select * from {{ ref('fct_target_achievement_items') }}),
per_dept as (
    select dept_code, any_value(dept_name) as dept_name, any_value(dept_type) as dept_type, academic_year,
           count(*) as n_targets,
           count(*) filter (where status_zh in ('达成', '未达成')) as n_measured,
           count(*) filter (where status_zh = '达成') as n_achieved,
           count(*) filter (where status_zh = '未达成') as n_not_achieved,
           count(*) filter (where status_zh = '无数据') as n_no_data,
           count(*) filter (where status_zh = '定性目标') as n_qualitative
    from items
    group by dept_code, academic_year
),
school as (
    select '全校' as dept_code, '全校' as dept_name, '学校' as dept_type, academic_year,
           sum(n_targets)::bigint, sum(n_measured)::bigint, sum(n_achieved)::bigint, sum(n_not_achieved)::bigint,
           sum(n_no_data)::bigint, sum(n_qualitative)::bigint
    from per_dept
    group by academic_year
),
unioned as (
    select * from per_dept
    union all
    select * from school
),
std as (
    select s.*, c.direction from {{ ref('indicator_standards') }} as s
    join {{ ref('indicator_catalogue') }} as c using (indicator_code)
    where s.indicator_code = 'SCH_TASK_COMPLETION_RATE' and s.scope_type = 'school'
)
select
    u.*,
    case when u.n_measured > 0 then u.n_achieved::double / u.n_measured end as achievement_rate,
    {{ judge_tier('case when u.n_measured > 0 then u.n_achieved::double / u.n_measured end',
                  's.standard_value', 's.yellow_line', 's.orange_line', 's.red_line', 's.direction') }} as tier
from unioned as u
left join std as s on true
