-- 预警事项（看板用）：fct_warning_cases 加层面序号、图例标签、二级学院名称与“最近学年”标记；
-- 学生只显示“某同学（班级）”，原因里的姓名同样匿名（姓名学号只在学生预警名单看板）。
select
    c.case_id, c.level,
    list_position(['学校', '专业', '课程', '教师', '学生'], c.level) as level_order,
    c.entity_id,
    case when c.level = '学生' then '某同学（' || coalesce(k.class_name, '班级不详') || '）' else c.entity_name end
        as entity_label,
    c.cycle, c.academic_year, c.worst_tier, c.tier_rank, c.tier_name, t.legend_label as tier_legend,
    case when c.level = '学生' then replace(c.reasons_zh, c.entity_name || '同学（' || c.entity_id, '某同学（')
         else c.reasons_zh end as reasons_zh,
    c.indicator_codes, c.n_reasons,
    c.responsible_dept_code as responsible_dept, c.responsible_dept_name,
    c.responsible_person_name, c.responsible_person_role,
    c.college_code, coalesce(c.college_name, '全校') as college_name, c.priority,
    c.academic_year = (select max(academic_year) from {{ ref('fct_warning_cases') }}) as is_latest_year
from {{ ref('fct_warning_cases') }} as c
join {{ ref('srv_tiers') }} as t on t.tier = c.worst_tier
-- an equality on one expression: with `c.level = '学生' and …` in the ON clause DuckDB joined by nested loop (0.9 s)
left join {{ ref('dim_student') }} as s on s.student_id = case when c.level = '学生' then c.entity_id end
left join {{ ref('dim_class') }} as k on k.class_code = s.class_code
