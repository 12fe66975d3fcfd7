-- 在籍 per student × 学年, for the 学年s the platform covers (dim_academic_year up to the current one).
-- 学工 keeps only today's 学籍状态: a student is 在读 in every programme year up to today, except that one who
-- has since left (退学/休学) is 在读 only in the years with a regular exam in 教务 (int_student_years_attended);
-- after leaving, a 休学 student stays 在籍 as 休学 and a 退学 student has no row. 在校 by code_student_status.
with years as (
    select academic_year, start_year from {{ ref('dim_academic_year') }}
    where start_year <= (select max(start_year) from {{ ref('dim_academic_year') }} where is_current)
),
candidate as (
    select
        s.student_id, s.major_code, s.class_code, s.college_code, s.entry_year, s.status as current_status,
        y.academic_year, y.start_year - s.entry_year + 1 as programme_year,
        a.student_id is not null as attended,
        s._batch_id, s._source_row
    from {{ ref('dim_student') }} as s
    join {{ ref('dim_major') }} as m using (major_code)
    join years as y on y.start_year between s.entry_year and s.entry_year + m.duration_years - 1
    left join {{ ref('int_student_years_attended') }} as a
        on a.student_id = s.student_id and a.academic_year = y.academic_year
),
with_status as (
    select *,
        case
            when current_status in ('在读', '毕业') then '在读'
            when attended then '在读'
            when current_status = '休学' then '休学'
        end as year_status
    from candidate
)
select
    w.student_id,
    w.academic_year,
    w.programme_year,
    w.entry_year,
    w.major_code,
    w.college_code,
    w.class_code,
    w.year_status as status,
    st.status_code,
    st.in_school as is_in_school,
    w.current_status,
    w._batch_id,
    w._source_row
from with_status as w
join {{ ref('code_student_status') }} as st on st.status_name = w.year_status
where w.year_status is not null
