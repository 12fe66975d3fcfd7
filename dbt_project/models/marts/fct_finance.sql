-- 经费 (财务 经费收支.xlsx), long: one row per calendar year × 收入/支出 × department × category, in 万元.
-- 收入 is school-wide (dept_code NULL, dept_name 全校). The 合计 columns are not rows here (sum the categories).
with income as (
    unpivot (select fiscal_year, tuition, regular_subsidy, central_special, local_special, donation, other, _batch_id, _source_row
             from {{ ref('stg_caiwu__income') }} where fiscal_year is not null)
    on tuition, regular_subsidy, central_special, local_special, donation, other
    into name category value amount_wan
),
expense as (
    unpivot (select fiscal_year, dept_name, daily_teaching, teaching_reform, faculty_development, books, equipment,
                    practice_teaching, student_activities, other, _batch_id, _source_row
             from {{ ref('stg_caiwu__expense') }} where fiscal_year is not null and dept_name <> '合计')
    on daily_teaching, teaching_reform, faculty_development, books, equipment, practice_teaching, student_activities, other
    into name category value amount_wan
),
labels as (
    select * from (values
        ('收入', 'tuition', '学费'), ('收入', 'regular_subsidy', '财政经常性补助'), ('收入', 'central_special', '中央专项'),
        ('收入', 'local_special', '地方专项'), ('收入', 'donation', '社会捐赠'), ('收入', 'other', '其他收入'),
        ('支出', 'daily_teaching', '日常教学经费'), ('支出', 'teaching_reform', '教学改革及研究'),
        ('支出', 'faculty_development', '师资建设'), ('支出', 'books', '图书购置'), ('支出', 'equipment', '设备采购'),
        ('支出', 'practice_teaching', '实践教学'), ('支出', 'student_activities', '学生活动'), ('支出', 'other', '其他支出')
    ) as t(flow, category, category_name)
),
unioned as (
    select fiscal_year, '收入' as flow, '全校' as dept_name, category, amount_wan, _batch_id, _source_row from income
    union all
    select fiscal_year, '支出', dept_name, category, amount_wan, _batch_id, _source_row from expense
)
select
    u.fiscal_year,
    u.fiscal_year || '-' || (u.fiscal_year + 1) as academic_year,
    u.flow,
    d.college_code as dept_code,
    u.dept_name,
    u.category,
    l.category_name,
    u.amount_wan,
    u._batch_id,
    u._source_row
from unioned as u
left join labels as l using (flow, category)
left join {{ ref('dim_college') }} as d on d.college_name = u.dept_name
