with src as ({{ latest_batch('jiaowu__major') }})
select
    {{ clean_code('major_code') }} as major_code,
    {{ clean_text('major_name') }} as major_name,
    {{ clean_code('college_code') }} as college_code,
    {{ clean_text('major_tier') }} as major_tier,
    {{ to_int('duration_years') }} as duration_years,
    {{ to_int('established_year') }} as established_year,
    _batch_id,
    _source_row
from src
qualify row_number() over (partition by {{ clean_code('major_code') }} order by _source_row desc) = 1
