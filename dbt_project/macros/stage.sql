{#
  stage(system, table, rename={}, mask=[]) — the body of every staging model, generated from the source
  contract that models/staging/_sources.yml carries (column meta: type, pk, required; generated from
  seeds/source_columns.csv by `python -m pipelines.dbt_build --write-yml`).

  - only the latest loaded batch of raw.<system>__<table> (join raw._latest_batches);
  - every column typed and cleaned by its contract type and unit (meta `type`, `unit`) with the SQL macros of
    pipelines/ingest/cleaning.sql — the ones the gate checked the batch with (macros/cleaning.sql dispatches);
  - columns in `mask` (身份证号) leave as <col minus _no>_masked, never in clear;
  - deduplicated on the primary key (cleaned), keeping the last source row;
  - 状态数据平台 tables: `academic_year` (采集学年) for every row — the A1 sheet's 采集学年 of the same workbook
    (same latest batch), or failing that the 学年 in the workbook's file name; `_source_file` kept;
  - a raw table that does not exist yet (a source never delivered) gives an empty, typed relation, and a
    contract column missing from raw (an older export) reads NULL: a new column never breaks the build.
#}
{% macro stage(system, table, rename={}, mask=[]) %}
{%- set name = system ~ '__' ~ table -%}
{%- set src = source('raw', name) -%}
{%- set latest = source('raw', '_latest_batches') -%}
{%- set is_platform = system == 'zhuangtai' -%}
{%- if is_platform -%}{%- set a1 = source('raw', 'zhuangtai__a1_school') -%}{%- endif -%}
{%- if not execute -%}
select 1 as _parsing
{%- else -%}
{%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ name] -%}
{%- set rel = adapter.get_relation(database=src.database, schema=src.schema, identifier=src.identifier) -%}
{%- set have = [] -%}
{%- if rel is not none -%}
  {%- for c in adapter.get_columns_in_relation(rel) -%}{%- do have.append(c.name | lower) -%}{%- endfor -%}
{%- endif -%}
{%- set cols = [] -%}{%- set pk = [] -%}
{%- for cname, c in node.columns.items() -%}
  {%- if not cname.startswith('_') -%}
    {%- set ctype = c.meta.get('type', 'str') -%}
    {%- set expr = typed_column(ctype, 't.' ~ adapter.quote(cname), c.meta.get('unit')) if cname in have else 'null' -%}
    {%- if cname in mask -%}
      {%- set out = cname[:-3] ~ '_masked' if cname.endswith('_no') else cname ~ '_masked' -%}
      {%- set expr = 'mask_id_card(t.' ~ adapter.quote(cname) ~ ')' if cname in have else 'null' -%}
      {%- do cols.append((expr, 'varchar', out)) -%}
    {%- else -%}
      {%- do cols.append((expr, sql_type(ctype), rename.get(cname, cname))) -%}
    {%- endif -%}
    {%- if c.meta.get('pk') -%}{%- do pk.append(expr) -%}{%- endif -%}
  {%- endif -%}
{%- endfor -%}
{%- set has_year_column = 'academic_year' in node.columns -%}
{%- if rel is none %}
-- raw.{{ name }} has not been delivered yet: empty, typed
select
{%- for expr, t, out in cols %}
    cast(null as {{ t }}) as {{ out }},
{%- endfor %}
{%- if is_platform and not has_year_column %}
    cast(null as varchar) as academic_year,
{%- endif %}
{%- if is_platform %}
    cast(null as varchar) as _source_file,
{%- endif %}
    cast(null as varchar) as _batch_id,
    cast(null as bigint) as _source_row
where false
{%- else %}
{%- set a1_rel = adapter.get_relation(database=src.database, schema=src.schema, identifier='zhuangtai__a1_school') if is_platform else none -%}
{%- if is_platform and not has_year_column -%}
  {%- set year_expr = "coalesce(y.academic_year, regexp_extract(t._source_file, '([0-9]{4}-[0-9]{4})', 1))" if a1_rel is not none
                      else "regexp_extract(t._source_file, '([0-9]{4}-[0-9]{4})', 1)" -%}
  {%- do pk.append(year_expr) -%}
{%- endif %}
{%- if is_platform and not has_year_column and a1_rel is not none %}
with workbook_year as (
    -- 采集学年 of each workbook, from its A1 sheet (same latest batch of A1)
    select a._source_file, max(clean_text(a.academic_year)) as academic_year
    from {{ a1 }} as a
    join {{ latest }} as ab on a._batch_id = ab.batch_id
    group by a._source_file
)
{%- endif %}
select
{%- for expr, t, out in cols %}
    cast({{ expr }} as {{ t }}) as {{ out }},
{%- endfor %}
{%- if is_platform and not has_year_column %}
    {{ year_expr }} as academic_year,
{%- endif %}
{%- if is_platform %}
    t._source_file,
{%- endif %}
    t._batch_id,
    t._source_row
from {{ src }} as t
join {{ latest }} as b on t._batch_id = b.batch_id
{%- if is_platform and not has_year_column and a1_rel is not none %}
left join workbook_year as y on y._source_file = t._source_file
{%- endif %}
{%- if pk %}
qualify row_number() over (partition by {{ pk | join(', ') }} order by t._source_file desc, t._source_row desc) = 1
{%- endif %}
{%- endif %}
{%- endif %}
{% endmacro %}
