-- 学生层面指标的行：每名学生每个在学学期（有正考成绩或考勤记录的学期）。成绩或考勤变化时才重建，
-- 违纪、心理测评的指标按它补零或对齐，不必重算成绩与考勤。
select student_id, semester_code, academic_year from {{ ref('fct_score') }} where exam_type = '正考'
union
select student_id, semester_code, academic_year from {{ ref('fct_attendance') }}
