-- 学年 (09-01 … 08-31). 财务 and 状态数据平台 A5 report by calendar year: the year the 学年 starts in.
with years as (select start_year from {{ ref('int_academic_years') }}),
latest as (select max(academic_year) as academic_year from {{ ref('stg_jiaowu__semester') }})
select
    y.start_year || '-' || (y.start_year + 1) as academic_year,
    y.start_year || '-' || (y.start_year + 1) || '学年' as academic_year_name,
    y.start_year,
    y.start_year + 1 as end_year,
    make_date(y.start_year, 9, 1) as start_date,
    make_date(y.start_year + 1, 8, 31) as end_date,
    y.start_year as fiscal_year,
    y.start_year + 1 as graduation_year,
    (y.start_year || '-' || (y.start_year + 1)) = l.academic_year as is_current
from years as y
cross join latest as l
