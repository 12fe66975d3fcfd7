-- 学校层面指标，每学年一行一个指标（公式、单位、方向：seeds/indicator_catalogue.csv）。
-- 办学条件类按状态数据平台的采集学年（A1/A3/A6-1/A6-3，fct_school_conditions）；招生、毕业、就业按学工系统；
-- 生均财政拨款按财务系统（财务自然年 N 计入 N–N+1 学年）。
-- 分母「折合在校生数」「全日制在校生数」是按 A1 各学生类型计算的值（教发〔2004〕2号，int_student_equivalents），
-- 不是 A1 填报的合计；两者的差异见 audit.fct_reconciliation（R03、R04）。目标任务完成率在 spiral.fct_target_achievement。
with school as (
    -- the school's own code and name: the latest A1 sheet, else the profile seed
    select
        coalesce((select school_code from {{ ref('fct_school_conditions') }} order by academic_year desc limit 1),
                 'school') as school_code,
        coalesce((select school_name from {{ ref('school_profile') }} limit 1),
                 (select school_name from {{ ref('fct_school_conditions') }} order by academic_year desc limit 1))
            as school_name
),
cond as (
    select *, concat_ws(';', a1_batch_id, a3_batch_id) as batch_ids from {{ ref('fct_school_conditions') }}
),
conditions as (
    -- (indicator, numerator, denominator) per 采集学年; the lists are unnested into rows
    select academic_year, batch_ids, unnest([
        {'code': 'SCH_STU_TEACHER_RATIO', 'n': equivalent_students, 'd': fulltime_teachers + external_teachers * 0.5},
        {'code': 'SCH_DUAL_TEACHER_RATIO', 'n': dual_qualified_teachers, 'd': fulltime_teachers},
        {'code': 'SCH_SENIOR_TITLE_RATIO', 'n': senior_title_teachers, 'd': fulltime_teachers},
        {'code': 'SCH_PG_DEGREE_RATIO', 'n': postgraduate_degree_teachers, 'd': fulltime_teachers},
        {'code': 'SCH_PARTTIME_TEACHER_RATIO', 'n': external_teachers, 'd': fulltime_teachers},
        {'code': 'SCH_EQUIP_VALUE_PER_STU', 'n': equipment_value_wan * 10000, 'd': equivalent_students},
        {'code': 'SCH_NEW_EQUIP_RATIO', 'n': equipment_new_wan, 'd': equipment_value_wan - equipment_new_wan},
        {'code': 'SCH_TEACH_ADMIN_AREA_PER_STU', 'n': teaching_rooms_m2 + admin_rooms_m2, 'd': fulltime_students},
        {'code': 'SCH_LAND_AREA_PER_STU', 'n': land_area_m2, 'd': fulltime_students},
        {'code': 'SCH_DORM_AREA_PER_STU', 'n': dormitory_m2, 'd': fulltime_students},
        {'code': 'SCH_BOOKS_PER_STU', 'n': books, 'd': equivalent_students},
        {'code': 'SCH_NEW_BOOKS_PER_STU', 'n': books_new, 'd': equivalent_students},
        {'code': 'SCH_COMPUTERS_PER_100_STU', 'n': teaching_computers * 100, 'd': fulltime_students}
    ]) as m
    from cond
),
funding as (
    select c.academic_year, 'SCH_FUNDING_PER_STU' as indicator_code,
           f.amount * 10000 as numerator, c.equivalent_students as denominator,
           concat_ws(';', f.batch_ids, c.batch_ids) as source_batch_ids
    from cond as c
    join (
        select academic_year, sum(amount_wan) as amount, {{ batch_ids() }} as batch_ids
        from {{ ref('fct_finance') }}
        where flow = '收入' and category = 'regular_subsidy'
        group by academic_year
    ) as f using (academic_year)
),
-- counselors are only known from today's roster: the ratio is for the current 学年 only
counselor as (
    select y.academic_year, 'SCH_COUNSELOR_RATIO' as indicator_code,
           count(*) filter (where e.is_in_school)::double as numerator,
           (select count(*) from {{ ref('dim_staff') }} where post_type = '辅导员')::double as denominator,
           {{ batch_ids('e._batch_id') }} as source_batch_ids
    from {{ ref('dim_academic_year') }} as y
    join {{ ref('fct_enrolment') }} as e using (academic_year)
    where y.is_current
    group by y.academic_year
),
admission as (
    select academic_year, unnest([
        {'code': 'SCH_ENROL_PLAN_RATE', 'n': sum(admitted_count), 'd': sum(plan_count)},
        {'code': 'SCH_REGISTER_RATE', 'n': sum(enrolled_count), 'd': sum(admitted_count)}
    ]) as m, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_admission') }}
    group by academic_year
),
graduation as (
    -- 应届 = the students whose programme ends in this 学年 (entry year + duration); 按期毕业 = they graduated
    select y.academic_year, 'SCH_GRADUATION_RATE' as indicator_code,
           count(*) filter (where s.status = '毕业')::double as numerator, count(*)::double as denominator,
           {{ batch_ids('s._batch_id') }} as source_batch_ids
    from {{ ref('dim_student') }} as s
    join {{ ref('dim_academic_year') }} as y on y.graduation_year = s.expected_graduation_year
    where y.end_date <= (select max(end_date) from {{ ref('dim_academic_year') }} where is_current)
    group by y.academic_year
),
employment as (
    select academic_year, unnest([
        {'code': 'SCH_EMPLOY_RATE', 'n': count(*) filter (where is_placed), 'd': count(*)},
        {'code': 'SCH_RELATED_EMPLOY_RATE', 'n': count(*) filter (where is_related_employed),
         'd': count(*) filter (where is_employed)}
    ]) as m, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_employment') }}
    group by academic_year
),
unioned as (
    select academic_year, m.code as indicator_code, m.n::double as numerator, m.d::double as denominator,
           batch_ids as source_batch_ids
    from conditions
    union all select * from funding
    union all select * from counselor
    union all
    select academic_year, m.code, m.n::double, m.d::double, batch_ids from admission
    union all select * from graduation
    union all
    select academic_year, m.code, m.n::double, m.d::double, batch_ids from employment
)
{{ indicator_rows('学校', 'school',
    entity_id="s.school_code",
    entity_name="s.school_name",
    college_code="null::varchar",
    scope_type='school',
    scope_value="'全校'",
    counts_allowed=false) }}
cross join school as s
