with src as ({{ latest_batch('jiaowu__college') }})
select
    {{ clean_code('college_code') }} as college_code,
    {{ clean_text('college_name') }} as college_name,
    _batch_id,
    _source_row
from src
qualify row_number() over (partition by {{ clean_code('college_code') }} order by _source_row desc) = 1
