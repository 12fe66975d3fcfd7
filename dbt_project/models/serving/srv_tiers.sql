-- 等级词表（看板与报告用）：名称、序号、颜色、是否预警/达标，以及按严重程度排序的图例标签
-- （“2 黄色预警”：图例按名称排序时即按等级排序）。唯一来源：seeds/warning_tiers.csv。
select
    tier, name_zh, severity_rank, colour, is_warning, is_met, description_zh,
    severity_rank || ' ' || name_zh as legend_label
from {{ ref('warning_tiers') }}
