{# Generic tests this project needs beyond dbt's built-ins (no dbt_utils: no internet for dbt packages). #}

{# The combination of `columns` identifies a row (composite primary keys). #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# `expression` holds for every row (e.g. "admitted_count <= plan_count * 2"). #}
{% test expression_is_true(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}

{# relationships, but across source systems: checked only when the parent has rows. A parent source that was
   never delivered (an empty staging relation) is a coverage gap reported by the gate, not a broken key. #}
{% test relationships_if_loaded(model, column_name, to, field) %}
select child.{{ column_name }}
from {{ model }} as child
where child.{{ column_name }} is not null
  and exists (select 1 from {{ to }})
  and child.{{ column_name }} not in (select {{ field }} from {{ to }} where {{ field }} is not null)
{% endtest %}
