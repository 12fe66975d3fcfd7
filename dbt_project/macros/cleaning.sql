{# Cleaning of raw export text, the same rules as pipelines/ingest/normalize.py (trim incl. U+3000,
   full-width → ASCII, codes upper case without spaces). Raw keeps the text as it came. #}

{% macro halfwidth(expr) -%}
translate({{ expr }}, '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．－／',
          '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-/')
{%- endmacro %}

{% macro clean_text(expr) -%}
nullif(trim(regexp_replace({{ halfwidth(expr) }}, '^[\s　 ]+|[\s　 ]+$', '', 'g')), '')
{%- endmacro %}

{% macro clean_code(expr) -%}
nullif(upper(regexp_replace({{ halfwidth(expr) }}, '[\s　 ]+', '', 'g')), '')
{%- endmacro %}

{% macro to_int(expr) -%}
try_cast(replace({{ clean_text(expr) }}, ',', '') as bigint)
{%- endmacro %}

{% macro to_decimal(expr) -%}
try_cast(replace({{ clean_text(expr) }}, ',', '') as double)
{%- endmacro %}

{% macro to_bool(expr) -%}
case when {{ clean_code(expr) }} in ('是', 'TRUE', '1', 'Y', 'YES') then true
     when {{ clean_code(expr) }} in ('否', 'FALSE', '0', 'N', 'NO') then false end
{%- endmacro %}

{# ISO, 2023.9.1, 2023/9/1, 2023年9月1日, and Excel serial numbers (days since 1899-12-30). #}
{% macro to_date(expr) -%}
case
    when regexp_full_match({{ clean_text(expr) }}, '[0-9]{5}(\.0+)?')
        then date '1899-12-30' + cast(cast({{ clean_text(expr) }} as double) as integer)
    else cast(try_strptime(regexp_replace(regexp_replace({{ clean_text(expr) }}, '[年月./]', '-', 'g'), '日|\s.*$', '', 'g'),
                           '%Y-%m-%d') as date)
end
{%- endmacro %}

{# The rows of the latest loaded batch of one raw table (see pipelines/ingest/raw_store.py). #}
{% macro latest_batch(table) -%}
select t.* from {{ source('raw', table) }} as t
join {{ source('raw', '_latest_batches') }} as b on t._batch_id = b.batch_id
{%- endmacro %}
