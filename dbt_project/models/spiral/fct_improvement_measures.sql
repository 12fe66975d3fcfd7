{{ config(schema='spiral', materialized='table') }}
-- 改进措施（各部门在交回的自我诊断报告中填写的答复，来源 诊改反馈 raw.fankui__answer）：每个事项一行，取最近一次
-- 交回的答复；raw 保留每一批（仅追加），所以被替换的答复仍可追溯：answered_at = 第一次交回答复的时间，
-- n_versions = 内容不同的答复版本数。一个部门的工作簿被隔离后，它之前交回的答复仍然有效（不会因文件被移走而消失）。
{%- set src = source('raw', 'fankui__answer') -%}
{%- set fields = [('cause', 'str'), ('measure', 'str'), ('owner', 'str'), ('deadline', 'date'),
                  ('progress', 'str'), ('effect', 'str')] -%}
{%- set have = [] -%}
{%- if execute -%}
  {%- set rel = adapter.get_relation(database=src.database, schema=src.schema, identifier=src.identifier) -%}
  {%- if rel is not none -%}
    {%- for c in adapter.get_columns_in_relation(rel) -%}{%- do have.append(c.name | lower) -%}{%- endfor -%}
  {%- endif -%}
{%- endif %}
with answers as (
{%- if 'case_id' not in have %}
    -- nothing returned yet: empty, typed
    select null::varchar as case_id, null::varchar as cause, null::varchar as measure, null::varchar as owner,
        null::date as deadline, null::varchar as progress, null::varchar as effect, null::varchar as workbook,
        null::varchar as batch_id, null::bigint as source_row, null::timestamp as loaded_at
    where false
{%- else %}
    select
        {{ typed_column('code', 'a.case_id') }} as case_id,
        {%- for f, t in fields %}
        cast({{ typed_column(t, 'a.' ~ f) if f in have else 'null' }} as {{ 'date' if t == 'date' else 'varchar' }}) as {{ f }},
        {%- endfor %}
        a._source_file as workbook, a._batch_id as batch_id, a._source_row as source_row, b.loaded_at
    from {{ src }} as a
    join {{ source('raw', '_batches') }} as b on b.batch_id = a._batch_id and b.status = 'loaded'
{%- endif %}
),
versions as (
    select *,
        row_number() over (partition by case_id order by loaded_at desc, batch_id desc, source_row desc) as rn,
        min(loaded_at) over (partition by case_id) as answered_at,
        count(distinct md5(concat_ws('|', cause, measure, owner, deadline::varchar, progress, effect)))
            over (partition by case_id) as n_versions
    from answers
    where case_id is not null
)
select
    v.case_id, c.level, c.entity_id, c.entity_name, c.cycle, c.academic_year,
    c.responsible_dept_code, c.responsible_dept_name, c.college_code,
    v.cause, v.measure, v.owner, v.deadline, v.progress, v.effect,
    v.workbook, v.batch_id, v.source_row, v.answered_at, v.loaded_at as updated_at, v.n_versions,
    c.case_id is not null as is_known_case
from versions as v
left join {{ ref('fct_warning_cases') }} as c on c.case_id = v.case_id
where v.rn = 1
