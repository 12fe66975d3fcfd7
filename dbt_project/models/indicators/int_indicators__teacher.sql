-- 教师层面指标，每位专任教师每学年（公式：seeds/indicator_catalogue.csv），按教师职级对照“教师发展标准”。
-- 职级由 seeds/teacher_rank_rules.csv 按优先级判定（专业带头人 > 骨干教师 > 新任教师 > 职称）；职称与标记取
-- 当前名册（历史学年沿用当前职称）。课时、班级数、培训、成果是计数：该学年有数据来源时，没有记录即为 0；
-- 评教、督导、到课率、及格率只在有记录时出值。教学事故数暂无来源系统，不产生数据行。
with years as (
    -- the 学年 the 教务 system has teaching tasks for
    select y.academic_year, y.start_year, y.graduation_year
    from {{ ref('dim_academic_year') }} as y
    where y.academic_year in (select academic_year from {{ ref('fct_teaching_task') }})
),
teacher_years as (
    select t.*, y.academic_year, y.start_year, y.graduation_year, y.start_year - t.hire_year as years_since_hire
    from {{ ref('dim_teacher') }} as t
    join years as y on t.hire_year is null or t.hire_year <= y.start_year
),
ranked as (
    -- the first rule (by priority) that applies
    select ty.staff_id, ty.academic_year, arg_min(r.teacher_rank, r.priority) as teacher_rank
    from teacher_years as ty
    join {{ ref('teacher_rank_rules') }} as r
      on (r.basis = 'is_major_leader' and ty.is_major_leader)
      or (r.basis = 'is_backbone' and ty.is_backbone)
      or (r.basis = 'years_since_hire' and ty.years_since_hire < r.max_years_since_hire)
      or (r.basis = 'title_rank' and ty.title_rank = r.title_rank)
    group by all
),
semesters as (
    select academic_year, count(distinct semester_code) as semesters
    from {{ ref('fct_teaching_task') }}
    group by all
),
tasks as (
    select teacher_id as staff_id, academic_year,
           sum(workload_hours) as hours, count(distinct task_id) as classes, sum(weekly_hours) as weekly_hours,
           {{ batch_ids() }} as batch_ids
    from {{ ref('fct_teaching_task') }}
    group by all
),
training as (
    select staff_id, academic_year, sum(training_hours) as hours, sum(enterprise_hours) as enterprise_hours,
           {{ batch_ids() }} as batch_ids
    from {{ ref('fct_training') }}
    group by all
),
research as (
    select staff_id, research_year, count(*) as items, {{ batch_ids() }} as batch_ids
    from {{ ref('fct_research') }}
    group by all
),
counts as (
    -- counts over the teacher × 学年 grid: 0 when the source has that 学年 but no record of the teacher
    select ty.staff_id, ty.academic_year, unnest([
        {'code': 'TCH_TEACHING_HOURS', 'n': coalesce(k.hours, 0), 'd': null, 'b': k.batch_ids},
        {'code': 'TCH_CLASS_COUNT', 'n': coalesce(k.classes, 0), 'd': null, 'b': k.batch_ids},
        {'code': 'TCH_WEEKLY_HOURS', 'n': coalesce(k.weekly_hours, 0), 'd': s.semesters, 'b': k.batch_ids}
    ]) as m
    from teacher_years as ty
    join semesters as s using (academic_year)
    left join tasks as k using (staff_id, academic_year)
    union all
    select ty.staff_id, ty.academic_year,
           {'code': 'TCH_TRAINING_HOURS', 'n': coalesce(g.hours, 0), 'd': null, 'b': g.batch_ids}
    from teacher_years as ty
    left join training as g using (staff_id, academic_year)
    where ty.academic_year in (select academic_year from training)
    union all
    -- 企业实践天数 (教师〔2016〕3号: 专业课教师 6 months in every 5 years): days (1 天 = 8 学时) over the 学年 of the
    -- five-year window up to this one that the teacher served and the training source covers ÷ those 学年,
    -- so one year spent teaching between two blocks is no warning; only 专业课教师 (a teacher of a major)
    select ty.staff_id, ty.academic_year,
           {'code': 'TCH_ENTERPRISE_DAYS', 'n': sum(coalesce(g.enterprise_hours, 0)) / 8,
            'd': count(*), 'b': string_agg(g.batch_ids, ';')}
    from teacher_years as ty
    join teacher_years as w
      on w.staff_id = ty.staff_id and w.start_year between ty.start_year - 4 and ty.start_year
    left join training as g on g.staff_id = w.staff_id and g.academic_year = w.academic_year
    where ty.major_code is not null and w.academic_year in (select academic_year from training)
      and ty.academic_year in (select academic_year from training)
    group by ty.staff_id, ty.academic_year
    union all
    select ty.staff_id, ty.academic_year,
           {'code': 'TCH_RESEARCH_COUNT', 'n': coalesce(r.items, 0), 'd': null, 'b': r.batch_ids}
    from teacher_years as ty
    left join research as r on r.staff_id = ty.staff_id and r.research_year = ty.graduation_year
    where ty.graduation_year in (select research_year from research)
),
observed as (
    -- means and rates: only where there is something to average
    select teacher_id as staff_id, academic_year,
           case eval_source when '学生评教' then 'TCH_STUDENT_EVAL_SCORE' else 'TCH_SUPERVISOR_SCORE' end
               as indicator_code,
           sum(score)::double as numerator, count(score)::double as denominator, {{ batch_ids() }} as source_batch_ids
    from {{ ref('fct_teaching_evaluation') }}
    where teacher_id is not null
    group by all
    union all
    select teacher_id, academic_year, 'TCH_COURSE_ATTENDANCE_RATE',
           sum(attended_sessions)::double, sum(sessions)::double,
           concat_ws(';', {{ batch_ids('session_batch_id') }}, {{ batch_ids('record_batch_id') }})
    from {{ ref('fct_attendance') }}
    group by all
    union all
    select teacher_id, academic_year, 'TCH_COURSE_PASS_RATE',
           count(*) filter (where is_passed_first_attempt)::double, count(*)::double, {{ batch_ids() }}
    from {{ ref('fct_score') }}
    where exam_type = '正考'
    group by all
),
unioned as (
    select staff_id, academic_year, m.code as indicator_code, m.n::double as numerator, m.d::double as denominator,
           m.b as source_batch_ids
    from counts
    union all
    select * from observed
)
{{ indicator_rows('教师', 'teacher',
    entity_id="u.staff_id",
    entity_name="t.staff_name",
    college_code="t.dept_code",
    scope_type='teacher_rank',
    scope_value="r.teacher_rank") }}
join teacher_years as t using (staff_id, academic_year)
left join ranked as r using (staff_id, academic_year)
