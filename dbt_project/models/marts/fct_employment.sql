-- A graduate of year Y closes the 学年 (Y-1)-Y.
select
    e.student_id,
    e.graduation_year,
    (e.graduation_year - 1) || '-' || e.graduation_year as academic_year,
    e.major_code,
    e.destination,
    e.destination in ('就业', '升学') as is_placed,
    e.destination = '就业' as is_employed,
    coalesce(e.is_related, false) and e.destination = '就业' as is_related_employed,
    e.starting_salary,
    e._batch_id,
    e._source_row
from {{ ref('stg_xuegong__employment') }} as e
