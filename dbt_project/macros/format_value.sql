{# 0.42 with unit % → '42.0%'; other units → the number with its unit. #}
{% macro format_value(expr, unit) -%}
case when {{ unit }} = '%' then printf('%.1f%%', {{ expr }} * 100) else printf('%.2f', {{ expr }}) || {{ unit }} end
{%- endmacro %}
