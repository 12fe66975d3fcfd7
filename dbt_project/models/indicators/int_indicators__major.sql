-- 专业层面指标，每专业每学年（公式：seeds/indicator_catalogue.csv），按专业层次（省品牌…校一般）对照标准。
-- 教师名册只有当前快照：专业生师比、双师素质比例、专业带头人只算当前学年。
-- 职业资格证书获取率、技能大赛获奖数暂无来源系统，不产生数据行（见 docs/rules.md）。
with current_year as (
    select academic_year from {{ ref('dim_academic_year') }} where is_current
),
admission as (
    select academic_year, major_code, unnest([
        {'code': 'MAJ_ENROL_PLAN_RATE', 'n': sum(admitted_count), 'd': sum(plan_count)},
        {'code': 'MAJ_REGISTER_RATE', 'n': sum(enrolled_count), 'd': sum(admitted_count)},
        {'code': 'MAJ_FIRST_CHOICE_RATE', 'n': sum(first_choice_count), 'd': sum(admitted_count)}
    ]) as m, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_admission') }}
    group by all
),
students as (
    select academic_year, major_code, count(*) filter (where is_in_school) as students, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_enrolment') }}
    group by all
),
teachers as (
    select major_code,
           count(*) as teachers,
           count(*) filter (where is_dual_qualified) as dual_teachers,
           count(*) filter (where is_major_leader) as leaders,
           {{ batch_ids() }} as batch_ids
    from {{ ref('dim_teacher') }}
    group by major_code
),
roster as (
    -- every major in the current 学年, with or without teachers (no teacher → 0 带头人, ratios missing)
    select y.academic_year, m.major_code, unnest([
        {'code': 'MAJ_STUDENT_TEACHER_RATIO', 'n': s.students, 'd': coalesce(t.teachers, 0)},
        {'code': 'MAJ_DUAL_TEACHER_RATIO', 'n': coalesce(t.dual_teachers, 0), 'd': coalesce(t.teachers, 0)},
        {'code': 'MAJ_HAS_LEADER', 'n': coalesce(t.leaders, 0), 'd': null}
    ]) as m, concat_ws(';', s.batch_ids, t.batch_ids) as batch_ids
    from {{ ref('dim_major') }} as m
    cross join current_year as y
    left join teachers as t on t.major_code = m.major_code
    left join students as s on s.major_code = m.major_code and s.academic_year = y.academic_year
),
equipment as (
    -- 校内实践教学基地 (状态数据平台 A4-1) equipment of the major ÷ its students that 学年
    select b.academic_year, b.major_code, 'MAJ_EQUIP_VALUE_PER_STU' as indicator_code,
           sum(b.equipment_value_wan) * 10000 as numerator, coalesce(any_value(s.students), 0)::double as denominator,
           concat_ws(';', {{ batch_ids('b._batch_id') }}, any_value(s.batch_ids)) as source_batch_ids
    from {{ ref('stg_zhuangtai__a4_1_internal_base') }} as b
    left join students as s using (academic_year, major_code)
    where b.major_code is not null
    group by all
),
practice as (
    -- the courses taught to the major's classes in the 学年, each course once
    select academic_year, major_code, 'MAJ_PRACTICE_HOURS_RATIO' as indicator_code,
           sum(course_practice_hours)::double as numerator, sum(course_total_hours)::double as denominator,
           {{ batch_ids() }} as source_batch_ids
    from (
        select distinct academic_year, major_code, course_code, course_practice_hours, course_total_hours, _batch_id
        from {{ ref('fct_teaching_task') }}
        where major_code is not null
    )
    group by all
),
pass as (
    select academic_year, major_code, 'MAJ_COURSE_PASS_RATE' as indicator_code,
           count(*) filter (where is_passed_first_attempt)::double as numerator, count(*)::double as denominator,
           {{ batch_ids() }} as source_batch_ids
    from {{ ref('fct_score') }}
    where exam_type = '正考' and major_code is not null
    group by all
),
graduation as (
    select y.academic_year, s.major_code, 'MAJ_GRADUATION_RATE' as indicator_code,
           count(*) filter (where s.status = '毕业')::double as numerator, count(*)::double as denominator,
           {{ batch_ids('s._batch_id') }} as source_batch_ids
    from {{ ref('dim_student') }} as s
    join {{ ref('dim_academic_year') }} as y on y.graduation_year = s.expected_graduation_year
    where y.end_date <= (select max(end_date) from {{ ref('dim_academic_year') }} where is_current)
    group by all
),
employment as (
    select academic_year, major_code, unnest([
        {'code': 'MAJ_EMPLOY_RATE', 'n': count(*) filter (where is_placed), 'd': count(*)},
        {'code': 'MAJ_RELATED_EMPLOY_RATE', 'n': count(*) filter (where is_related_employed),
         'd': count(*) filter (where is_employed)}
    ]) as m, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_employment') }}
    group by all
),
unioned as (
    select academic_year, major_code, m.code as indicator_code, m.n::double as numerator, m.d::double as denominator,
           batch_ids as source_batch_ids
    from admission
    union all
    select academic_year, major_code, 'MAJ_STUDENTS', students::double, null, batch_ids from students
    union all
    select academic_year, major_code, m.code, m.n::double, m.d::double, batch_ids from roster
    union all select * from equipment
    union all select * from practice
    union all select * from pass
    union all select * from graduation
    union all
    select academic_year, major_code, m.code, m.n::double, m.d::double, batch_ids from employment
)
{{ indicator_rows('专业', 'major',
    entity_id="u.major_code",
    entity_name="m.major_name",
    college_code="m.college_code",
    scope_type='major_tier',
    scope_value="m.major_tier") }}
join {{ ref('dim_major') }} as m using (major_code)
