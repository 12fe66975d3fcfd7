-- 专业层面指标 (indicator codes and formulas: seeds/indicator_catalogue.csv). value NULL = 数据缺失.
with adm as (
    select academic_year, major_code,
           'MAJ_REGISTER_RATE' as indicator_code,
           sum(enrolled_count)::double as numerator, sum(admitted_count)::double as denominator,
           string_agg(distinct _batch_id, ';') as source_batch_ids
    from {{ ref('fct_admission') }}
    group by all
),
emp as (
    select academic_year, major_code, 'MAJ_EMPLOY_RATE' as indicator_code,
           count(*) filter (where is_placed)::double as numerator, count(*)::double as denominator,
           string_agg(distinct _batch_id, ';') as source_batch_ids
    from {{ ref('fct_employment') }}
    group by all
    union all
    select academic_year, major_code, 'MAJ_RELATED_EMPLOY_RATE',
           count(*) filter (where is_related_employed)::double, count(*) filter (where is_employed)::double,
           string_agg(distinct _batch_id, ';')
    from {{ ref('fct_employment') }}
    group by all
),
-- the roster is a snapshot: it describes the current 学年 (the latest one with admissions)
current_year as (select max(academic_year) as academic_year from {{ ref('fct_admission') }}),
dual as (
    select y.academic_year, m.major_code, 'MAJ_DUAL_TEACHER_RATIO' as indicator_code,
           count(t.staff_id) filter (where t.is_dual_qualified)::double as numerator,
           count(t.staff_id)::double as denominator,
           string_agg(distinct t._batch_id, ';') as source_batch_ids
    from {{ ref('dim_major') }} as m
    cross join current_year as y
    left join {{ ref('dim_teacher') }} as t on t.major_code = m.major_code
    group by all
),
unioned as (
    select * from adm union all select * from emp union all select * from dual
)
select
    '专业' as level,
    'major' as entity_type,
    u.major_code as entity_id,
    m.major_name as entity_name,
    m.college_code,
    'major_tier' as scope_type,
    m.major_tier as scope_value,
    u.academic_year as period,
    u.academic_year,
    u.indicator_code,
    case when u.denominator > 0 then u.numerator / u.denominator end as value,
    u.numerator,
    u.denominator,
    u.source_batch_ids
from unioned as u
join {{ ref('dim_major') }} as m using (major_code)
