{#- The day deadlines are judged against: today, or ZHENGAI_TODAY (YYYY-MM-DD) to look at the loop as of another
    day (tests, a review "as of" a date). The gate reads the same variable (pipelines/gate/runner.py today_param).
    Issuing a case is a real event and always uses the clock. -#}
{% macro zg_today() -%}
coalesce(try_cast(nullif('{{ env_var("ZHENGAI_TODAY", "") }}', '') as date), current_date)
{%- endmacro %}
