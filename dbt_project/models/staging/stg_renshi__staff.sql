-- 身份证号 is not carried past raw: no mart, dashboard or report needs it.
with src as ({{ latest_batch('renshi__staff') }})
select
    {{ clean_code('staff_id') }} as staff_id,
    {{ clean_text('name') }} as staff_name,
    {{ clean_text('gender') }} as gender,
    {{ to_date('birth_date') }} as birth_date,
    {{ clean_text('dept_name') }} as dept_name,
    {{ clean_text('post_type') }} as post_type,
    {{ clean_text('title') }} as title,
    {{ clean_text('title_level') }} as title_level,
    {{ clean_text('education') }} as education,
    {{ clean_text('degree') }} as degree,
    {{ to_bool('is_dual_qualified') }} as is_dual_qualified,
    {{ to_bool('is_backbone') }} as is_backbone,
    {{ to_bool('is_major_leader') }} as is_major_leader,
    {{ to_int('industry_years') }} as industry_years,
    {{ to_date('hire_date') }} as hire_date,
    {{ clean_text('staffing_type') }} as staffing_type,
    {{ clean_code('major_code') }} as major_code,
    _batch_id,
    _source_row
from src
qualify row_number() over (partition by {{ clean_code('staff_id') }} order by _source_row desc) = 1
