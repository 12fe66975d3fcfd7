{#
  reconciliation_measure(source, column, relation, value, year, major, where) — one measure of the
  cross-source reconciliation (models/audit/fct_reconciliation.sql): `value` aggregated per 学年 (and, when `major`
  is given, also per 学年 × 专业), labelled with the source table and column a rule in
  seeds/reconciliation_rules.csv names it by (left_source/left_column, right_source/right_column).
#}
{% macro reconciliation_measure(source, column, relation, value, year='academic_year', major=none, where=none) %}
    select
        '{{ source }}' as source,
        '{{ column }}' as source_column,
        {{ year }} as academic_year,
    {%- if major %}
        case when grouping({{ major }}) = 1 then '学年' else '学年×专业' end as grain,
        case when grouping({{ major }}) = 1 then '全校' else {{ major }} end as entity_id,
    {%- else %}
        '学年' as grain,
        '全校' as entity_id,
    {%- endif %}
        cast({{ value }} as decimal(18, 2)) as value
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    group by {% if major %}grouping sets (({{ year }}), ({{ year }}, {{ major }})){% else %}{{ year }}{% endif %}
{% endmacro %}

{# No row of a rule with this severity (提醒/阻断) is 不一致. The test's own severity (warn for 提醒, error for 阻断)
   is set where it is used (models/audit/_audit.yml), so a 阻断 mismatch stops the run before publishing. #}
{% test reconciliation_agrees(model, severity_zh) %}
select rule_id, academic_year, entity_id, message_zh
from {{ model }}
where verdict = '不一致' and severity = '{{ severity_zh }}'
{% endtest %}

{# A number as a clerk writes it: 1190.8, 1155 (no trailing zeros), for the Chinese messages. #}
{% macro reconciliation_number(x) -%}
rtrim(rtrim(printf('%.2f', {{ x }}), '0'), '.')
{%- endmacro %}
