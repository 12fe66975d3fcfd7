{#- Display helpers for the Chinese reason sentences (macros/judge_tier.sql judges; these only print). -#}

{#- 0.42 with unit % and 1 decimal → '42.0%'; 17.5 with unit 比 → '17.50:1'; 4000 元 → '4000元'. -#}
{% macro judge_format(expr, unit, decimals) -%}
case
    when {{ expr }} is null then '—'
    when {{ unit }} = '%' then printf('%.' || coalesce({{ decimals }}, 1) || 'f', {{ expr }} * 100) || '%'
    when {{ unit }} = '比' then printf('%.' || coalesce({{ decimals }}, 2) || 'f', {{ expr }}) || ':1'
    else printf('%.' || coalesce({{ decimals }}, 2) || 'f', {{ expr }}) || coalesce({{ unit }}, '')
end
{%- endmacro %}

{#- a count or hours: 22 → '22', 7.5 → '7.5' -#}
{% macro judge_number(expr) -%}
case when {{ expr }} = floor({{ expr }}) then printf('%d', ({{ expr }})::bigint) else printf('%.1f', {{ expr }}) end
{%- endmacro %}

{#- '2024-2025' → '2024-2025学年'; '2024-2025-1' → '2024-2025学年第1学期' -#}
{% macro judge_period_label(period) -%}
case when length({{ period }}) > 9 then substr({{ period }}, 1, 9) || '学年第' || substr({{ period }}, 11) || '学期'
     else {{ period }} || '学年' end
{%- endmacro %}

{#- ['D08', 'C02'] → '教务处、信息工程学院'; dept_map is a MAP(code → name) built once per model from org_departments
    (see judge_dept_map()); an unknown code is printed as it is. -#}
{% macro judge_dept_names(codes_list, dept_map) -%}
array_to_string(list_transform({{ codes_list }}, k -> coalesce({{ dept_map }}[k], k)), '、')
{%- endmacro %}

{% macro judge_dept_map() -%}
select map(list(dept_code), list(dept_name)) as dept_map from {{ ref('org_departments') }}
{%- endmacro %}
