with src as ({{ latest_batch('xuegong__employment') }})
select
    {{ clean_code('student_id') }} as student_id,
    {{ to_int('graduation_year') }} as graduation_year,
    {{ clean_code('major_code') }} as major_code,
    {{ clean_text('destination') }} as destination,
    {{ to_bool('is_related') }} as is_related,
    {{ to_decimal('starting_salary') }} as starting_salary,
    _batch_id,
    _source_row
from src
qualify row_number() over (partition by {{ clean_code('student_id') }} order by _source_row desc) = 1
