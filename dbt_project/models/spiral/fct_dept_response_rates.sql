{{ config(schema='spiral', materialized='table') }}
-- 预警处理率与改进成效：责任部门 × 所属二级学院 × 学年（二级学院用户按学院看，职能部门按责任部门看）。
--   预警处理率 = 已答复（交回原因或措施）÷ 已下发；改进成效 = 复核已改善 ÷ 已复核（有下一周期）。
select
    c.responsible_dept_code, any_value(c.responsible_dept_name) as responsible_dept_name,
    c.college_code, any_value(col.college_name) as college_name, c.academic_year,
    count(*) as n_issued,
    count(*) filter (where c.is_answered) as n_answered,
    count(*) filter (where c.measure is not null) as n_with_measure,
    count(*) filter (where c.is_overdue) as n_overdue,
    count(*) filter (where c.is_open) as n_open,
    count(*) filter (where c.is_improved is not null) as n_rechecked,
    count(*) filter (where c.is_improved) as n_improved,
    count(*) filter (where c.is_answered)::double / count(*) as response_rate,
    count(*) filter (where c.is_improved)::double / nullif(count(*) filter (where c.is_improved is not null), 0)
        as improvement_rate
from {{ ref('fct_improvement_cases') }} as c
left join {{ ref('dim_college') }} as col on col.college_code = c.college_code
group by c.responsible_dept_code, c.college_code, c.academic_year
