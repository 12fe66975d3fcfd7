with src as ({{ latest_batch('xuegong__admission') }})
select
    {{ to_int('year') }} as admission_year,
    {{ clean_code('major_code') }} as major_code,
    {{ to_int('plan_count') }} as plan_count,
    {{ to_int('admitted_count') }} as admitted_count,
    {{ to_int('first_choice_count') }} as first_choice_count,
    {{ to_int('enrolled_count') }} as enrolled_count,
    _batch_id,
    _source_row
from src
qualify row_number() over (partition by {{ to_int('year') }}, {{ clean_code('major_code') }} order by _source_row desc) = 1
