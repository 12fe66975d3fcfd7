-- 全日制在校生数 and 折合在校生数 per 采集学年, computed from the A1 counts by 学生类型 (教发〔2004〕2号):
--   折合 = Σ count × equivalent_weight;  全日制 = Σ count where counts_as_fulltime (seeds/student_type_weights.csv).
-- Every A1 column named students_* is a 学生类型 (a config test checks each has a weight); an empty count is not
-- counted. The totals the platform reports are kept next to them for the reconciliation (audit.fct_reconciliation).
with a1 as (
    select * from {{ ref('stg_zhuangtai__a1_school') }}
),
parts as (
    unpivot (select academic_year, columns('^students_') from a1)
    on columns('^students_') into name student_type_column value students
),
computed as (
    select
        p.academic_year,
        sum(p.students) filter (where w.counts_as_fulltime) as fulltime_students,
        sum(p.students * w.equivalent_weight) as equivalent_students
    from parts as p
    join {{ ref('student_type_weights') }} as w on w.a1_column = p.student_type_column
    group by p.academic_year
)
select
    a1.academic_year,
    a1.students_regular_junior,
    a1.students_further_study,
    a1.students_adult_fulltime,
    a1.students_evening,
    a1.students_correspondence,
    a1.students_international,
    a1.students_preparatory,
    coalesce(c.fulltime_students, 0) as fulltime_students,
    coalesce(c.equivalent_students, 0) as equivalent_students,
    a1.fulltime_students as reported_fulltime_students,
    a1.equivalent_students as reported_equivalent_students,
    a1._batch_id
from a1
left join computed as c using (academic_year)
