-- 配置检查：指标目录中的责任部门与协助部门都必须是组织机构表中的部门
with depts as (
    select indicator_code, responsible_dept as dept_code from {{ ref('indicator_catalogue') }}
    union all
    select indicator_code, unnest(string_split(assisting_depts, ';')) from {{ ref('indicator_catalogue') }}
    where assisting_depts is not null
)
select d.* from depts as d
left join {{ ref('org_departments') }} as o using (dept_code)
where o.dept_code is null
