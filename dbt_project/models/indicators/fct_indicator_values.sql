{{ config(materialized='view') }}
-- 指标长表：五个层面的全部指标，一行 = 层面 × 对象 × 周期 × 指标。值为空 = 数据缺失（不是 0）。
-- 视图，合并各层面的指标表（学生层面按来源分四张）：一个学工文件变化时只重算它那一张，不重写 120 万行。
-- 一层视图直接合并各表：DuckDB 1.4.4 对“视图套视图”的 UNION ALL 少返回了行（docs/performance.md）。
{% set parts = ['school', 'major', 'course', 'teacher',
                'student_scores', 'student_attendance', 'student_discipline', 'student_psych'] %}
{% for part in parts %}
select {{ indicator_columns() }} from {{ ref('int_indicators__' ~ part) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
