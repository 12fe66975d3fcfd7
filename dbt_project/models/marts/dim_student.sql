-- 学生 (学工 学籍). 学籍状态 as of the export date; in school (在校) by seeds/code_student_status.csv.
-- 身份证号 only masked; 手机号 not carried (only whether one is on file).
select
    s.student_id,
    s.student_name,
    s.id_card_masked,
    s.gender,
    s.birth_date,
    s.ethnic_group,
    s.origin,
    s.admission_type,
    s.entry_year,
    s.entry_year as cohort,
    s.entry_year + coalesce(m.duration_years, 3) as expected_graduation_year,
    s.major_code,
    m.college_code,
    s.class_code,
    s.status,
    st.status_code,
    coalesce(st.in_school, false) as is_in_school,
    s.phone is not null as has_phone,
    s._batch_id,
    s._source_row
from {{ ref('stg_xuegong__student') }} as s
left join {{ ref('stg_jiaowu__major') }} as m using (major_code)
left join {{ ref('code_student_status') }} as st on st.status_name = s.status
