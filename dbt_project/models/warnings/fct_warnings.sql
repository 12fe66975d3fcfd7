-- Every indicator value judged against its standard (标准链) and its target (目标链).
with judged as (
    select
        v.*,
        c.name_zh as indicator_name,
        c.unit,
        c.direction,
        c.cycle,
        c.responsible_dept,
        c.assisting_depts,
        s.standard_value,
        s.yellow_line,
        s.orange_line,
        s.source_zh as standard_source,
        t.target_value,
        {{ judge_tier('v.value', 's.standard_value', 's.yellow_line', 's.orange_line', 'c.direction') }} as standard_tier
    from {{ ref('fct_indicator_values') }} as v
    join {{ ref('indicator_catalogue') }} as c using (indicator_code)
    left join {{ ref('indicator_standards') }} as s
        on s.indicator_code = v.indicator_code and s.scope_type = v.scope_type and s.scope_value = v.scope_value
    left join {{ ref('indicator_targets') }} as t
        on t.indicator_code = v.indicator_code and t.academic_year = v.academic_year
),
tiered as (
    select *,
        case
            when standard_tier = '达标' and target_value is not null
                 and ((direction = 'higher' and value >= target_value) or (direction = 'lower' and value <= target_value))
                then '达到目标'
            else standard_tier
        end as tier
    from judged
)
select
    t.level, t.entity_type, t.entity_id, t.entity_name, t.college_code, t.scope_type, t.scope_value,
    t.period, t.academic_year, t.indicator_code, t.indicator_name, t.unit, t.direction, t.cycle,
    t.value, t.numerator, t.denominator, t.standard_value, t.yellow_line, t.orange_line, t.target_value,
    t.standard_source, t.tier, w.name_zh as tier_name, w.severity_rank,
    t.tier in ('黄', '橙', '红') as is_warning,
    t.responsible_dept,
    d.dept_name as responsible_dept_name,
    t.assisting_depts,
    case
        when t.tier = '数据缺失' then
            t.entity_name || '专业 ' || t.academic_year || '学年 ' || t.indicator_name || '：数据缺失（分母为 0 或无数据），请补报'
        when t.tier in ('黄', '橙', '红') then
            t.entity_name || '专业 ' || t.academic_year || '学年 ' || t.indicator_name || ' '
            || {{ format_value('t.value', 't.unit') }} || '，' || case when t.direction = 'higher' then '低于' else '高于' end
            || t.scope_value || '专业标准 ' || {{ format_value('t.standard_value', 't.unit') }} || '（' || w.name_zh || '）'
        else
            t.entity_name || '专业 ' || t.academic_year || '学年 ' || t.indicator_name || ' '
            || {{ format_value('t.value', 't.unit') }} || '，' || w.name_zh
    end as reason_zh,
    t.source_batch_ids
from tiered as t
join {{ ref('warning_tiers') }} as w on w.tier = t.tier
left join {{ ref('org_departments') }} as d on d.dept_code = t.responsible_dept
