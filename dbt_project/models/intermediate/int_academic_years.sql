-- Every 学年 any source speaks of (教务 semesters, 状态数据平台 workbooks, 招生 years, 毕业 years, 培训),
-- as a gap-free range of start years.
with named as (
    select academic_year from {{ ref('stg_jiaowu__semester') }}
    union select academic_year from {{ ref('stg_zhuangtai__a1_school') }}
    union select academic_year from {{ ref('stg_renshi__training') }}
    union select admission_year || '-' || (admission_year + 1) from {{ ref('stg_xuegong__admission') }}
    union select (graduation_year - 1) || '-' || graduation_year from {{ ref('stg_xuegong__employment') }}
),
bounds as (
    select min(cast(left(academic_year, 4) as integer)) as first_year, max(cast(left(academic_year, 4) as integer)) as last_year
    from named
    where regexp_full_match(academic_year, '[0-9]{4}-[0-9]{4}')
)
select cast(y.start_year as integer) as start_year
from bounds, range(bounds.first_year, bounds.last_year + 1) as y(start_year)
