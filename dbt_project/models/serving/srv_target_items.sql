-- 目标明细（看板用）：fct_target_achievement_items 加目标值/实际值的显示文本（规则只在 macros/judge_format.sql）。
select
    t.*,
    case when t.target_value is null then coalesce(t.target_text_zh, '—')
         else {{ judge_format('t.target_value', 't.unit', 'c.decimals') }} end as target_display,
    {{ judge_format('t.actual_value', 't.unit', 'c.decimals') }} as actual_display
from {{ ref('fct_target_achievement_items') }} as t
left join {{ ref('indicator_catalogue') }} as c using (indicator_code)
