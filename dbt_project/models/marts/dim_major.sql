with tiers as (
    select * from (values
        ('省品牌', 1, '省级'), ('省特色', 2, '省级'), ('市品牌', 3, '市级'), ('市特色', 4, '市级'),
        ('校品牌', 5, '校级'), ('校特色', 6, '校级'), ('校潜力', 7, '校级'), ('校一般', 8, '校级')
    ) as t(major_tier, tier_rank, tier_level)
)
select
    m.major_code,
    m.major_name,
    m.college_code,
    c.college_name,
    m.major_tier,
    t.tier_rank as major_tier_rank,
    t.tier_level as major_tier_level,
    m.duration_years,
    m.established_year,
    m._batch_id
from {{ ref('stg_jiaowu__major') }} as m
left join {{ ref('stg_jiaowu__college') }} as c using (college_code)
left join tiers as t using (major_tier)
