{# The cleaning rules themselves are SQL macros in pipelines/ingest/cleaning.sql (clean_text, clean_code, clean_int,
   clean_decimal, clean_date, clean_bool, mask_id_card), installed into dbt's connection by the profile plugin
   pipelines.ingest.dbt_cleaning — the same macros the gate types each batch with. Only the dispatch by contract
   type lives here (pipelines/ingest/cleaning.py `typed_sql` is its twin for the gate). #}

{# One contract type (+ the column's unit, sources meta `unit`) → the typed, cleaned expression. #}
{% macro typed_column(type, expr, unit=none) -%}
{%- set u = ("'" ~ unit ~ "'") if unit else 'null' -%}
{%- if type == 'code' -%}clean_code({{ expr }})
{%- elif type == 'int' -%}clean_int({{ expr }}, {{ u }})
{%- elif type == 'decimal' -%}clean_decimal({{ expr }}, {{ u }})
{%- elif type == 'date' -%}clean_date({{ expr }})
{%- elif type == 'bool' -%}clean_bool({{ expr }})
{%- else -%}clean_text({{ expr }})
{%- endif -%}
{%- endmacro %}

{% macro sql_type(type) -%}
{%- if type == 'int' -%}bigint{%- elif type == 'decimal' -%}decimal(18, 6){%- elif type == 'date' -%}date
{%- elif type == 'bool' -%}boolean{%- else -%}varchar{%- endif -%}
{%- endmacro %}

{# The rows of the latest loaded batch of one raw table (see pipelines/ingest/raw_store.py). #}
{% macro latest_batch(table) -%}
select t.* from {{ source('raw', table) }} as t
join {{ source('raw', '_latest_batches') }} as b on t._batch_id = b.batch_id
{%- endmacro %}
