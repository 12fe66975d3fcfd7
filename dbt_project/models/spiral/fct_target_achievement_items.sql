{{ config(schema='spiral', materialized='table') }}
-- 目标达成明细：每个部门每学年每个目标一行。目标来自 dept_annual_targets（部门年度目标）与 plan_items/plan_targets
-- （学校规划目标，由牵头部门承担；已被某部门目标承接的不重复计）。实际值取自 fct_indicator_values：
--   学校层面指标 → 学校的值；
--   其他层面指标 → 二级学院/公共教学部门的目标按本院对象汇总，职能部门的目标按全校对象汇总；
--   汇总口径：有分子分母时 合计分子 ÷ 合计分母，否则为各对象值的平均；学期指标汇总该学年的两个学期。
-- 定性目标（只有文字，如“完成制度汇编”）列出但不判定（status 定性目标）。
with catalogue as (select * from {{ ref('indicator_catalogue') }}),
depts as (select * from {{ ref('org_departments') }}),
targets as (
    select d.dept_code, d.academic_year, d.indicator_code, d.target_value, null::varchar as target_text_zh,
           d.plan_item_id, '部门年度目标' as target_kind
    from {{ ref('dept_annual_targets') }} as d
    union all
    select i.responsible_dept, t.academic_year, i.indicator_code, t.target_value, t.target_text_zh,
           i.item_id, '学校规划目标'
    from {{ ref('plan_targets') }} as t
    join {{ ref('plan_items') }} as i using (item_id)
    where not exists (select 1 from {{ ref('dept_annual_targets') }} as d
                      where d.plan_item_id = i.item_id and d.academic_year = t.academic_year)
),
values_ as (
    select v.*, c.level as indicator_level from {{ ref('fct_indicator_values') }} as v
    join catalogue as c using (indicator_code)
    where v.value is not null
),
actuals as (
    select
        t.dept_code, t.academic_year, t.indicator_code,
        case when sum(v.denominator) > 0 and count(v.numerator) = count(*) then sum(v.numerator) / sum(v.denominator)
             else avg(v.value) end as actual_value,
        count(*) as n_values
    from targets as t
    join depts as d using (dept_code)
    join values_ as v
        on v.indicator_code = t.indicator_code and v.academic_year = t.academic_year
       and (v.indicator_level = '学校'
            or (d.dept_type in ('二级学院', '公共教学部门') and v.college_code = t.dept_code)
            or d.dept_type not in ('二级学院', '公共教学部门'))
    where t.indicator_code is not null
    group by all
)
select
    t.dept_code, d.dept_name, d.dept_type, t.academic_year, t.indicator_code, c.name_zh as indicator_name,
    c.level as indicator_level, c.unit, c.direction, t.target_kind, t.plan_item_id,
    t.target_value, t.target_text_zh, a.actual_value, coalesce(a.n_values, 0) as n_values,
    case when t.target_value is null or a.actual_value is null then null
         else {{ judge_meets('a.actual_value', 't.target_value', 'c.direction') }} end as is_achieved,
    case when t.target_value is null or a.actual_value is null or a.actual_value = 0 or t.target_value = 0 then null
         when c.direction = 'lower' then t.target_value / a.actual_value
         else a.actual_value / t.target_value end as achievement_ratio,
    case when t.indicator_code is null then '定性目标'
         when a.actual_value is null then '无数据'
         when {{ judge_meets('a.actual_value', 't.target_value', 'c.direction') }} then '达成'
         else '未达成' end as status_zh
from targets as t
left join depts as d using (dept_code)
left join catalogue as c on c.indicator_code = t.indicator_code
left join actuals as a
    on a.dept_code = t.dept_code and a.academic_year = t.academic_year and a.indicator_code = t.indicator_code
