{{ config(schema='spiral', materialized='incremental', incremental_strategy='append') }}
-- 诊改事项下发记录：每个预警事项（fct_warning_cases.case_id）第一次出现在发布版本中的时间 = 下发时间。
-- 增量表：每次运行只追加新出现的事项，已下发的时间不再改变（运行写入的 build 文件是发布版本的副本，记录随版本延续）。
select c.case_id, current_timestamp::timestamp as issued_at
from {{ ref('fct_warning_cases') }} as c
{% if is_incremental() %}
where c.case_id not in (select case_id from {{ this }})
{% endif %}
