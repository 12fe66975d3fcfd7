-- 课程层面指标，每门课程每学期（公式：seeds/indicator_catalogue.csv），按课程级别（国家级…一般）对照标准。
-- 所属二级学院 = 开课单位（dim_course.dept_code）。调停课率、教学资源数暂无来源系统，不产生数据行。
with scores as (
    -- 正考 records: 参考人数 is every 正考 record (a missed exam counts, with 0 points)
    select semester_code, academic_year, course_code, unnest([
        {'code': 'CRS_PASS_RATE', 'n': count(*) filter (where is_passed_first_attempt), 'd': count(*)},
        {'code': 'CRS_EXCELLENT_RATE', 'n': count(*) filter (where total_score >= 90), 'd': count(*)},
        {'code': 'CRS_AVG_SCORE', 'n': sum(coalesce(total_score, 0)), 'd': count(*)},
        {'code': 'CRS_MAKEUP_RATE', 'n': count(*) filter (where took_makeup), 'd': count(*)},
        {'code': 'CRS_ABSENT_EXAM_RATE', 'n': count(*) filter (where is_absent_from_exam), 'd': count(*)},
        {'code': 'CRS_FINAL_FAIL_RATE', 'n': count(*) filter (where is_failed_after_resits), 'd': count(*)}
    ]) as m, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_score') }}
    where exam_type = '正考'
    group by all
),
attendance as (
    select semester_code, academic_year, course_code, unnest([
        {'code': 'CRS_ATTENDANCE_RATE', 'n': sum(attended_sessions), 'd': sum(sessions)},
        {'code': 'CRS_TRUANCY_RATE', 'n': sum(truant_sessions), 'd': sum(sessions)}
    ]) as m, concat_ws(';', {{ batch_ids('session_batch_id') }}, {{ batch_ids('record_batch_id') }}) as batch_ids
    from {{ ref('fct_attendance') }}
    group by all
),
evaluation as (
    -- the mean of the course's evaluation scores (学生评教: one per 教学任务; 督导: one per 听课)
    select semester_code, academic_year, course_code,
           case eval_source when '学生评教' then 'CRS_STUDENT_EVAL_SCORE' else 'CRS_SUPERVISOR_SCORE' end as code,
           sum(score) as n, count(score) as d, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_teaching_evaluation') }}
    where course_code is not null and semester_code is not null
    group by all
),
unioned as (
    select semester_code, academic_year, course_code, m.code as indicator_code, m.n::double as numerator,
           m.d::double as denominator, batch_ids as source_batch_ids
    from scores
    union all
    select semester_code, academic_year, course_code, m.code, m.n::double, m.d::double, batch_ids from attendance
    union all
    select semester_code, academic_year, course_code, code, n::double, d::double, batch_ids from evaluation
)
{{ indicator_rows('课程', 'course',
    entity_id="u.course_code",
    entity_name="c.course_name",
    college_code="c.dept_code",
    scope_type='course_tier',
    scope_value="c.course_level",
    period="u.semester_code",
    counts_allowed=false) }}
join {{ ref('dim_course') }} as c using (course_code)
