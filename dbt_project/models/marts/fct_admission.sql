select
    a.admission_year,
    a.admission_year || '-' || (a.admission_year + 1) as academic_year,
    a.major_code,
    a.plan_count,
    a.admitted_count,
    a.first_choice_count,
    a.enrolled_count,
    a._batch_id,
    a._source_row
from {{ ref('stg_xuegong__admission') }} as a
