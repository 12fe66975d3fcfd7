-- 学生层面成绩指标：累计不及格门数/学分、学分完成率（截至本学期的累计）、正考通过率、平均成绩。
with score_sem as (
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
grid as (
    select student_id, semester_code, academic_year from {{ ref('int_indicators__student_semesters') }}
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
)
{{ student_indicator_rows() }}
