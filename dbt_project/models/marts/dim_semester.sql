select
    s.semester_code,
    s.academic_year,
    s.academic_year || '学年第' || s.term_no || '学期' as semester_name,
    s.term_no,
    s.start_date,
    s.end_date,
    s.teaching_weeks,
    s._batch_id,
    s._source_row
from {{ ref('stg_jiaowu__semester') }} as s
