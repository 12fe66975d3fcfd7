-- 配置检查：各条线的顺序与指标方向一致（相等允许，表示合并该区间），见 docs/rules.md 的边界规则
--   越高越好：标准值 ≥ 黄线 ≥ 橙线 ≥ 红线；越低越好：标准值 ≤ 黄线 ≤ 橙线 ≤ 红线
-- 国家基本办学条件：越高越好 合格值 ≥ 限制招生值；越低越好 合格值 ≤ 限制招生值；方向须与指标目录一致
select 'indicator_standards' as seed, s.indicator_code, s.scope_value as scope, c.direction
from {{ ref('indicator_standards') }} as s
join {{ ref('indicator_catalogue') }} as c using (indicator_code)
where s.standard_value is null or s.yellow_line is null or s.orange_line is null or s.red_line is null
   or (c.direction = 'higher' and not (s.standard_value >= s.yellow_line and s.yellow_line >= s.orange_line
                                       and s.orange_line >= s.red_line))
   or (c.direction = 'lower' and not (s.standard_value <= s.yellow_line and s.yellow_line <= s.orange_line
                                      and s.orange_line <= s.red_line))
   or c.direction not in ('higher', 'lower')
union all
select 'national_baselines', b.indicator_code, b.school_type, b.direction
from {{ ref('national_baselines') }} as b
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
where c.indicator_code is null
   or b.direction <> c.direction
   or c.level <> '学校'
   or (b.restricted_value is not null and c.direction = 'higher' and b.restricted_value > b.qualified_value)
   or (b.restricted_value is not null and c.direction = 'lower' and b.restricted_value < b.qualified_value)
