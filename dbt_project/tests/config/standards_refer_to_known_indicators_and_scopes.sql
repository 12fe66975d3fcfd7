-- 配置检查：标准链中的每条标准引用已知指标，且范围类型/范围值属于该指标所在层面（standard_scopes）
select s.*
from {{ ref('indicator_standards') }} as s
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
left join {{ ref('standard_scopes') }} as sc
    on sc.scope_type = s.scope_type and sc.scope_value = s.scope_value and sc.level = c.level
where c.indicator_code is null or sc.scope_value is null
