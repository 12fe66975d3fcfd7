with students as (
    select class_code, count(*) as students_registered,
           count(*) filter (where st.in_school) as students_in_school
    from {{ ref('stg_xuegong__student') }} as s
    left join {{ ref('code_student_status') }} as st on st.status_name = s.status
    group by class_code
)
select
    c.class_code,
    c.class_name,
    c.major_code,
    m.college_code,
    c.entry_year,
    c.entry_year + coalesce(m.duration_years, 3) as graduation_year,
    c.counselor_id,
    c.head_teacher_id,
    coalesce(s.students_registered, 0) as students_registered,
    coalesce(s.students_in_school, 0) as students_in_school,
    c._batch_id,
    c._source_row
from {{ ref('stg_jiaowu__class') }} as c
left join {{ ref('stg_jiaowu__major') }} as m using (major_code)
left join students as s using (class_code)
