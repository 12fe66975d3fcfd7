-- 配置检查：标准引用的指标必须在指标目录中；预警线方向一致（越高越好：标准 ≥ 黄线 ≥ 橙线）
select s.*
from {{ ref('indicator_standards') }} as s
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
where c.indicator_code is null
   or (c.direction = 'higher' and not (s.standard_value >= s.yellow_line and s.yellow_line >= s.orange_line))
   or (c.direction = 'lower' and not (s.standard_value <= s.yellow_line and s.yellow_line <= s.orange_line))
