{{ config(schema='spiral', materialized='table') }}
-- 诊改事项的闭环（每个预警事项一行）：下发 → 诊断（原因）→ 改进措施（责任人、期限）→ 复核（下一周期）→ 关闭。
--   issued_at   第一次发布的时间（int_case_issuance）；answer_due = 下发 + 答复天数（seeds/improvement_deadlines.csv，按等级）
--   复核        该层面下一个有预警事项的周期：对象不再预警 = 已消除，等级降低 = 好转（均为已改善），否则 = 未改善；
--               还没有下一周期 = 待复核
--   逾期        未改善且（过了答复期限仍未填写改进措施，或过了部门填写的完成时限）
--   状态        已关闭（复核已改善）> 逾期 > 改进中（有措施）> 诊断中（只有原因）> 已下发
with cases as (
    select * from {{ ref('fct_warning_cases') }}
),
cycles as (
    select level, cycle, lead(cycle) over (partition by level order by cycle) as next_cycle,
        lag(cycle) over (partition by level order by cycle) as prev_cycle
    from (select distinct level, cycle from cases)
),
judged as (
    select
        c.*, i.issued_at,
        i.issued_at + to_days(d.answer_days) as answer_due,
        y.next_cycle, y.prev_cycle,
        nx.tier_rank as next_tier_rank, nx.worst_tier as next_tier,
        pv.tier_rank as prev_tier_rank,
        m.cause, m.measure, m.owner, m.deadline, m.progress, m.effect, m.workbook, m.answered_at, m.updated_at,
        m.n_versions
    from cases as c
    join {{ ref('int_case_issuance') }} as i using (case_id)
    left join {{ ref('improvement_deadlines') }} as d on d.tier = c.worst_tier
    left join cycles as y on y.level = c.level and y.cycle = c.cycle
    left join cases as nx on nx.level = c.level and nx.entity_id = c.entity_id and nx.cycle = y.next_cycle
    left join cases as pv on pv.level = c.level and pv.entity_id = c.entity_id and pv.cycle = y.prev_cycle
    left join {{ ref('fct_improvement_measures') }} as m on m.case_id = c.case_id
),
rechecked as (
    select *,
        case when next_cycle is null then null
             else next_tier_rank is null or next_tier_rank < tier_rank end as is_improved,
        case when next_cycle is null then '待复核'
             when next_tier_rank is null then '已消除'
             when next_tier_rank < tier_rank then '好转'
             else '未改善' end as recheck_zh,
        measure is not null as has_measure,
        coalesce(cause, measure) is not null as is_answered
    from judged
),
flagged as (
    select *,
        not coalesce(is_improved, false) and (
            (not has_measure and {{ zg_today() }} > answer_due::date)
            or (deadline is not null and {{ zg_today() }} > deadline)) as is_overdue
    from rechecked
)
select
    case_id, level, entity_id, entity_name, cycle, academic_year, worst_tier, tier_rank, reasons_zh,
    indicator_codes, n_reasons, priority, responsible_dept_code, responsible_dept_name, responsible_person_id,
    responsible_person_name, college_code,
    issued_at, answer_due, answered_at, updated_at, n_versions, is_answered,
    cause, measure, owner, deadline, progress, effect, workbook,
    prev_cycle, prev_tier_rank, prev_tier_rank is null as is_new, coalesce(tier_rank > prev_tier_rank, false) as is_escalated,
    next_cycle, next_tier, recheck_zh, is_improved,
    is_overdue,
    case when is_overdue and not has_measure then '逾期未答复'
         when is_overdue then '过了完成时限仍未改善' end as overdue_reason_zh,
    case when is_improved then 'closed' when is_overdue then 'overdue' when has_measure then 'improving'
         when is_answered then 'diagnosing' else 'issued' end as status_code,
    case when is_improved then '已关闭' when is_overdue then '逾期' when has_measure then '改进中'
         when is_answered then '诊断中' else '已下发' end as status_zh,
    not coalesce(is_improved, false) as is_open
from flagged
