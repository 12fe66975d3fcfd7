-- 配置检查：学生预警规则的指标、周期、等级合法；同一类预警中等级越严重阈值越高（同一指标）
with r as (
    select r.*, w.severity_rank from {{ ref('student_warning_rules') }} as r
    left join {{ ref('warning_tiers') }} as w using (tier)
)
select rule_id, '指标/周期/等级不合法' as problem_zh from r
where metric not in ('failed_courses', 'failed_credits', 'truant_hours')
   or count_window not in ('semester', 'cumulative')
   or tier not in ('黄', '橙', '红') or severity_rank is null or threshold is null
   or (metric = 'truant_hours' and warning_type <> '考勤预警')
   or (metric <> 'truant_hours' and warning_type <> '学业预警')
union all
select a.rule_id, '更严重的等级阈值不更高：' || b.rule_id
from r as a join r as b
    on a.metric = b.metric and a.severity_rank < b.severity_rank and a.threshold >= b.threshold
