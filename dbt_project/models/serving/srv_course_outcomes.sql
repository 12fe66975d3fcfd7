-- 课程教学质量（看板用）：每门课程每学期的及格、优秀、平均分、到课、学生评教的分子与分母，直接取自课程指标
-- （indicators.fct_indicator_values，公式只在 int_indicators__course），看板按学院/级别/学期汇总时 Σ分子 ÷ Σ分母。
with grouped as (
select
    v.entity_id as course_code, v.entity_name as course_name, v.scope_value as course_level, v.period as semester_code,
    v.academic_year, v.college_code, coalesce(co.college_name, v.college_code) as college_name,
    c.owner_major_code as major_code, m.major_name, c.course_type_name,
    max(v.denominator) filter (where v.indicator_code = 'CRS_PASS_RATE') as exam_students,
    max(v.numerator) filter (where v.indicator_code = 'CRS_PASS_RATE') as passed,
    max(v.numerator) filter (where v.indicator_code = 'CRS_EXCELLENT_RATE') as excellent,
    max(v.numerator) filter (where v.indicator_code = 'CRS_AVG_SCORE') as score_sum,
    max(v.denominator) filter (where v.indicator_code = 'CRS_ATTENDANCE_RATE') as sessions,
    max(v.numerator) filter (where v.indicator_code = 'CRS_ATTENDANCE_RATE') as attended_sessions,
    max(v.numerator) filter (where v.indicator_code = 'CRS_STUDENT_EVAL_SCORE') as eval_sum,
    max(v.denominator) filter (where v.indicator_code = 'CRS_STUDENT_EVAL_SCORE') as evaluators
from {{ ref('fct_indicator_values') }} as v
left join {{ ref('dim_course') }} as c on c.course_code = v.entity_id
left join {{ ref('dim_major') }} as m on m.major_code = c.owner_major_code
left join {{ ref('dim_college') }} as co on co.college_code = v.college_code
where v.level = '课程'
group by all
)
select *, academic_year = (select max(academic_year) from grouped) as is_latest_year from grouped
