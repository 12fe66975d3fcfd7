-- 配置检查：每个指标对其层面的每个范围值（专业层次、课程级别、教师职级、全校、全体学生；见 standard_scopes）都有且只有一条标准
with expected as (
    select c.indicator_code, s.scope_type, s.scope_value
    from {{ ref('indicator_catalogue') }} as c
    join {{ ref('standard_scopes') }} as s on s.level = c.level
),
counted as (
    select e.indicator_code, e.scope_type, e.scope_value, count(st.indicator_code) as n
    from expected as e
    left join {{ ref('indicator_standards') }} as st
        on st.indicator_code = e.indicator_code and st.scope_type = e.scope_type and st.scope_value = e.scope_value
    group by all
)
select *, case when n = 0 then '缺少标准' else '标准重复' end as problem_zh from counted where n <> 1
