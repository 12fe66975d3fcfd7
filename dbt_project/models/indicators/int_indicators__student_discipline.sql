-- 学生层面违纪次数：每个在学学期一行，无违纪记为 0。
with semester_of as (
    select semester_code, academic_year, start_date from {{ ref('dim_semester') }}
),
grid as (
    select student_id, semester_code, academic_year from {{ ref('int_indicators__student_semesters') }}
),
discipline as (
    -- an incident counts in the semester that had started by its date (a holiday incident → the semester before)
    select d.student_id, s.semester_code, count(*) as incidents, {{ batch_ids('d._batch_id') }} as batch_ids
    from {{ ref('stg_xuegong__discipline') }} as d
    asof join semester_of as s on d.incident_date >= s.start_date
    group by all
),
unioned as (
    select g.student_id, g.semester_code, g.academic_year, 'STU_DISCIPLINE_COUNT' as indicator_code,
           coalesce(d.incidents, 0)::double as numerator, null::double as denominator, d.batch_ids as source_batch_ids
    from grid as g
    left join discipline as d using (student_id, semester_code)
)
{{ student_indicator_rows() }}
