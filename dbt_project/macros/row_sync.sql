{#- Row-synced incremental models: materialized='incremental', incremental_strategy='row_sync'.

    For a model whose every row is a function of ONE row of its input model and of its rules (its own SQL, the
    macros it renders, the seeds it reads): fct_warnings judges each fct_indicator_values row on its own. After
    one 学工 file changed, a run judges the few thousand input rows that changed instead of all 1.2 M:
      - the model stores `rules_version` (row_sync_version: md5 of its rendered rules SQL and of the content of
        the seeds it reads) and reads only the input rows that have no identical row — every input column equal,
        NULLs equal — already judged under that version (row_sync_changed);
      - the strategy deletes the rows of another version, those whose key it judged again and those whose input
        row vanished, then inserts the new rows.
    The result equals a full rebuild (tests/dbt/test_warnings.py builds both and compares every row). A changed
    rule, macro or seed gives a new version, so every row is judged again; so does a table of an older layout
    (no rules_version column). The model must carry every input column under the same name. -#}

{#- The model's input rows not yet judged under `version` (all of them on a first or full build). -#}
{% macro row_sync_changed(input, version) -%}
select v.* from {{ input }} as v
{%- if is_incremental() and 'rules_version' in adapter.get_columns_in_relation(this) | map(attribute='name') %}
{%- set columns = row_sync_input_columns(input) %}
-- an ANTI JOIN, not NOT EXISTS: DuckDB plans the correlated form with a filtered inner side 4× slower
anti join (select {% for c in columns %}{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %} from {{ this }}
           where rules_version = '{{ version }}') as w
    on {{ row_sync_same('w', 'v', columns) }}
{%- endif %}
{%- endmacro %}

{#- md5 of the model's rules: its rendered SQL (macros expanded, the input left out) and its seeds' content. The
    SQL names no database (macros/relation_names.sql): a copy of the warehouse under another name keeps its version. -#}
{% macro row_sync_version(rules_sql) -%}
{%- if not execute -%}{{ return('') }}{%- endif -%}
{%- set seeds = [] -%}
{%- for uid in model.depends_on.nodes if uid.startswith('seed.') -%}
    {%- do seeds.append("(select md5(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) from "
                        ~ ref(graph.nodes[uid].name) ~ " as t)") -%}
{%- endfor -%}
{%- set content = run_query("select concat_ws('|', " ~ (seeds | join(', ') or "''") ~ ")").columns[0].values()[0] -%}
{{ return(local_md5(rules_sql ~ '|' ~ content)) }}
{%- endmacro %}

{% macro row_sync_input_columns(input) -%}
{{ return(adapter.get_columns_in_relation(input) | map(attribute='name') | list) }}
{%- endmacro %}

{% macro row_sync_same(a, b, columns) -%}
{%- for c in columns %}{{ a }}.{{ adapter.quote(c) }} is not distinct from {{ b }}.{{ adapter.quote(c) }}
{%- if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}

{#- The strategy. Config: row_sync_input = the input model's name; unique_key = the row key. -#}
{% macro get_incremental_row_sync_sql(arg_dict) -%}
{%- set target = arg_dict['target_relation'] -%}
{%- set fresh = arg_dict['temp_relation'] -%}
{%- set key = arg_dict['unique_key'] -%}
{%- set input = ref(config.get('row_sync_input')) -%}
{%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
-- judged under other rules: the model judged every row again (no-op when nothing was judged)
delete from {{ target }} where rules_version <> (select any_value(rules_version) from {{ fresh }});
-- judged again: its input row changed
delete from {{ target }} where {{ key }} in (select {{ key }} from {{ fresh }});
-- input row changed or gone
delete from {{ target }} as w
where not exists (select 1 from {{ input }} as v where {{ row_sync_same('w', 'v', row_sync_input_columns(input)) }});
insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ fresh }}
{%- endmacro %}
