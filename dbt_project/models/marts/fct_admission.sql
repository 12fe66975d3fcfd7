-- 招生 per major × year (学工). The 学年 is the one starting in the autumn of the admission year.
select
    a.admission_year,
    a.admission_year || '-' || (a.admission_year + 1) as academic_year,
    a.major_code,
    m.college_code,
    a.plan_count,
    a.admitted_count,
    a.first_choice_count,
    a.enrolled_count,
    a._batch_id,
    a._source_row
from {{ ref('stg_xuegong__admission') }} as a
left join {{ ref('stg_jiaowu__major') }} as m using (major_code)
