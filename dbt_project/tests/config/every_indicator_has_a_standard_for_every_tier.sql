-- 配置检查：专业层面的每个指标对每个专业层次都要有标准（缺一个，该层次的专业就无法判定）
with tiers as (select distinct major_tier from {{ ref('dim_major') }})
select c.indicator_code, t.major_tier
from {{ ref('indicator_catalogue') }} as c
cross join tiers as t
left join {{ ref('indicator_standards') }} as s
    on s.indicator_code = c.indicator_code and s.scope_type = 'major_tier' and s.scope_value = t.major_tier
where c.level = '专业' and s.indicator_code is null
