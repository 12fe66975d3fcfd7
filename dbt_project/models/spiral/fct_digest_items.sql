{{ config(schema='spiral', materialized='table') }}
-- 通知摘要的候选事项（zhengai notify 读取）：每个责任部门
--   新预警   该层面最新周期中未关闭、上一周期该对象没有预警的事项
--   升级     该层面最新周期中比上一周期等级更高的事项
--   逾期     所有逾期事项
-- 同一事项同一类别只通知一次（已发送的记录在 $ZHENGAI_HOME/notifications.duckdb，由 notify 比对）。
with latest as (
    select level, max(cycle) as cycle from {{ ref('fct_improvement_cases') }} group by level
),
picked as (
    select c.*, 'new' as kind, '新预警' as kind_zh, 1 as kind_order
    from {{ ref('fct_improvement_cases') }} as c join latest as l using (level, cycle)
    where c.is_open and c.is_new
    union all
    select c.*, 'escalated', '升级预警', 2
    from {{ ref('fct_improvement_cases') }} as c join latest as l using (level, cycle)
    where c.is_open and c.is_escalated
    union all
    select c.*, 'overdue', '逾期事项', 3
    from {{ ref('fct_improvement_cases') }} as c
    where c.is_overdue
)
select
    p.responsible_dept_code as dept_code, p.responsible_dept_name as dept_name, p.kind, p.kind_zh, p.kind_order,
    p.case_id, p.level, p.entity_id, p.entity_name, p.cycle, p.academic_year, p.worst_tier, t.name_zh as tier_name,
    p.priority, p.reasons_zh, p.status_zh, p.overdue_reason_zh, p.answer_due, p.deadline, p.owner, p.college_code
from picked as p
left join {{ ref('warning_tiers') }} as t on t.tier = p.worst_tier
where p.responsible_dept_code is not null
