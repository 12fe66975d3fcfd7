{{ config(materialized='view') }}
-- 学生层面指标，每名学生每个在学学期（有正考成绩或考勤记录的学期），对照“学校合格学生标准”。
-- 不及格门数/学分与学分完成率是截至本学期的累计；旷课学时的迟到早退折算取 seeds/student_warning_rules.csv。
-- 体质测试、第二课堂学分暂无来源系统，不产生数据行。
with late_rule as (
    select coalesce(max(late_count_per_hour), 0) as late_count_per_hour
    from {{ ref('student_warning_rules') }} where metric = 'truant_hours'
),
score_sem as (
    select student_id, semester_code, academic_year,
           count(*) as exams,
           count(*) filter (where is_passed_first_attempt) as passed_first,
           count(*) filter (where is_failed_after_resits) as failed_courses,
           coalesce(sum(credits) filter (where is_failed_after_resits), 0) as failed_credits,
           coalesce(sum(credits), 0) as attempted_credits,
           coalesce(sum(credits) filter (where is_course_finally_passed), 0) as earned_credits,
           sum(final_score * credits) filter (where final_score is not null) as weighted_score,
           sum(credits) filter (where final_score is not null) as scored_credits,
           {{ batch_ids() }} as batch_ids
    from {{ ref('fct_score') }}
    where exam_type = '正考'
    group by all
),
attendance_sem as (
    select student_id, semester_code, academic_year,
           sum(attended_sessions) as attended, sum(sessions) as sessions, sum(truant_hours) as truant_hours,
           sum(late_count + early_leave_count) as late_early,
           concat_ws(';', {{ batch_ids('session_batch_id') }}, {{ batch_ids('record_batch_id') }}) as batch_ids
    from {{ ref('fct_attendance') }}
    group by all
),
grid as (
    select student_id, semester_code, academic_year from score_sem
    union
    select student_id, semester_code, academic_year from attendance_sem
),
cumulative as (
    -- running totals over the student's semesters, in semester order
    select g.student_id, g.semester_code, g.academic_year, s.exams, s.passed_first, s.weighted_score,
           s.scored_credits, s.batch_ids,
           sum(coalesce(s.failed_courses, 0)) over w as failed_courses_cum,
           sum(coalesce(s.failed_credits, 0)) over w as failed_credits_cum,
           sum(coalesce(s.attempted_credits, 0)) over w as attempted_cum,
           sum(coalesce(s.earned_credits, 0)) over w as earned_cum,
           bool_or(s.student_id is not null) over w as has_scores
    from grid as g
    left join score_sem as s using (student_id, semester_code)
    window w as (partition by g.student_id order by g.semester_code rows between unbounded preceding and current row)
),
semester_of as (
    select semester_code, academic_year, start_date from {{ ref('dim_semester') }}
),
discipline as (
    -- an incident counts in the semester that had started by its date (a holiday incident → the semester before)
    select d.student_id, s.semester_code, count(*) as incidents, {{ batch_ids('d._batch_id') }} as batch_ids
    from {{ ref('stg_xuegong__discipline') }} as d
    asof join semester_of as s on d.incident_date >= s.start_date
    group by all
),
psych as (
    select p.student_id, s.semester_code, max(l.risk_level) as risk_level, {{ batch_ids('p._batch_id') }} as batch_ids
    from {{ ref('stg_xuegong__psych') }} as p
    join {{ ref('code_psych_levels') }} as l on l.level_name = p.level
    asof join semester_of as s on p.test_date >= s.start_date
    group by all
),
unioned as (
    select c.student_id, c.semester_code, c.academic_year, m.code as indicator_code, m.n::double as numerator,
           m.d::double as denominator, c.batch_ids as source_batch_ids
    from cumulative as c, unnest([
        {'code': 'STU_FAILED_COURSES', 'n': c.failed_courses_cum, 'd': null},
        {'code': 'STU_FAILED_CREDITS', 'n': c.failed_credits_cum, 'd': null},
        {'code': 'STU_CREDIT_COMPLETION_RATE', 'n': c.earned_cum, 'd': c.attempted_cum},
        {'code': 'STU_FIRST_PASS_RATE', 'n': c.passed_first, 'd': c.exams},
        {'code': 'STU_AVG_SCORE', 'n': c.weighted_score, 'd': coalesce(c.scored_credits, 0)}
    ]) as t(m)
    where c.has_scores
      -- this semester's own figures only where the student sat exams this semester
      and (m.code in ('STU_FAILED_COURSES', 'STU_FAILED_CREDITS', 'STU_CREDIT_COMPLETION_RATE') or c.exams is not null)
    union all
    select a.student_id, a.semester_code, a.academic_year, m.code, m.n::double, m.d::double, a.batch_ids
    from attendance_sem as a
    cross join late_rule as lr, unnest([
        {'code': 'STU_ATTENDANCE_RATE', 'n': a.attended, 'd': coalesce(a.sessions, 0)},
        {'code': 'STU_TRUANT_HOURS',
         'n': a.truant_hours + case when lr.late_count_per_hour > 0 then floor(a.late_early / lr.late_count_per_hour)
                                    else 0 end,
         'd': null},
        {'code': 'STU_LATE_EARLY_COUNT', 'n': a.late_early, 'd': null}
    ]) as t(m)
    union all
    select g.student_id, g.semester_code, g.academic_year, 'STU_DISCIPLINE_COUNT', coalesce(d.incidents, 0), null,
           d.batch_ids
    from grid as g
    left join discipline as d using (student_id, semester_code)
    union all
    select g.student_id, g.semester_code, g.academic_year, 'STU_PSYCH_RISK_LEVEL', p.risk_level, null, p.batch_ids
    from grid as g
    join psych as p using (student_id, semester_code)
)
{{ indicator_rows('学生', 'student',
    entity_id="u.student_id",
    entity_name="s.student_name",
    college_code="s.college_code",
    scope_type='student',
    scope_value="'全体学生'",
    period="u.semester_code") }}
join {{ ref('dim_student') }} as s using (student_id)
