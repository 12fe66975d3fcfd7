{{ config(materialized='incremental', incremental_strategy='replace_changed', on_schema_change='sync_all_columns') }}
-- 指标长表：五个层面的全部指标，一行 = 层面 × 对象 × 周期 × 指标。值为空 = 数据缺失（不是 0）。
-- 每次全部计算，只写入变化了的行（macros/row_sync.sql），表的内容与全部重建相同。
{% for level in ['school', 'major', 'course', 'teacher', 'student'] %}
select {{ indicator_columns() }} from {{ ref('int_indicators__' ~ level) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
