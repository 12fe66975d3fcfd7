{#- Relations in the compiled SQL without the database name: "marts"."dim_student", not
    "serving"."marts"."dim_student". A view then reads the tables of the warehouse file it is in, whatever name that
    file is opened or attached under (`ATTACH 'serving.duckdb' AS v20261204`) — DuckDB resolves a view's
    schema-qualified names in the view's own database. dbt's own DDL still names the database. -#}
{% macro ref() -%}
{%- set relation = builtins.ref(*varargs, **kwargs) -%}
{{ return(relation.include(database=False) if relation is not none else relation) }}
{%- endmacro %}

{% macro source(source_name, table_name) -%}
{{ return(builtins.source(source_name, table_name).include(database=False)) }}
{%- endmacro %}
