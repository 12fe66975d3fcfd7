-- 配置检查：目标链的引用都成立
--   规划事项的指标代码（可空：定性事项）在指标目录中；工作组在 org_working_groups 中
--   规划目标引用已知事项，每个事项每学年一条，数值目标与文字目标至少有一个
--   部门年度目标引用已知指标、已知事项（可空），且与所承接事项的指标一致；同一部门同一学年同一指标只有一条
select 'plan_items' as seed, i.item_id as row_key, '未知指标或工作组' as problem_zh
from {{ ref('plan_items') }} as i
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
left join {{ ref('org_working_groups') }} as g on g.group_code = i.working_group
where (i.indicator_code is not null and c.indicator_code is null) or g.group_code is null
union all
select 'plan_targets', t.item_id || ' ' || t.academic_year, '未知事项或目标为空'
from {{ ref('plan_targets') }} as t
left join {{ ref('plan_items') }} as i using (item_id)
where i.item_id is null or (t.target_value is null and t.target_text_zh is null)
union all
select 'plan_targets', item_id || ' ' || academic_year, '同一事项同一学年重复'
from {{ ref('plan_targets') }} group by item_id, academic_year having count(*) > 1
union all
select 'dept_annual_targets', d.dept_code || ' ' || d.academic_year || ' ' || d.indicator_code, '未知指标、未知事项或与事项指标不一致'
from {{ ref('dept_annual_targets') }} as d
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
left join {{ ref('plan_items') }} as i on i.item_id = d.plan_item_id
where c.indicator_code is null or d.target_value is null
   or (d.plan_item_id is not null and (i.item_id is null or i.indicator_code is distinct from d.indicator_code))
union all
select 'dept_annual_targets', dept_code || ' ' || academic_year || ' ' || indicator_code, '重复'
from {{ ref('dept_annual_targets') }} group by dept_code, academic_year, indicator_code having count(*) > 1
union all
select 'plan_items', indicator_code, '同一指标被多个规划事项设定数值目标（学校目标须唯一）'
from {{ ref('plan_items') }} where indicator_code is not null group by indicator_code having count(*) > 1
