{#-
    Schemas are named exactly as configured (`staging`, `intermediate`, `quality`, `marts`,
    `reference`), not prefixed with the target schema as dbt does by default: analysts
    query `marts.dim_tracks`, whatever target built it. Models without a custom schema land
    in the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
