-- 办学条件 per 采集学年 (状态数据平台 A1 + A3, plus the teacher counts of A6-1/A6-3): the inputs of the
-- 教发〔2004〕2号 basic indicators (生师比, 生均仪器设备, 生均图书, 生均教学行政用房 …). The two student totals are
-- the ones computed from A1's counts by 学生类型 (int_student_equivalents); what A1 reports is kept as reported_*.
with a6_1 as (
    select academic_year, count(*) as fulltime_teachers,
           count(*) filter (where is_dual_qualified) as dual_qualified_teachers,
           count(*) filter (where education = '研究生' or degree in ('博士', '硕士')) as postgraduate_degree_teachers,
           count(*) filter (where title in (select title_name from {{ ref('code_titles') }} where title_rank >= 3)) as senior_title_teachers
    from {{ ref('stg_zhuangtai__a6_1_fulltime_teacher') }}
    group by academic_year
),
a6_3 as (
    select academic_year, count(distinct external_id) as external_teachers, sum(teaching_hours) as external_teaching_hours
    from {{ ref('stg_zhuangtai__a6_3_external_teacher') }}
    group by academic_year
)
select
    a1.academic_year,
    a1.school_code,
    a1.school_name,
    a1.school_type,
    a1.college_count,
    eq.fulltime_students,
    eq.equivalent_students,
    eq.reported_fulltime_students,
    eq.reported_equivalent_students,
    a3.land_area_m2,
    a3.teaching_rooms_m2,
    a3.admin_rooms_m2,
    a3.dormitory_m2,
    a3.fixed_assets_wan,
    a3.equipment_value_wan,
    a3.equipment_new_wan,
    a3.books,
    a3.books_new,
    a3.ebooks,
    a3.teaching_computers,
    a3.classrooms,
    a3.multimedia_classrooms,
    coalesce(a6_1.fulltime_teachers, 0) as fulltime_teachers,
    coalesce(a6_1.dual_qualified_teachers, 0) as dual_qualified_teachers,
    coalesce(a6_1.postgraduate_degree_teachers, 0) as postgraduate_degree_teachers,
    coalesce(a6_1.senior_title_teachers, 0) as senior_title_teachers,
    coalesce(a6_3.external_teachers, 0) as external_teachers,
    a6_3.external_teaching_hours,
    a1._batch_id as a1_batch_id,
    a3._batch_id as a3_batch_id,
    a1._source_file
from {{ ref('stg_zhuangtai__a1_school') }} as a1
left join {{ ref('int_student_equivalents') }} as eq using (academic_year)
left join {{ ref('stg_zhuangtai__a3_conditions') }} as a3 using (academic_year)
left join a6_1 using (academic_year)
left join a6_3 using (academic_year)
