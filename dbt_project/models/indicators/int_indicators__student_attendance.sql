-- 学生层面考勤指标：到课率、旷课学时（迟到早退的折算取 seeds/student_warning_rules.csv）、迟到早退次数。
with late_rule as (
    select coalesce(max(late_count_per_hour), 0) as late_count_per_hour
    from {{ ref('student_warning_rules') }} where metric = 'truant_hours'
),
attendance_sem as (
    select student_id, semester_code, academic_year,
           sum(attended_sessions) as attended, sum(sessions) as sessions, sum(truant_hours) as truant_hours,
           sum(late_count + early_leave_count) as late_early,
           concat_ws(';', {{ batch_ids('session_batch_id') }}, {{ batch_ids('record_batch_id') }}) as batch_ids
    from {{ ref('fct_attendance') }}
    group by all
),
unioned as (
    select a.student_id, a.semester_code, a.academic_year, m.code as indicator_code, m.n::double as numerator,
           m.d::double as denominator, a.batch_ids as source_batch_ids
    from attendance_sem as a
    cross join late_rule as lr, unnest([
        {'code': 'STU_ATTENDANCE_RATE', 'n': a.attended, 'd': coalesce(a.sessions, 0)},
        {'code': 'STU_TRUANT_HOURS',
         'n': a.truant_hours + case when lr.late_count_per_hour > 0 then floor(a.late_early / lr.late_count_per_hour)
                                    else 0 end,
         'd': null},
        {'code': 'STU_LATE_EARLY_COUNT', 'n': a.late_early, 'd': null}
    ]) as t(m)
)
{{ student_indicator_rows() }}
