-- 配置检查：教师职级规则中的每个职级都是 standard_scopes 中的教师职级（否则该职级的教师找不到标准）
select r.teacher_rank
from {{ ref('teacher_rank_rules') }} as r
left join {{ ref('standard_scopes') }} as s on s.scope_type = 'teacher_rank' and s.scope_value = r.teacher_rank
where s.scope_value is null
