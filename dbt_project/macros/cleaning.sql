{# Cleaning of raw export text, the same rules as pipelines/ingest/normalize.py (trim incl. U+3000 and NBSP,
   full-width → ASCII, codes upper case without any blanks). Raw keeps the text exactly as it came; these
   macros are the one place the export spellings are interpreted (used by every staging model via stage()). #}

{# translate() is the costly step: only strings with a non-ASCII character (byte length ≠ character length) go through it. #}
{% macro halfwidth(expr) -%}
case when strlen({{ expr }}) = length({{ expr }}) then {{ expr }} else translate({{ expr }}, '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．－／：，',
          '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-/:,') end
{%- endmacro %}

{# str: full-width → ASCII, blanks (ASCII, U+3000, NBSP) trimmed at both ends; empty → NULL. #}
{% macro clean_text(expr) -%}
nullif(trim(regexp_replace({{ halfwidth(expr) }}, '^[\s　 ]+|[\s　 ]+$', '', 'g')), '')
{%- endmacro %}

{# code: as clean_text, plus every blank removed and upper case (jn2010 0001 → JN20100001). Spreadsheet
   placeholders for an empty cell (nan, None, NULL, #N/A — seen as literal text in exports) are no code: NULL. #}
{% macro clean_code(expr) -%}
list_filter([nullif(upper(regexp_replace({{ halfwidth(expr) }}, '[\s　 ]+', '', 'g')), '')],
            v -> v not in ('NAN', 'NONE', 'NULL', 'NAT', '#N/A'))[1]
{%- endmacro %}

{% macro to_int(expr) -%}
cast(try_cast(replace({{ clean_text(expr) }}, ',', '') as double) as bigint)
{%- endmacro %}

{#- DECIMAL, not DOUBLE: sums of scores and amounts are then exact and do not depend on the order DuckDB's threads
    add them in, so a value exactly on a warning line is judged the same in every run. -#}
{% macro to_decimal(expr) -%}
try_cast(replace({{ clean_text(expr) }}, ',', '') as {{ sql_type('decimal') }})
{%- endmacro %}

{% macro to_bool(expr) -%}
case when {{ clean_code(expr) }} in ('是', 'TRUE', '1', 'Y', 'YES', 'T', '√') then true
     when {{ clean_code(expr) }} in ('否', 'FALSE', '0', 'N', 'NO', 'F', '×') then false end
{%- endmacro %}

{# Dates in every export spelling: 2023-09-01, 2023.9.1, 2023/9/1, 2023年9月1日, 2023-09-01 00:00:00, and Excel
   serial numbers (days since 1899-12-30; 45170 = 2023-09-01). Anything else → NULL (never a guess). #}
{% macro parse_date(expr) -%}
case
    when regexp_full_match({{ clean_text(expr) }}, '[0-9]{5}(\.0+)?')
        then date '1899-12-30' + cast(cast({{ clean_text(expr) }} as double) as integer)
    else cast(try_strptime(regexp_replace(regexp_replace({{ clean_text(expr) }}, '[年月./]', '-', 'g'), '日|[ T].*$', '', 'g'),
                           '%Y-%m-%d') as date)
end
{%- endmacro %}

{% macro to_date(expr) -%}{{ parse_date(expr) }}{%- endmacro %}

{# 身份证号 masked for analysts: region (6) + ******** + last 4 (320102********123X); the raw value stays in raw only. #}
{% macro mask_id_card(expr) -%}
case when {{ clean_code(expr) }} is not null
     then left({{ clean_code(expr) }}, 6) || repeat('*', greatest(length({{ clean_code(expr) }}) - 10, 0)) || right({{ clean_code(expr) }}, 4) end
{%- endmacro %}

{# One contract type → the typed, cleaned expression. #}
{% macro typed_column(type, expr) -%}
{%- if type == 'code' -%}{{ clean_code(expr) }}
{%- elif type == 'int' -%}{{ to_int(expr) }}
{%- elif type == 'decimal' -%}{{ to_decimal(expr) }}
{%- elif type == 'date' -%}{{ parse_date(expr) }}
{%- elif type == 'bool' -%}{{ to_bool(expr) }}
{%- else -%}{{ clean_text(expr) }}
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
