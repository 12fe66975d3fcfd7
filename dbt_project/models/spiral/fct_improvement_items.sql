{{ config(schema='spiral', materialized='table') }}
-- 诊改事项（质量改进螺旋）：一个对象的一个指标从某周期开始连续预警（黄/橙/红）即为一个事项，
-- 键 = 指标 × 对象 × 首次预警周期；事项随后续周期的值推进：
--   新发现 (new)        首次预警后还没有下一周期的数据
--   诊断中 (diagnosing) 有后续周期，仍预警且最近一期没有比首期更好
--   改进中 (improving)  仍预警，但最近一期比首期更好（按指标方向）
--   已复核 (reviewed)   后续某周期回到 达标/达到目标：事项关闭，closed_period 为该周期
-- 数据缺失 / 无标准 的周期不打开也不关闭事项（跳过），“下一周期”指下一个有判定结果的周期。
with judged as (
    select *
    from {{ ref('fct_warnings') }}
    -- students are followed by the student warning rules (fct_warning_cases), not per indicator
    where tier not in ('数据缺失', '无标准') and level <> '学生'
),
seq as (
    select *,
        lag(is_warning) over w as prev_is_warning,
        lead(period) over w as next_period,
        lead(value) over w as next_value,
        lead(tier) over w as next_tier
    from judged
    window w as (partition by level, entity_type, entity_id, indicator_code order by period)
),
islands as (
    -- a new item starts at a warning whose previous cycle was not a warning; the rows after it up to the next
    -- start (its warnings, then the closing cycle and later good cycles) share its number
    select *,
        sum(case when is_warning and coalesce(prev_is_warning, false) = false then 1 else 0 end)
            over (partition by level, entity_type, entity_id, indicator_code order by period
                  rows between unbounded preceding and current row) as item_no
    from seq
),
items as (
    select
        level, entity_type, entity_id, indicator_code, item_no,
        any_value(entity_name) as entity_name,
        any_value(college_code) as college_code,
        any_value(indicator_name) as indicator_name,
        any_value(direction) as direction,
        any_value(unit) as unit,
        any_value(cycle) as cycle,
        any_value(responsible_dept) as responsible_dept,
        any_value(responsible_dept_name) as responsible_dept_name,
        any_value(assisting_depts) as assisting_depts,
        any_value(assisting_dept_names) as assisting_dept_names,
        min(period) filter (where is_warning) as first_period,
        arg_min(value, period) filter (where is_warning) as first_value,
        arg_min(tier, period) filter (where is_warning) as first_tier,
        arg_min(reason_zh, period) filter (where is_warning) as first_reason_zh,
        arg_min(standard_value, period) filter (where is_warning) as first_standard_value,
        arg_min(next_period, period) filter (where is_warning) as next_period,
        arg_min(next_value, period) filter (where is_warning) as next_value,
        arg_min(next_tier, period) filter (where is_warning) as next_tier,
        count(*) filter (where is_warning) as cycles_in_warning,
        max(period) filter (where is_warning) as last_warning_period,
        arg_max(value, period) filter (where is_warning) as last_warning_value,
        arg_max(tier, period) filter (where is_warning) as last_warning_tier,
        arg_max(reason_zh, period) filter (where is_warning) as last_warning_reason_zh,
        min(period) filter (where not is_warning) as closed_period,
        arg_min(value, period) filter (where not is_warning) as closed_value,
        arg_min(tier, period) filter (where not is_warning) as closed_tier
    from islands
    where item_no > 0
    group by level, entity_type, entity_id, indicator_code, item_no
)
select
    indicator_code || '|' || entity_type || '|' || entity_id || '|' || first_period as item_id,
    level, entity_type, entity_id, entity_name, college_code, indicator_code, indicator_name, direction, unit, cycle,
    first_period, first_tier, first_value, first_standard_value, first_reason_zh,
    next_period, next_value, next_tier,
    {{ judge_better('next_value', 'first_value', 'direction') }} as improved,
    cycles_in_warning,
    last_warning_period, last_warning_tier, last_warning_value, last_warning_reason_zh,
    closed_period, closed_value, closed_tier,
    coalesce(closed_period, last_warning_period) as latest_period,
    coalesce(closed_value, last_warning_value) as latest_value,
    coalesce(closed_tier, last_warning_tier) as latest_tier,
    case
        when closed_period is not null then 'reviewed'
        when next_period is null then 'new'
        when {{ judge_better('last_warning_value', 'first_value', 'direction') }} then 'improving'
        else 'diagnosing'
    end as status_code,
    case
        when closed_period is not null then '已复核'
        when next_period is null then '新发现'
        when {{ judge_better('last_warning_value', 'first_value', 'direction') }} then '改进中'
        else '诊断中'
    end as status_zh,
    closed_period is null as is_open,
    responsible_dept, responsible_dept_name, assisting_depts, assisting_dept_names
from items
