-- 学生层面心理测评风险等级：有测评的在学学期。
with semester_of as (
    select semester_code, academic_year, start_date from {{ ref('dim_semester') }}
),
grid as (
    select student_id, semester_code, academic_year from {{ ref('int_indicators__student_semesters') }}
),
psych as (
    select p.student_id, s.semester_code, max(l.risk_level) as risk_level, {{ batch_ids('p._batch_id') }} as batch_ids
    from {{ ref('stg_xuegong__psych') }} as p
    join {{ ref('code_psych_levels') }} as l on l.level_name = p.level
    asof join semester_of as s on p.test_date >= s.start_date
    group by all
),
unioned as (
    select g.student_id, g.semester_code, g.academic_year, 'STU_PSYCH_RISK_LEVEL' as indicator_code,
           p.risk_level::double as numerator, null::double as denominator, p.batch_ids as source_batch_ids
    from grid as g
    join psych as p using (student_id, semester_code)
)
{{ student_indicator_rows() }}
