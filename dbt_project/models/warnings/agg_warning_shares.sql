{{ config(schema='warnings', materialized='table') }}
-- 预警面（每层面每学年）：有指标值的对象数，其中有预警事项（黄/橙/红）、有橙/红、有红的对象数与占比。
-- 预警是例外：docs/calibration.md 记录演示学院最近学年的这些占比及其上限（tests/dbt/test_warning_shares.py）。
with entities as (
    select level, academic_year, count(distinct entity_id) as n_entities
    from {{ ref('fct_indicator_values') }}
    group by all
),
warned as (
    select level, academic_year,
           count(distinct entity_id) as n_warned,
           count(distinct entity_id) filter (where tier_rank >= o.severity_rank) as n_orange_red,
           count(distinct entity_id) filter (where tier_rank >= r.severity_rank) as n_red,
           count(*) as n_cases
    from {{ ref('fct_warning_cases') }}
    cross join (select severity_rank from {{ ref('warning_tiers') }} where tier = '橙') as o
    cross join (select severity_rank from {{ ref('warning_tiers') }} where tier = '红') as r
    group by all
)
select
    e.level, e.academic_year, e.n_entities,
    coalesce(w.n_cases, 0) as n_cases,
    coalesce(w.n_warned, 0) as n_warned,
    coalesce(w.n_orange_red, 0) as n_orange_red,
    coalesce(w.n_red, 0) as n_red,
    coalesce(w.n_warned, 0)::double / e.n_entities as warned_share,
    coalesce(w.n_orange_red, 0)::double / e.n_entities as orange_red_share,
    coalesce(w.n_red, 0)::double / e.n_entities as red_share
from entities as e
left join warned as w using (level, academic_year)
