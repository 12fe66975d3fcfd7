-- A graduate of year Y closes the 学年 (Y-1)-Y.
select
    e.student_id,
    e.graduation_year,
    (e.graduation_year - 1) || '-' || e.graduation_year as academic_year,
    e.major_code,
    m.college_code,
    e.destination,
    e.destination in ('就业', '升学') as is_placed,
    e.destination = '就业' as is_employed,
    e.destination = '升学' as is_further_study,
    coalesce(e.is_related, false) and e.destination = '就业' as is_related_employed,
    case when e.destination = '就业' then e.starting_salary end as starting_salary,
    e.employer,
    e.employer_city,
    e._batch_id,
    e._source_row
from {{ ref('stg_xuegong__employment') }} as e
left join {{ ref('stg_jiaowu__major') }} as m using (major_code)
