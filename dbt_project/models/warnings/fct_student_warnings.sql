{{ config(schema='warnings', materialized='table') }}
-- 学生预警：学业预警（补考、重修后仍未通过的课程门数 / 学分，截至每个学期累计）与考勤预警（每学期旷课学时，
-- 迟到、早退按规则折算学时）。阈值、等级、责任部门全部来自 seeds/student_warning_rules.csv（“达到阈值即触发”，
-- 即 值 >= threshold）；同一学生同一学期同一类预警只保留最高等级一行，并列出背后的课程。
with dept_map as ({{ judge_dept_map() }}),
rules as (select * from {{ ref('student_warning_rules') }}),
late_rule as (
    select coalesce(max(late_count_per_hour), 0) as late_count_per_hour
    from rules where metric = 'truant_hours'
),
-- 学生在某学期“在学”：有正考成绩或有考勤
student_semesters as (
    select distinct student_id, semester_code, academic_year from {{ ref('fct_score') }} where exam_type = '正考'
    union
    select distinct student_id, semester_code, academic_year from {{ ref('fct_attendance') }}
),
failed as (
    -- one row per student × course still failed after 补考 and 重修 (as known at build time), on its 正考 semester
    select student_id, course_code, min(semester_code) as semester_code, max(credits) as credits
    from {{ ref('fct_score') }}
    where exam_type = '正考' and is_failed_after_resits
    group by student_id, course_code
),
academic as (
    select
        ss.student_id, ss.semester_code, ss.academic_year,
        count(f.course_code)::double as failed_courses,
        coalesce(sum(f.credits), 0)::double as failed_credits,
        list(f.course_code order by f.semester_code, f.course_code) filter (where f.course_code is not null) as course_codes,
        list(coalesce(c.course_name, f.course_code) || ' ' || {{ judge_number('f.credits') }} || '学分'
             order by f.semester_code, f.course_code) filter (where f.course_code is not null) as course_items
    from student_semesters as ss
    join failed as f on f.student_id = ss.student_id and f.semester_code <= ss.semester_code
    left join {{ ref('dim_course') }} as c on c.course_code = f.course_code
    group by all
),
attendance_courses as (
    select a.student_id, a.semester_code, a.academic_year, a.course_code,
           sum(a.truant_hours)::double as truant_hours,
           sum(a.late_count + a.early_leave_count) as late_early_count
    from {{ ref('fct_attendance') }} as a
    group by all
),
attendance as (
    select
        ac.student_id, ac.semester_code, ac.academic_year,
        sum(ac.truant_hours) as truant_hours_recorded,
        sum(ac.late_early_count) as late_early_count,
        case when lr.late_count_per_hour > 0 then floor(sum(ac.late_early_count) / lr.late_count_per_hour) else 0 end
            as late_equivalent_hours,
        list(ac.course_code order by ac.truant_hours desc, ac.course_code) filter (where ac.truant_hours > 0) as course_codes,
        list(coalesce(c.course_name, ac.course_code) || ' ' || {{ judge_number('ac.truant_hours') }} || '学时'
             order by ac.truant_hours desc, ac.course_code) filter (where ac.truant_hours > 0) as course_items
    from attendance_courses as ac
    cross join late_rule as lr
    left join {{ ref('dim_course') }} as c on c.course_code = ac.course_code
    group by ac.student_id, ac.semester_code, ac.academic_year, lr.late_count_per_hour
),
metrics as (
    select student_id, semester_code, academic_year, '学业预警' as warning_type,
           failed_courses, failed_credits, null::double as truant_hours, null::double as truant_hours_recorded,
           null::bigint as late_early_count, course_codes, course_items
    from academic
    union all
    select student_id, semester_code, academic_year, '考勤预警',
           null, null, truant_hours_recorded + late_equivalent_hours, truant_hours_recorded,
           late_early_count, course_codes, course_items
    from attendance
),
fired as (
    select m.*, r.rule_id, r.tier, r.warning_name_zh, r.responsible_dept as rule_responsible,
           r.assisting_depts as rule_assisting, r.action_zh, w.severity_rank
    from metrics as m
    join rules as r
        on r.warning_type = m.warning_type
       and case r.metric when 'failed_courses' then m.failed_courses
                         when 'failed_credits' then m.failed_credits
                         when 'truant_hours' then m.truant_hours end >= r.threshold
    join {{ ref('warning_tiers') }} as w on w.tier = r.tier
),
top_rank as (
    select student_id, semester_code, warning_type, max(severity_rank) as severity_rank
    from fired group by all
),
top_rules as (
    -- every rule that fired at the most severe tier is listed
    select f.student_id, f.semester_code, f.warning_type,
           string_agg(f.rule_id, ';' order by f.rule_id) as rule_ids, min(f.rule_id) as first_rule_id
    from fired as f
    join top_rank using (student_id, semester_code, warning_type, severity_rank)
    group by all
),
-- (plain joins, not window functions: DuckDB 1.4.4 crashed on this window over list columns with 2 threads)
top as (
    select f.*, r.rule_ids
    from fired as f
    join top_rules as r
      on r.student_id = f.student_id and r.semester_code = f.semester_code
     and r.warning_type = f.warning_type and r.first_rule_id = f.rule_id
),
placed as (
    select t.*, s.student_name, s.class_code, s.major_code, s.college_code,
           k.class_name, k.counselor_id, k.head_teacher_id,
           -- '@college' in the rules = the student's own 二级学院
           case when t.rule_responsible = '@college' then s.college_code else t.rule_responsible end as responsible_dept,
           list_transform(string_split(coalesce(t.rule_assisting, ''), ';'),
                          k -> case when k = '@college' then s.college_code else k end) as assisting_raw
    from top as t
    left join {{ ref('dim_student') }} as s on s.student_id = t.student_id
    left join {{ ref('dim_class') }} as k on k.class_code = s.class_code
)
select
    p.student_id, p.student_name, p.class_code, p.class_name, p.major_code, p.college_code,
    p.counselor_id, p.head_teacher_id,
    p.semester_code, p.academic_year, p.warning_type,
    p.tier, w.name_zh as tier_name, p.severity_rank, p.warning_name_zh, p.rule_ids,
    p.failed_courses::integer as failed_courses, p.failed_credits,
    p.truant_hours, p.truant_hours_recorded, p.late_early_count,
    array_to_string(p.course_codes, ';') as course_codes,
    array_to_string(p.course_items, '、') as courses_zh,
    p.responsible_dept,
    coalesce(dm.dept_map[p.responsible_dept], p.responsible_dept) as responsible_dept_name,
    array_to_string(list_filter(p.assisting_raw, k -> k is not null and k <> '' and k <> p.responsible_dept), ';')
        as assisting_depts,
    {{ judge_dept_names("list_filter(p.assisting_raw, k -> k is not null and k <> '' and k <> p.responsible_dept)",
                        'dm.dept_map') }} as assisting_dept_names,
    p.action_zh,
    coalesce(p.student_name, '学号' || p.student_id) || '同学（' || p.student_id
    || coalesce('，' || p.class_name, '') || '）'
    || case when p.warning_type = '学业预警' then
            '截至' || {{ judge_period_label('p.semester_code') }} || '补考、重修后仍有 '
            || {{ judge_number('p.failed_courses') }} || ' 门课程未通过，共 ' || printf('%.1f', p.failed_credits)
            || ' 学分：' || array_to_string(p.course_items, '、')
       else
            {{ judge_period_label('p.semester_code') }} || '旷课 ' || {{ judge_number('p.truant_hours') }} || ' 学时'
            || case when p.late_early_count > 0 and p.truant_hours > p.truant_hours_recorded then
                    '（含迟到早退 ' || p.late_early_count || ' 次折 '
                    || {{ judge_number('p.truant_hours - p.truant_hours_recorded') }} || ' 学时）' else '' end
            || coalesce('：' || nullif(array_to_string(p.course_items, '、'), ''), '')
       end
    || '（' || w.name_zh || '·' || p.warning_name_zh || '）' as reason_zh
from placed as p
join {{ ref('warning_tiers') }} as w on w.tier = p.tier
cross join dept_map as dm
