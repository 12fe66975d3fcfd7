{#- The day the platform judges deadlines against: today, or ZHENGAI_TODAY (YYYY-MM-DD) for reproducible runs and
    tests. The gate reads the same variable (pipelines/gate/runner.py today_param). -#}
{% macro zg_today() -%}
coalesce(try_cast(nullif('{{ env_var("ZHENGAI_TODAY", "") }}', '') as date), current_date)
{%- endmacro %}

{% macro zg_now() -%}
coalesce(try_cast(nullif('{{ env_var("ZHENGAI_TODAY", "") }}', '') as timestamp), current_timestamp::timestamp)
{%- endmacro %}
