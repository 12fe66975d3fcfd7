-- 配置检查：跨系统对账规则（reconciliation_rules）与学生类型折合系数（student_type_weights）
--   规则两方的「来源表.列」须在源数据契约（source_columns）中，或是 ref 中规则表的列；比法、粒度、严重程度、容差、部门合法
--   A1 中每个学生类型列（students_*）都有折合系数，每个折合系数都对应 A1 的一列
-- 有问题时报错并逐条写出规则编号（而不只是“有 N 行”），改规则表的人一眼就知道改哪一行。
{%- set problems_sql -%}
with known as (
    select "system" || '.' || "table" as source, "column" from {{ ref('source_columns') }}
    union all
    select table_schema || '.' || table_name, column_name from information_schema.columns
    where table_schema = '{{ ref('student_type_weights').schema }}'
),
sides as (
    select rule_id, '左方' as side, left_source as source, left_column as "column" from {{ ref('reconciliation_rules') }}
    union all
    select rule_id, '右方', right_source, right_column from {{ ref('reconciliation_rules') }}
),
problems as (
    select s.rule_id, '对账规则 ' || s.rule_id || ' 的' || s.side || '「' || coalesce(s.source, '') || '.' || coalesce(s."column", '')
           || '」不是源数据契约中的表和列' as problem_zh
    from sides as s
    left join known as k on k.source = s.source and k."column" = s."column"
    where k.source is null
    union all
    select r.rule_id, '对账规则 ' || r.rule_id || ' 的比法、粒度、严重程度、容差或负责部门不合法（比法：等于/不超过；粒度：学年/学年×专业；严重程度：提醒/阻断；容差 ≥ 0）'
    from {{ ref('reconciliation_rules') }} as r
    left join {{ ref('org_departments') }} as d on d.dept_code = r.responsible_dept
    where coalesce(r.comparison, '等于') not in ('等于', '不超过')
       or r.grain not in ('学年', '学年×专业') or r.severity not in ('提醒', '阻断')
       or coalesce(r.tolerance_abs, 0) < 0 or coalesce(r.tolerance_rel, 0) < 0 or d.dept_code is null
    union all
    select coalesce(w.a1_column, c.a1_column), '学生类型列「' || coalesce(w.a1_column, c.a1_column) || '」'
           || case when w.a1_column is null then '在 A1 中但没有折合系数（student_type_weights）'
                   else '有折合系数但不是 A1 的列（source_columns）' end
    from {{ ref('student_type_weights') }} as w
    full outer join (select "column" as a1_column from {{ ref('source_columns') }}
                     where "system" = 'zhuangtai' and "table" = 'a1_school' and "column" like 'students\_%' escape '\') as c
        on c.a1_column = w.a1_column
    where w.a1_column is null or c.a1_column is null
)
select * from problems
{%- endset -%}
{%- if execute -%}
  {%- set found = run_query(problems_sql) -%}
  {%- if found.rows | length > 0 -%}
    {{ exceptions.raise_compiler_error('；'.join(found.columns[1].values())) }}
  {%- endif -%}
{%- endif %}
{{ problems_sql }}
