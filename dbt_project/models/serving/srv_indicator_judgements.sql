-- 指标判定（看板用）：fct_warnings 加上显示用的标准值/国家线/目标值文本、是否达标、是否已判定与图例标签。
-- 显示规则只在 macros/judge_format.sql；等级词表只在 seeds/warning_tiers.csv。学生层面的姓名在这里已匿名。
-- A view, not a table: a table copied fct_warnings' 1.2 M rows with three more text columns (≈ 3 s of a build, and
-- again after every change to one student file); a dashboard's query computes the display texts of the rows it reads.
{{ config(materialized='view') }}
select
    w.warning_id, w.level, w.entity_type, w.entity_id,
    case when w.level = '学生' then '某同学' else w.entity_name end as entity_name,
    w.college_code, w.scope_type, w.scope_value, w.period, w.academic_year, w.cycle,
    w.indicator_code, w.indicator_name, w.vertical_system, w.unit, w.direction,
    case w.direction when 'higher' then '越高越好' else '越低越好' end as direction_zh,
    w.value, w.numerator, w.denominator, w.value_display,
    {{ judge_format('w.standard_value', 'w.unit', 'c.decimals') }} as standard_display,
    {{ judge_format('w.baseline_value', 'w.unit', 'c.decimals') }} as baseline_display,
    {{ judge_format('w.target_value', 'w.unit', 'c.decimals') }} as target_display,
    w.tier, w.tier_name, w.severity_rank, t.legend_label as tier_legend, w.is_warning,
    t.is_met, t.is_met or t.is_warning as is_judged,
    w.reason_zh, w.responsible_dept, w.responsible_dept_name, w.assisting_dept_names,
    -- the latest 学年 of the level
    w.academic_year = (select max(l.academic_year) from {{ ref('fct_warnings') }} as l where l.level = w.level)
        as is_latest_year
from {{ ref('fct_warnings') }} as w
join {{ ref('indicator_catalogue') }} as c using (indicator_code)
join {{ ref('srv_tiers') }} as t on t.tier = w.tier
