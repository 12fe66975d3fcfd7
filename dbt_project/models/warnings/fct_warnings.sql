{{ config(schema='warnings', materialized='incremental', incremental_strategy='row_sync', unique_key='warning_id',
          row_sync_input='fct_indicator_values', on_schema_change='sync_all_columns') }}
-- 预警：每个指标值对照 标准链（indicator_standards，按对象的层次/职级）、国家基本办学条件（national_baselines，
-- 仅学校层面，按 school_profile 的院校类型）与 目标链（二级学院年度目标 / 学校规划目标）判定。
-- 判定规则只有一处：macros/judge_tier.sql（边界规则见 docs/rules.md）。
-- 每行只取决于一行指标值与判定规则：只判定变化了的指标值行（macros/row_sync.sql），结果与全部重算相同。
{%- set rules %}
dept_map as ({{ judge_dept_map() }}),
profile as (select school_type from {{ ref('school_profile') }} limit 1),
baselines as (
    -- the national line of this school's type group ('工科/农林' matches a 工科 school)
    select b.*
    from {{ ref('national_baselines') }} as b
    cross join profile as p
    where list_contains(string_split(b.school_type, '/'), p.school_type)
),
plan_targets as (
    select i.indicator_code, t.academic_year, t.target_value, i.item_id
    from {{ ref('plan_targets') }} as t
    join {{ ref('plan_items') }} as i using (item_id)
    where i.indicator_code is not null and t.target_value is not null
),
judged as (
    select
        v.level, v.entity_type, v.entity_id, v.entity_name, v.college_code, v.scope_type, v.scope_value,
        v.period, v.academic_year, v.indicator_code, v.value, v.numerator, v.denominator, v.source_batch_ids,
        c.name_zh as indicator_name, c.vertical_system, c.unit, c.decimals, c.direction, c.cycle,
        c.responsible_dept, c.assisting_depts as catalogue_assisting_depts,
        s.standard_value, s.yellow_line, s.orange_line, s.red_line, s.source_zh as standard_source,
        sc.standard_label_zh, coalesce(sc.entity_suffix_zh, '') as entity_suffix_zh,
        b.qualified_value as baseline_value, b.restricted_value as baseline_restricted_value,
        b.source_zh as baseline_source,
        coalesce(dt.target_value, pt.target_value) as target_value,
        case when dt.target_value is not null then '二级学院年度目标（' || dt.dept_code || '）'
             when pt.target_value is not null then '学校规划目标（' || pt.item_id || '）' end as target_source,
        {{ judge_tier('v.value', 's.standard_value', 's.yellow_line', 's.orange_line', 's.red_line', 'c.direction') }}
            as standard_tier,
        -- national line: below 合格 → 橙, below 限制招生 (when a college fills it in) → 红
        case when b.indicator_code is not null then
            {{ judge_tier('v.value', 'b.qualified_value', 'b.qualified_value', 'b.qualified_value',
                          'b.restricted_value', 'c.direction') }}
        end as baseline_tier
    from changed_input as v
    join {{ ref('indicator_catalogue') }} as c on c.indicator_code = v.indicator_code
    left join {{ ref('indicator_standards') }} as s
        on s.indicator_code = v.indicator_code and s.scope_type = v.scope_type and s.scope_value = v.scope_value
    left join {{ ref('standard_scopes') }} as sc
        on sc.scope_type = v.scope_type and sc.scope_value = v.scope_value
    left join baselines as b
        on b.indicator_code = v.indicator_code and v.level = '学校'
    -- a 二级学院's own annual target applies to its majors / courses / teachers / students
    left join {{ ref('dept_annual_targets') }} as dt
        on dt.dept_code = v.college_code and dt.academic_year = v.academic_year and dt.indicator_code = v.indicator_code
    -- the plan's school-wide target applies to the school-level value
    left join plan_targets as pt
        on pt.indicator_code = v.indicator_code and pt.academic_year = v.academic_year and v.level = '学校'
),
combined as (
    -- the worse of the school's own standard and the national line
    select j.*,
        case
            when j.standard_tier = '数据缺失' then '数据缺失'
            when j.baseline_tier is null or j.baseline_tier = '达标' then j.standard_tier
            when j.standard_tier = '无标准' then j.baseline_tier
            when wb.severity_rank > ws.severity_rank then j.baseline_tier
            else j.standard_tier
        end as judged_tier
    from judged as j
    left join {{ ref('warning_tiers') }} as ws on ws.tier = j.standard_tier
    left join {{ ref('warning_tiers') }} as wb on wb.tier = j.baseline_tier
),
tiered as (
    select *,
        case when judged_tier = '达标' and target_value is not null
                  and {{ judge_meets('value', 'target_value', 'direction') }}
             then '达到目标' else judged_tier end as tier,
        case when direction = 'higher' then '低于' else '高于' end as worse_word,
        -- the 二级学院 of the entity always assists (it owns the major / course / teacher / student)
        list_filter(
            list_concat(coalesce(string_split(catalogue_assisting_depts, ';'), []),
                        case when college_code is not null
                                  and not list_contains(coalesce(string_split(catalogue_assisting_depts, ';'), []), college_code)
                             then [college_code] else [] end),
            k -> k <> responsible_dept) as assisting_list
    from combined
),
final as (
select
    md5(t.level || '|' || t.entity_type || '|' || t.entity_id || '|' || t.period || '|' || t.indicator_code) as warning_id,
    t.level, t.entity_type, t.entity_id, t.entity_name, t.college_code,
    t.scope_type, t.scope_value, t.period, t.academic_year, t.cycle,
    t.indicator_code, t.indicator_name, t.vertical_system, t.unit, t.direction,
    t.value, t.numerator, t.denominator,
    {{ judge_format('t.value', 't.unit', 't.decimals') }} as value_display,
    t.standard_value, t.yellow_line, t.orange_line, t.red_line, t.standard_source, t.standard_tier,
    t.baseline_value, t.baseline_restricted_value, t.baseline_source, t.baseline_tier,
    t.target_value, t.target_source,
    t.tier, w.name_zh as tier_name, w.severity_rank, w.colour as tier_colour,
    -- a student's per-indicator judgement is analysis only: the student warning rules decide (fct_student_warnings)
    w.is_warning and t.level <> '学生' as is_warning,
    -- the sentence only where a person reads it: warnings and data gaps of schools, majors, courses, teachers
    case when t.level <> '学生' and (w.is_warning or t.tier = '数据缺失') then
    t.entity_name || t.entity_suffix_zh || ' ' || {{ judge_period_label('t.period') }} || ' ' || t.indicator_name
    || case
        when t.tier = '数据缺失' then
            ' 无数据（未采集或分母为 0，不按 0 计），请' || coalesce(dm.dept_map[t.responsible_dept], t.responsible_dept)
            || '核实补报（数据缺失）'
        else
            ' ' || {{ judge_format('t.value', 't.unit', 't.decimals') }} || '，'
            || concat_ws('，',
                case when t.standard_tier in ('黄', '橙', '红') then
                    t.worse_word || t.standard_label_zh || ' ' || {{ judge_format('t.standard_value', 't.unit', 't.decimals') }}
                end,
                case when t.baseline_tier in ('黄', '橙', '红') then
                    t.worse_word || '国家基本办学条件合格标准 ' || {{ judge_format('t.baseline_value', 't.unit', 't.decimals') }}
                    || case when t.baseline_tier = '红' then
                        '、限制招生线 ' || {{ judge_format('t.baseline_restricted_value', 't.unit', 't.decimals') }} else '' end
                end)
            || '（' || w.name_zh || '）'
    end end as reason_zh,
    t.responsible_dept,
    coalesce(dm.dept_map[t.responsible_dept], t.responsible_dept) as responsible_dept_name,
    case when t.level <> '学生' then array_to_string(t.assisting_list, ';') end as assisting_depts,
    case when t.level <> '学生' then {{ judge_dept_names('t.assisting_list', 'dm.dept_map') }} end as assisting_dept_names,
    t.source_batch_ids
from tiered as t
join {{ ref('warning_tiers') }} as w on w.tier = t.tier
cross join dept_map as dm
)
{%- endset %}
{%- set version = row_sync_version(rules) %}
with changed_input as ({{ row_sync_changed(ref('fct_indicator_values'), version) }}),
{{ rules }}
select *, '{{ version }}' as rules_version from final
