-- 跨系统对账：每条规则（seeds/reconciliation_rules.csv）× 学年 × 对象（全校或专业）一行，两方的值、差值、相对差、
-- 结论（一致/不一致）和严重程度。一方的每个度量是下面 measures 中的一段，按规则里写的「来源表.列」取用；
-- 只比两方都有数据的学年；某专业只在一方出现时，另一方记为空、按 0 计差值，结论为不一致。
-- 一致（比法「等于」）：|差值| ≤ 绝对容差，或 |差值| ≤ 相对容差 × |右方值|（右方为业务系统，是对照的基准）。
-- 一致（比法「不超过」，左方是右方的一部分，如双师素质教师 ≤ 专任教师）：差值 ≤ 绝对容差，或 差值 ≤ 相对容差 × |右方值|。
-- 结论为不一致且严重程度为「阻断」的规则让本次运行不发布（_audit.yml 中的测试）；「提醒」只记录。
with staff_by_year as (
    -- 人事名册只有当前名册：某学年的专任教师 = 岗位类别为专任教师、该学年 9 月 1 日前入职者
    select y.academic_year, s.staff_id
    from {{ ref('dim_staff') }} as s
    join {{ ref('dim_academic_year') }} as y on s.hire_date <= make_date(y.start_year, 9, 1)
    where s.is_fulltime_teacher
),
finance_income as (
    select fiscal_year || '-' || (fiscal_year + 1) as academic_year, * from {{ ref('stg_caiwu__income') }}
),
finance_expense as (
    select fiscal_year || '-' || (fiscal_year + 1) as academic_year, * from {{ ref('stg_caiwu__expense') }}
),
measures as (
    -- 状态数据平台
    {{ reconciliation_measure('zhuangtai.a1_school', 'students_regular_junior', ref('stg_zhuangtai__a1_school'), 'sum(students_regular_junior)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a1_school', 'fulltime_students', ref('stg_zhuangtai__a1_school'), 'sum(fulltime_students)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a1_school', 'equivalent_students', ref('stg_zhuangtai__a1_school'), 'sum(equivalent_students)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a7_1_1_major', 'students', ref('stg_zhuangtai__a7_1_1_major'), 'sum(students)', major='major_code') }}
    union all
    {{ reconciliation_measure('zhuangtai.a6_1_fulltime_teacher', 'staff_id', ref('stg_zhuangtai__a6_1_fulltime_teacher'), 'count(distinct staff_id)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a6_1_fulltime_teacher', 'is_dual_qualified', ref('stg_zhuangtai__a6_1_fulltime_teacher'), 'count(distinct staff_id) filter (where is_dual_qualified)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a6_3_external_teacher', 'external_id', ref('stg_zhuangtai__a6_3_external_teacher'), 'count(distinct external_id)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a7_6_1_admission', 'admitted_count', ref('stg_zhuangtai__a7_6_1_admission'), 'sum(admitted_count)', major='major_code') }}
    union all
    {{ reconciliation_measure('zhuangtai.a7_6_1_admission', 'enrolled_count', ref('stg_zhuangtai__a7_6_1_admission'), 'sum(enrolled_count)', major='major_code') }}
    union all
    {{ reconciliation_measure('zhuangtai.a7_6_2_employment', 'graduates', ref('stg_zhuangtai__a7_6_2_employment'), 'sum(graduates)', major='major_code') }}
    union all
    {{ reconciliation_measure('zhuangtai.a7_6_2_employment', 'employed', ref('stg_zhuangtai__a7_6_2_employment'), 'sum(employed)', major='major_code') }}
    union all
    {{ reconciliation_measure('zhuangtai.a5_1_income', 'regular_subsidy', ref('stg_zhuangtai__a5_1_income'), 'sum(regular_subsidy)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a5_1_income', 'total', ref('stg_zhuangtai__a5_1_income'), 'sum(total)') }}
    union all
    {{ reconciliation_measure('zhuangtai.a5_2_expense', 'total', ref('stg_zhuangtai__a5_2_expense'), 'sum(total)') }}
    -- A1 totals computed from the counts by 学生类型 with the weights of seeds/student_type_weights.csv
    union all
    {{ reconciliation_measure('ref.student_type_weights', 'counts_as_fulltime', ref('int_student_equivalents'), 'sum(fulltime_students)') }}
    union all
    {{ reconciliation_measure('ref.student_type_weights', 'equivalent_weight', ref('int_student_equivalents'), 'sum(equivalent_students)') }}
    -- 学工
    union all
    {{ reconciliation_measure('xuegong.student', 'status', ref('fct_enrolment'), 'count(*) filter (where is_in_school)', major='major_code') }}
    union all
    {{ reconciliation_measure('xuegong.admission', 'admitted_count', ref('fct_admission'), 'sum(admitted_count)', major='major_code') }}
    union all
    {{ reconciliation_measure('xuegong.admission', 'enrolled_count', ref('fct_admission'), 'sum(enrolled_count)', major='major_code') }}
    union all
    {{ reconciliation_measure('xuegong.employment', 'student_id', ref('fct_employment'), 'count(distinct student_id)', major='major_code') }}
    union all
    {{ reconciliation_measure('xuegong.employment', 'destination', ref('fct_employment'), 'count(*) filter (where is_employed)', major='major_code') }}
    -- 人事
    union all
    {{ reconciliation_measure('renshi.staff', 'post_type', 'staff_by_year', 'count(distinct staff_id)') }}
    union all
    {{ reconciliation_measure('renshi.external_teacher', 'external_id', ref('stg_renshi__external_teacher'), 'count(distinct external_id)') }}
    -- 财务（自然年 N 计入 N–N+1 学年）
    union all
    {{ reconciliation_measure('caiwu.income', 'regular_subsidy', 'finance_income', 'sum(regular_subsidy)') }}
    union all
    {{ reconciliation_measure('caiwu.income', 'total', 'finance_income', 'sum(total)') }}
    union all
    {{ reconciliation_measure('caiwu.expense', 'total', 'finance_expense', 'sum(total)') }}
),
rules as (
    select * from {{ ref('reconciliation_rules') }}
),
left_values as (
    select r.rule_id, m.academic_year, m.entity_id, m.value
    from rules as r
    join measures as m on m.source = r.left_source and m.source_column = r.left_column and m.grain = r.grain
),
right_values as (
    select r.rule_id, m.academic_year, m.entity_id, m.value
    from rules as r
    join measures as m on m.source = r.right_source and m.source_column = r.right_column and m.grain = r.grain
),
both_delivered as (
    select rule_id, academic_year from left_values
    intersect
    select rule_id, academic_year from right_values
),
paired as (
    select rule_id, academic_year, entity_id, l.value as left_value, rv.value as right_value
    from left_values as l
    full outer join right_values as rv using (rule_id, academic_year, entity_id)
    where (rule_id, academic_year) in (select (rule_id, academic_year) from both_delivered)
),
judged as (
    select
        p.*,
        coalesce(p.left_value, 0) - coalesce(p.right_value, 0) as difference,
        coalesce(r.tolerance_abs, 0) as tolerance_abs,
        coalesce(r.tolerance_rel, 0) as tolerance_rel,
        coalesce(r.comparison, '等于') as comparison
    from paired as p
    join rules as r using (rule_id)
),
verdicts as (
    select
        j.*,
        case when j.right_value <> 0 then j.difference / j.right_value end as relative_difference,
        j.left_value is not null and j.right_value is not null
            and (case when j.comparison = '不超过' then j.difference else abs(j.difference) end
                 <= greatest(j.tolerance_abs, j.tolerance_rel * abs(j.right_value)))
            as is_consistent
    from judged as j
)
select
    v.rule_id,
    r.rule_name_zh,
    v.academic_year,
    r.grain,
    v.entity_id,
    case when v.entity_id = '全校' then '全校' else coalesce(m.major_name, v.entity_id) end as entity_name,
    r.left_label_zh,
    cast(v.left_value as double) as left_value,
    r.right_label_zh,
    cast(v.right_value as double) as right_value,
    v.comparison,
    cast(v.difference as double) as difference,
    cast(v.relative_difference as double) as relative_difference,
    cast(v.tolerance_abs as double) as tolerance_abs,
    cast(v.tolerance_rel as double) as tolerance_rel,
    case when v.is_consistent then '一致' else '不一致' end as verdict,
    r.severity,
    r.responsible_dept,
    d.dept_name as responsible_dept_name,
    case
        when v.is_consistent then null
        when v.left_value is null then r.left_label_zh || '中没有这一项，' || r.right_label_zh || '为 ' || {{ reconciliation_number('v.right_value') }}
        when v.right_value is null then r.right_label_zh || '中没有这一项，' || r.left_label_zh || '为 ' || {{ reconciliation_number('v.left_value') }}
        when v.comparison = '不超过'
            then r.left_label_zh || ' ' || {{ reconciliation_number('v.left_value') }} || '，超过' || r.right_label_zh || ' '
                 || {{ reconciliation_number('v.right_value') }} || '（多 ' || {{ reconciliation_number('v.difference') }}
                 || '），部分不能多于总数'
        else r.left_label_zh || ' ' || {{ reconciliation_number('v.left_value') }} || '，' || r.right_label_zh || ' ' || {{ reconciliation_number('v.right_value') }}
             || '，相差 ' || {{ reconciliation_number('v.difference') }}
             || coalesce('（' || printf('%+.1f', 100 * v.relative_difference) || '%）', '') || '，超出容差'
    end as message_zh,
    r.description_zh
from verdicts as v
join rules as r using (rule_id)
left join {{ ref('dim_major') }} as m on m.major_code = v.entity_id and r.grain = '学年×专业'
left join {{ ref('org_departments') }} as d on d.dept_code = r.responsible_dept
