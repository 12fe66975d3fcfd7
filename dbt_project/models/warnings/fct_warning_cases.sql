{{ config(schema='warnings', materialized='table') }}
-- 预警事项（合并）：每个对象每个诊改周期一行 —— 学校/专业/教师按学年，课程/学生按学期。
--   学校/专业/课程/教师：该对象该周期所有黄/橙/红的指标判定（fct_warnings）合并为一行；
--   学生：只用学生预警规则（fct_student_warnings：学业/考勤…，seeds/student_warning_rules.csv），
--         学生的逐指标判定不计入预警（仍在 fct_warnings / indicators 中供分析）。
-- 最严重等级 = 各原因中 severity_rank 最大者；原因按严重程度（再按指标代码）排序；责任部门取最严重的第一条原因的部门。
-- 优先级（1 最高）= 2 × (最高预警序号 − 最严重等级序号) + (两条及以上原因 ? 1 : 2)：
--   红且多条原因 = 1，红 = 2，橙且多条 = 3，橙 = 4，黄且多条 = 5，黄 = 6（序号来自 seeds/warning_tiers.csv）。
with tiers as (
    select tier, name_zh, severity_rank, colour from {{ ref('warning_tiers') }} where is_warning
),
top_rank as (select max(severity_rank) as max_rank from tiers),
unit_reasons as (
    select
        w.level, w.entity_id, w.entity_name, w.college_code, w.period as cycle, w.academic_year,
        w.tier, w.severity_rank, w.indicator_code, w.reason_zh, w.responsible_dept, w.responsible_dept_name,
        null::varchar as counselor_id
    from {{ ref('fct_warnings') }} as w
    where w.is_warning and w.level <> '学生'
),
student_reasons as (
    select
        '学生' as level, s.student_id as entity_id, s.student_name as entity_name, s.college_code,
        s.semester_code as cycle, s.academic_year,
        s.tier, s.severity_rank, r.indicator_code, s.reason_zh, s.responsible_dept, s.responsible_dept_name,
        s.counselor_id
    from {{ ref('fct_student_warnings') }} as s
    -- the indicator behind the warning type (the rule of the case's tier that fired first)
    left join {{ ref('student_warning_rules') }} as r on r.rule_id = split_part(s.rule_ids, ';', 1)
),
reasons as (
    select * from unit_reasons
    union all
    select * from student_reasons
),
cases as (
    select
        level, entity_id, cycle,
        any_value(entity_name) as entity_name,
        any_value(college_code) as college_code,
        any_value(academic_year) as academic_year,
        max(severity_rank) as tier_rank,
        count(*) as n_reasons,
        string_agg(reason_zh, '；' order by severity_rank desc, indicator_code) as reasons_zh,
        string_agg(distinct indicator_code, ',' order by indicator_code) as indicator_codes,
        any_value(counselor_id) as counselor_id
    from reasons
    group by level, entity_id, cycle
),
first_reason as (
    -- the department of the most severe reason (ties: smallest indicator code) is the responsible one
    select distinct on (level, entity_id, cycle)
        level, entity_id, cycle, responsible_dept, responsible_dept_name
    from reasons
    order by level, entity_id, cycle, severity_rank desc, indicator_code
),
course_leads as (
    -- 课程负责人: the teacher with the most 学时 of the course in the semester (ties: smallest 工号)
    select distinct on (course_code, semester_code) course_code, semester_code, teacher_id
    from (
        select course_code, semester_code, teacher_id, sum(workload_hours) as hours
        from {{ ref('fct_teaching_task') }}
        where teacher_id is not null
        group by all
    )
    order by course_code, semester_code, hours desc, teacher_id
),
major_leads as (
    select major_code, min(staff_id) as staff_id
    from {{ ref('dim_teacher') }}
    where is_major_leader
    group by major_code
),
placed as (
    select c.*, f.responsible_dept, f.responsible_dept_name,
        case c.level
            when '学生' then c.counselor_id
            when '课程' then cl.teacher_id
            when '专业' then ml.staff_id
        end as responsible_person_id,
        case c.level when '学生' then '辅导员' when '课程' then '课程负责人' when '专业' then '专业带头人' end
            as responsible_person_role
    from cases as c
    join first_reason as f using (level, entity_id, cycle)
    left join course_leads as cl on c.level = '课程' and cl.course_code = c.entity_id and cl.semester_code = c.cycle
    left join major_leads as ml on c.level = '专业' and ml.major_code = c.entity_id
)
select
    p.level || '|' || p.entity_id || '|' || p.cycle as case_id,
    p.level, p.entity_id, p.entity_name, p.cycle, p.academic_year,
    t.tier as worst_tier, p.tier_rank, t.name_zh as tier_name, t.colour as tier_colour,
    p.reasons_zh, p.indicator_codes, p.n_reasons,
    p.responsible_dept as responsible_dept_code, p.responsible_dept_name,
    p.responsible_person_id, st.staff_name as responsible_person_name,
    case when p.responsible_person_id is not null then p.responsible_person_role end as responsible_person_role,
    p.college_code, coalesce(col.college_name, p.college_code) as college_name,
    2 * (tr.max_rank - p.tier_rank) + case when p.n_reasons > 1 then 1 else 2 end as priority
from placed as p
join tiers as t on t.severity_rank = p.tier_rank
cross join top_rank as tr
left join {{ ref('dim_staff') }} as st on st.staff_id = p.responsible_person_id
left join {{ ref('dim_college') }} as col on col.college_code = p.college_code
