-- The long indicator table: one row per level × entity × period × indicator.
select * from {{ ref('int_indicators__major') }}
