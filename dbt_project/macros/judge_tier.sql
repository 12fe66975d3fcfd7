{# The one place a value is judged against its standard (rules: docs/rules.md).
   higher is better: value >= standard → 达标; yellow_line <= value < standard → 黄;
   orange_line <= value < yellow_line → 橙; value < orange_line → 红.  lower is better: mirrored
   (value <= standard → 达标 …). A missing value is 数据缺失, never 0. #}
{% macro judge_tier(value, standard, yellow, orange, direction) -%}
case
    when {{ value }} is null then '数据缺失'
    when {{ standard }} is null then '无标准'
    when {{ direction }} = 'higher' then
        case when {{ value }} >= {{ standard }} then '达标'
             when {{ value }} >= {{ yellow }} then '黄'
             when {{ value }} >= {{ orange }} then '橙'
             else '红' end
    else
        case when {{ value }} <= {{ standard }} then '达标'
             when {{ value }} <= {{ yellow }} then '黄'
             when {{ value }} <= {{ orange }} then '橙'
             else '红' end
end
{%- endmacro %}
