-- 培训学时 per staff member × 学年: every member of the roster hired by the end of the 学年, with 0 when they had
-- no training (the 12 % who train almost never must show up as 0, not be missing). Hours by 培训类型.
with tr as (
    select staff_id, academic_year,
           sum(hours) as training_hours,
           count(*) as trainings,
           coalesce(sum(hours) filter (where training_type = '国家级培训'), 0) as national_hours,
           coalesce(sum(hours) filter (where training_type = '省级培训'), 0) as provincial_hours,
           coalesce(sum(hours) filter (where training_type = '校本培训'), 0) as school_hours,
           coalesce(sum(hours) filter (where training_type = '企业实践'), 0) as enterprise_hours,
           coalesce(sum(hours) filter (where training_type = '线上研修'), 0) as online_hours,
           string_agg(distinct _batch_id, ';') as _batch_id
    from {{ ref('stg_renshi__training') }}
    group by staff_id, academic_year
),
grid as (
    select s.staff_id, y.academic_year, s._batch_id as staff_batch_id
    from {{ ref('dim_staff') }} as s
    join {{ ref('dim_academic_year') }} as y
        on s.hire_date is null or s.hire_date <= y.end_date
    where y.academic_year in (select academic_year from tr)
    union
    select staff_id, academic_year, null from tr
    where staff_id not in (select staff_id from {{ ref('dim_staff') }})
)
select
    g.staff_id,
    g.academic_year,
    s.post_type,
    s.dept_code,
    s.major_code,
    coalesce(tr.training_hours, 0) as training_hours,
    coalesce(tr.trainings, 0) as trainings,
    coalesce(tr.national_hours, 0) as national_hours,
    coalesce(tr.provincial_hours, 0) as provincial_hours,
    coalesce(tr.school_hours, 0) as school_hours,
    coalesce(tr.enterprise_hours, 0) as enterprise_hours,
    coalesce(tr.online_hours, 0) as online_hours,
    tr._batch_id,
    g.staff_batch_id
from grid as g
left join tr using (staff_id, academic_year)
left join {{ ref('dim_staff') }} as s using (staff_id)
