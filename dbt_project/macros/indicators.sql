{#- Helpers shared by the indicator models (models/indicators/int_indicators__*.sql). -#}

{#- numerator ÷ denominator; a zero or missing denominator gives NULL (数据缺失), never 0 or an error. -#}
{% macro ratio(numerator, denominator) -%}
(case when ({{ denominator }}) > 0 then ({{ numerator }})::double / ({{ denominator }}) end)
{%- endmacro %}

{#- The batch ids behind an aggregated row, for tracing a value back to raw rows. -#}
{% macro batch_ids(column='_batch_id') -%}
string_agg(distinct {{ column }}, ';')
{%- endmacro %}

{#- The columns every int_indicators__<level> model returns, in this order (fct_indicator_values unions them). -#}
{% macro indicator_columns() -%}
level, entity_type, entity_id, entity_name, college_code, scope_type, scope_value, period, academic_year,
indicator_code, value, numerator, denominator, source_batch_ids
{%- endmacro %}

{#- The value of an indicator row. Convention of the indicator models: a count (在校生数, 课时量 …) has
    denominator NULL and is its own value; a ratio has a denominator (coalesce it to 0 when it can be missing),
    and a zero denominator gives NULL (数据缺失). -#}
{% macro indicator_value(numerator, denominator) -%}
(case when ({{ denominator }}) is null then ({{ numerator }})::double else {{ ratio(numerator, denominator) }} end)
{%- endmacro %}

{#- One row per entity × period of a level, one column per indicator of that level (lower-case indicator code),
    for analysts who prefer a wide table. The columns come from the catalogue at run time, so a new indicator in
    seeds/indicator_catalogue.csv becomes a new column without touching SQL. -#}
{% macro wide_indicators(level) -%}
{%- set codes = [] -%}
{%- if execute -%}
    {%- set rows = run_query("select indicator_code from " ~ ref('indicator_catalogue') ~ " where level = '" ~ level
                             ~ "' order by indicator_code") -%}
    {%- set codes = rows.columns[0].values() -%}
{%- endif -%}
select
    entity_id, any_value(entity_name) as entity_name, any_value(college_code) as college_code,
    any_value(scope_value) as scope_value, period, any_value(academic_year) as academic_year
    {%- for code in codes %},
    max(value) filter (where indicator_code = '{{ code }}') as {{ code | lower }}
    {%- endfor %}
from {{ ref('fct_indicator_values') }}
where level = '{{ level }}'
group by entity_id, period
{%- endmacro %}

{#- The closing select of every int_indicators__<level> model: the CTE `unioned` (entity key, period, indicator_code,
    numerator, denominator, source_batch_ids) as rows of the long indicator table, in indicator_columns() order.
    The arguments are SQL expressions over `u` (unioned) and the entity's dimension joined after this macro.
    counts_allowed=false for a level of ratios only: a missing denominator is then 数据缺失, never the numerator. -#}
{% macro indicator_rows(level, entity_type, entity_id, entity_name, college_code, scope_type, scope_value,
                        period='u.academic_year', counts_allowed=true) -%}
select
    '{{ level }}' as level,
    '{{ entity_type }}' as entity_type,
    {{ entity_id }} as entity_id,
    {{ entity_name }} as entity_name,
    {{ college_code }} as college_code,
    '{{ scope_type }}' as scope_type,
    {{ scope_value }} as scope_value,
    {{ period }} as period,
    u.academic_year,
    u.indicator_code,
    {% if counts_allowed %}{{ indicator_value('u.numerator', 'u.denominator') }}{% else %}{{ ratio('u.numerator', 'u.denominator') }}{% endif %} as value,
    u.numerator,
    u.denominator,
    u.source_batch_ids
from unioned as u
{%- endmacro %}

{#- The closing select of the student indicator models (int_indicators__student_<part>): `unioned` as rows. -#}
{% macro student_indicator_rows() -%}
{{ indicator_rows('学生', 'student',
    entity_id="u.student_id",
    entity_name="s.student_name",
    college_code="s.college_code",
    scope_type='student',
    scope_value="'全体学生'",
    period="u.semester_code") }}
join {{ ref('dim_student') }} as s using (student_id)
{%- endmacro %}
