-- 学校层面指标宽表：每个对象每个周期一行，每个指标一列（列名 = 小写的指标代码，含义见 ref.indicator_catalogue）。
-- depends_on: {{ ref('indicator_catalogue') }}
{{ wide_indicators('学校') }}
