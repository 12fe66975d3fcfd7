{#- The one place a value is judged against a line set (rules and an example: docs/rules.md).

    Lines: standard_value (标准值), yellow_line, orange_line, red_line; direction 'higher' or 'lower'.
    A value that lies exactly ON a line belongs to the BETTER side of that line.

      higher is better                         lower is better
      value >= standard            → 达标       value <= standard            → 达标
      orange <= value <  standard  → 黄         standard < value <= orange   → 黄
      red    <= value <  orange    → 橙         orange   < value <= red      → 橙
                 value <  red      → 红                    value >  red      → 红

    The yellow band starts right below (above) the standard, so yellow_line must lie between the orange line and
    the standard (config test); the shipped seeds set it equal to the standard and dashboards draw it.
    A NULL orange/red line removes that band (e.g. a national baseline with no 限制招生 line never turns red);
    orange = red collapses the 橙 band. value NULL → 数据缺失 (never 0); standard NULL → 无标准.
    Values and lines are compared after rounding to 9 decimals, so floating-point noise (0.6000000000000001)
    never moves a value across a line. -#}
{% macro judge_tier(value, standard, yellow, orange, red, direction) -%}
case
    when {{ value }} is null then '数据缺失'
    when {{ standard }} is null then '无标准'
    when {{ direction }} = 'higher' then
        case when round({{ value }}, 9) >= round({{ standard }}, 9) then '达标'
             when round({{ value }}, 9) <  round({{ red }}, 9) then '红'
             when round({{ value }}, 9) <  round({{ orange }}, 9) then '橙'
             else '黄' end
    when {{ direction }} = 'lower' then
        case when round({{ value }}, 9) <= round({{ standard }}, 9) then '达标'
             when round({{ value }}, 9) >  round({{ red }}, 9) then '红'
             when round({{ value }}, 9) >  round({{ orange }}, 9) then '橙'
             else '黄' end
end
{%- endmacro %}

{#- true when `value` meets `line` in the indicator's direction (used for targets: 达到目标). -#}
{% macro judge_meets(value, line, direction) -%}
(case when {{ direction }} = 'higher' then round({{ value }}, 9) >= round({{ line }}, 9)
      when {{ direction }} = 'lower' then round({{ value }}, 9) <= round({{ line }}, 9) end)
{%- endmacro %}

{#- true when `later` is better than `earlier` in the indicator's direction (spiral: improved yes/no). -#}
{% macro judge_better(later, earlier, direction) -%}
(case when {{ direction }} = 'higher' then round({{ later }}, 9) > round({{ earlier }}, 9)
      when {{ direction }} = 'lower' then round({{ later }}, 9) < round({{ earlier }}, 9) end)
{%- endmacro %}
