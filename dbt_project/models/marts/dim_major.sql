select
    m.major_code,
    m.major_name,
    m.college_code,
    c.college_name,
    m.major_tier,
    m.duration_years,
    m.established_year,
    m._batch_id
from {{ ref('stg_jiaowu__major') }} as m
left join {{ ref('stg_jiaowu__college') }} as c using (college_code)
